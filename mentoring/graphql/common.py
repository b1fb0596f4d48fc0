"""What the mentoring GraphQL modules share: the error type, the base mutation, the checks on a hub's objects.

Who may call an operation is declared on it (`Meta.permissions`, `Field(permissions=…)`) and checked before
it runs; the helpers here check the object the operation names (this hub, this offer, this slot).
"""

from backend.core.graphql import BaseMutation, Forbidden, error_type, get_object
from network.permissions import viewer_for

from .. import models
from ..errors import MentoringErrorCode
from .enums import MentoringErrorCodeEnum

MentoringError = error_type("MentoringError", MentoringErrorCodeEnum, "mentoring")


class MentoringMutation(BaseMutation):
    """The base of mentoring's (and the accelerator's) mutations: their errors are `MentoringError`s."""

    class Meta:
        abstract = True

    error_code_enum = MentoringErrorCode
    error_type_class = MentoringError


def require_hub_manager(
    info, hub_msp_id, message="Seuls les coordinateurs de la MSP tête de pont gèrent ses offres et créneaux."
):
    """Forbidden unless the signed-in user coordinates the hub's MSP (or may manage any MSP)."""
    if not viewer_for(info.context).can_manage_msp(hub_msp_id):
        raise Forbidden(message)


def managed_offer(info, offer_id, field="offerId"):
    """The offer, if the signed-in user manages its hub."""
    queryset = models.SupportOffer.objects.select_related("hub")
    offer = get_object(offer_id, models.SupportOffer, "SupportOffer", field, queryset)
    require_hub_manager(info, offer.hub.msp_id)
    return offer


def managed_slot(info, slot_id, field="slotId"):
    """The slot, if the signed-in user manages its hub."""
    slot = get_object(slot_id, models.Slot, "Slot", field, models.Slot.objects.select_related("offer__hub"))
    require_hub_manager(info, slot.offer.hub.msp_id)
    return slot


def practitioner_of(info):
    """The signed-in practitioner (the gate, PRACTITIONER, made sure there is one)."""
    return viewer_for(info.context).practitioner
