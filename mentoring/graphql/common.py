"""What the mentoring GraphQL modules share: the error type, the base mutation, permission checks."""

from backend.core.graphql import BaseMutation, Forbidden, error_type, get_object, require_authenticated
from network.permissions import viewer_for

from .. import models
from ..errors import MentoringErrorCode
from . import types

MentoringError = error_type("MentoringError", types.MentoringErrorCodeEnum, "mentoring")


def require_hub_manager(
    info, hub_msp_id, message="Seuls les coordinateurs de la MSP tête de pont gèrent ses offres et créneaux."
):
    """Forbidden unless the signed-in user coordinates the hub's MSP (or may manage any MSP)."""
    require_authenticated(info)
    if not viewer_for(info.context).can_manage_msp(hub_msp_id):
        raise Forbidden(message)


def managed_offer(info, offer_id, field="offerId"):
    """The offer, if the signed-in user manages its hub."""
    require_authenticated(info)
    queryset = models.SupportOffer.objects.select_related("hub")
    offer = get_object(offer_id, models.SupportOffer, "SupportOffer", field, queryset)
    require_hub_manager(info, offer.hub.msp_id)
    return offer


def managed_slot(info, slot_id, field="slotId"):
    """The slot, if the signed-in user manages its hub."""
    require_authenticated(info)
    slot = get_object(slot_id, models.Slot, "Slot", field, models.Slot.objects.select_related("offer__hub"))
    require_hub_manager(info, slot.offer.hub.msp_id)
    return slot


def require_practitioner(info, message="Seul un professionnel de santé inscrit peut réserver."):
    """The signed-in user's practitioner record, or Forbidden with `message`."""
    require_authenticated(info)
    practitioner = viewer_for(info.context).practitioner
    if practitioner is None:
        raise Forbidden(message)
    return practitioner


class MentoringMutation(BaseMutation):
    class Meta:
        abstract = True

    error_code_enum = MentoringErrorCode
