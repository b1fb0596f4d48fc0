"""What the network's mutations share: their error type and base class, the managed-MSP lookup."""

from backend.core.graphql import BaseMutation, Forbidden, error_type, get_object

from .. import models
from ..errors import NetworkErrorCode
from ..permissions import viewer_for
from . import enums

NetworkError = error_type("NetworkError", enums.NetworkErrorCodeEnum, "network")


class NetworkMutation(BaseMutation):
    """The base of the network's mutations: their errors are `NetworkError`s."""

    class Meta:
        abstract = True

    error_code_enum = NetworkErrorCode
    error_type_class = NetworkError


def managed_msp(info, global_id: str, field: str) -> models.Msp:
    """The MSP behind `global_id`, if the signed-in user may change it (its coordinators, admins)."""
    msp = get_object(global_id, models.Msp, "Msp", field)
    if not viewer_for(info.context).can_manage_msp(msp.pk):
        raise Forbidden("Seuls les coordinateurs de cette MSP peuvent la modifier.")
    return msp
