"""What the network adds to the signed-in `User` (assembled in backend/schema.py with the accounts' fields)."""

import graphene

from backend.core.viewer import viewer_for

from .. import models, selectors
from ..permissions import NetworkPermission
from .territory_types import Region
from .types import Msp, Practitioner


class NetworkUserFields:
    practitioner = graphene.Field(
        Practitioner, description="The practitioner record linked to the account, if any."
    )
    coordinated_msps = graphene.List(
        graphene.NonNull(Msp), required=True, description="MSPs the user currently coordinates."
    )
    is_cnam_staff = graphene.Boolean(
        required=True, description="True for Cnam accelerator staff (approve hubs, triage the accelerator)."
    )
    ars_region = graphene.Field(
        Region, description="The region whose ARS the user is an agent of (they follow it), if any."
    )

    def resolve_practitioner(self, info):
        return viewer_for(info.context).practitioner

    def resolve_coordinated_msps(self, info):
        return selectors.msps_by_pk(viewer_for(info.context).coordinated_msp_ids)

    def resolve_ars_region(self, info):
        code = viewer_for(info.context).ars_region_code
        return models.Region.objects.filter(code=code).first() if code else None

    def resolve_is_cnam_staff(self, info):
        return self.has_perm(NetworkPermission.APPROVE_HUBS)
