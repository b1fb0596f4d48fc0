"""Read entry points of the network directory: each declares who may call it and calls a selector."""

import graphene

from backend.core.graphql import (
    Field,
    Forbidden,
    bad_input,
    decode_global_id,
    node_field,
    node_paths,
    selected_paths,
)
from backend.core.pagination import CAPPED_LIST_DEFAULT, ConnectionField, capped, capped_list_first
from backend.core.permissions import Permission

from .. import models, selectors
from ..permissions import viewer_for
from ..services.hubs import MAX_SERVICE_RADIUS_KM, nearby_hubs
from . import enums, territory_types, types
from .inputs import HubFilterInput, MspFilterInput, NearPointInput, PractitionerFilterInput, resolve_point

ANYONE = [Permission.ANYONE]
MAX_PAGE = 100
# Fields of an MSP below `hub.msp` that read its memberships.
MEMBER_FIELDS = {f"hub.msp.{name}" for name in ("memberships", "memberCount", "composition")}


class NetworkQueryFields(graphene.ObjectType):
    node = node_field(description="Any object by its global ID, if the viewer may see it; null otherwise.")
    communes = ConnectionField(
        territory_types.Commune,
        search=graphene.String(
            required=True, description="Name words, an INSEE code or a postal code; accents and case ignored."
        ),
        department_code=graphene.String(description="Only communes of this department."),
        description="Communes matching a search, most populated first.",
        permissions=ANYONE,
    )
    professions = Field(
        graphene.List(graphene.NonNull(territory_types.Profession)),
        required=True,
        description="The TRE_G15 professions, by code.",
        permissions=ANYONE,
    )
    regions = Field(
        graphene.List(graphene.NonNull(territory_types.Region)),
        required=True,
        description="The 18 regions, by code.",
        permissions=ANYONE,
    )
    msps = ConnectionField(
        types.Msp,
        filter=MspFilterInput(description="Filters."),
        description="MSPs of the directory, by name.",
        permissions=ANYONE,
    )
    hubs = ConnectionField(
        types.Hub,
        filter=HubFilterInput(description="Filters."),
        description="Hubs (têtes de pont), by MSP name.",
        permissions=ANYONE,
    )
    practitioners = ConnectionField(
        types.Practitioner,
        filter=PractitionerFilterInput(description="Filters."),
        description="Practitioners, by name. Contact details follow the visibility rules of `Practitioner`.",
        permissions=ANYONE,
    )
    msp_invitations = Field(
        graphene.List(graphene.NonNull(types.MspInvitation)),
        required=True,
        msp_id=graphene.ID(
            description="An MSP whose invitations to list (its coordinators); omit for the invitations "
            "addressed to the signed-in practitioner."
        ),
        status=enums.InvitationStatusEnum(
            description="Only invitations in this status; pending when omitted."
        ),
        first=capped_list_first(),
        description="Invitations to join an MSP: those addressed to the viewer, or an MSP's (newest first).",
        permissions=[Permission.SIGNED_IN],
    )
    nearby_hubs = Field(
        graphene.List(graphene.NonNull(types.NearbyHub)),
        required=True,
        near=NearPointInput(required=True, description="The point to search around."),
        radius_km=graphene.Float(
            default_value=30, description=f"Search radius in km (at most {MAX_SERVICE_RADIUS_KM})."
        ),
        offer_kind=enums.OfferKindEnum(description="Only hubs providing this kind of support."),
        profession_code=graphene.String(description="Only hubs with a current member of this profession."),
        takes_trainees=enums.TraineeKindEnum(
            description="Only hubs whose MSP takes these students or interns in training."
        ),
        first=graphene.Int(default_value=20, description=f"How many hubs at most (1 to {MAX_PAGE})."),
        description="Approved hubs within the radius whose own service radius also reaches the point, nearest "
        "first.",
        permissions=ANYONE,
    )

    def resolve_communes(root, info, search, department_code=None, **kwargs):
        return selectors.communes(search, department_code)

    def resolve_professions(root, info):
        return selectors.professions()

    def resolve_regions(root, info):
        return selectors.regions()

    def resolve_msps(root, info, filter=None, **kwargs):
        return selectors.msps(filter or {}, types.Msp.loading(node_paths(info))[1])

    def resolve_hubs(root, info, filter=None, **kwargs):
        return selectors.hubs(filter or {}, types.Hub.loading(node_paths(info))[1])

    def resolve_practitioners(root, info, filter=None, **kwargs):
        data = filter or {}
        msp_pk = decode_global_id(data["msp_id"], "Msp") if data.get("msp_id") else None
        return selectors.practitioners(data, msp_pk)

    def resolve_msp_invitations(root, info, msp_id=None, status=None, first=CAPPED_LIST_DEFAULT):
        viewer = viewer_for(info.context)
        visible = types.MspInvitation.get_queryset(models.MspInvitation.objects.all(), info)
        if msp_id is not None:
            pk = decode_global_id(msp_id, "Msp")
            if not (pk.isdigit() and viewer.can_manage_msp(int(pk))):
                raise Forbidden("Seuls les coordinateurs de cette MSP voient ses invitations.")
            invitations = selectors.msp_invitations(visible, msp_pk=pk, status=status)
        else:
            invitations = selectors.msp_invitations(visible, practitioner=viewer.practitioner, status=status)
        return capped(invitations, first, "mspInvitations")

    def resolve_nearby_hubs(
        root, info, near, radius_km=30, offer_kind=None, profession_code=None, takes_trainees=None, first=20
    ):
        latitude, longitude = nearby_point(near, radius_km, first)
        results = nearby_hubs(
            latitude,
            longitude,
            radius_km,
            offer_kind=offer_kind,
            profession_code=profession_code,
            takes_trainees=takes_trainees,
            limit=first,
            with_members=bool(selected_paths(info) & MEMBER_FIELDS),
        )
        return [types.NearbyHub(hub=hub, distance_km=hub.distance_shown) for hub, _ in results]


def nearby_point(near, radius_km: float, first: int) -> tuple[float, float]:
    """`nearbyHubs`' arguments checked (BAD_USER_INPUT otherwise), and the point it searches around."""
    if not 1 <= first <= MAX_PAGE:
        raise bad_input(f"`first` doit être compris entre 1 et {MAX_PAGE}.")
    if not 0 < radius_km <= MAX_SERVICE_RADIUS_KM:
        raise bad_input(f"Le rayon de recherche doit être compris entre 0 et {MAX_SERVICE_RADIUS_KM} km.")
    return resolve_point(near)
