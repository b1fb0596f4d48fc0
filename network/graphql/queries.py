"""Read entry points of the network directory."""

import graphene
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q

from backend.core.graphql import (
    CAPPED_LIST_DEFAULT,
    ConnectionField,
    bad_input,
    capped,
    capped_list_first,
    decode_global_id,
    node_field,
    selected_paths,
)

from .. import models
from ..models import normalize_search
from ..services.directory import get_commune
from ..services.hubs import MAX_SERVICE_RADIUS_KM, hub_list_prefetches, nearby_hubs
from . import types

MAX_PAGE = 100


class MspFilterInput(graphene.InputObjectType):
    """Filters on the MSP directory; all given filters apply together."""

    search = graphene.String(description="Words of the MSP's name (accents and case ignored).")
    status = graphene.List(graphene.NonNull(types.MspStatusEnum), description="Only MSPs in these statuses.")
    department_code = graphene.String(description="Only MSPs with a site in this department (INSEE code).")
    region_code = graphene.String(description="Only MSPs with a site in this region (INSEE code).")
    commune_code = graphene.String(description="Only MSPs with a site in this commune (INSEE code).")
    is_hub = graphene.Boolean(description="True: only approved hubs; false: only MSPs that are not.")


class HubFilterInput(graphene.InputObjectType):
    """Filters on hubs; all given filters apply together."""

    search = graphene.String(description="Words of the MSP's name (accents and case ignored).")
    status = graphene.List(
        graphene.NonNull(types.HubStatusEnum),
        description="Only hubs in these statuses (candidates and suspended hubs are visible to Cnam staff and "
        "their own coordinators only).",
    )
    offer_kind = graphene.Field(types.OfferKindEnum, description="Only hubs providing this kind of support.")
    department_code = graphene.String(description="Only hubs with a site in this department (INSEE code).")
    region_code = graphene.String(description="Only hubs with a site in this region (INSEE code).")


class PractitionerFilterInput(graphene.InputObjectType):
    """Filters on practitioners; all given filters apply together."""

    search = graphene.String(description="Words of the practitioner's name (case ignored).")
    profession_code = graphene.String(description="TRE_G15 profession code.")
    practice_mode = graphene.Field(types.PracticeModeEnum, description="Practice mode.")
    commune_code = graphene.String(description="Commune of practice (INSEE code).")
    department_code = graphene.String(description="Department of practice (INSEE code).")
    msp_id = graphene.ID(description="Only current members of this MSP.")


class NearPointInput(graphene.InputObjectType):
    """A point, given either as a commune (its centre) or as coordinates."""

    commune_code = graphene.String(description="INSEE code of a commune; its centre is used.")
    latitude = graphene.Float(description="Latitude (WGS 84), with `longitude`.")
    longitude = graphene.Float(description="Longitude (WGS 84), with `latitude`.")


def _name_filter(queryset, search: str, field: str):
    for word in (search or "").split():
        queryset = queryset.filter(**{f"{field}__icontains": word})
    return queryset


def _site_area_filter(queryset, prefix: str, data) -> "models.QuerySet":
    if data.get("department_code"):
        queryset = queryset.filter(**{f"{prefix}sites__commune__department_id": data["department_code"]})
    if data.get("region_code"):
        queryset = queryset.filter(**{f"{prefix}sites__commune__department__region_id": data["region_code"]})
    if data.get("commune_code"):
        queryset = queryset.filter(**{f"{prefix}sites__commune_id": data["commune_code"]})
    return queryset


def _msp_prefetches(prefix: str = "") -> list:
    return [
        Prefetch(
            f"{prefix}sites", queryset=models.MspSite.objects.select_related("commune__department__region")
        ),
        Prefetch(
            f"{prefix}memberships",
            queryset=models.Membership.objects.select_related(
                "practitioner__profession", "practitioner__commune"
            ),
        ),
    ]


# Fields of an MSP below `hub.msp` that read its memberships.
MEMBER_FIELDS = {f"hub.msp.{name}" for name in ("memberships", "memberCount", "composition")}


class NetworkQuery(graphene.ObjectType):
    node = node_field(description="Any object by its global ID, if the viewer may see it; null otherwise.")
    communes = ConnectionField(
        types.Commune,
        search=graphene.String(
            required=True, description="Name words, an INSEE code or a postal code; accents and case ignored."
        ),
        department_code=graphene.String(description="Only communes of this department."),
        description="Communes matching a search, most populated first.",
    )
    professions = graphene.List(
        graphene.NonNull(types.Profession), required=True, description="The TRE_G15 professions, by code."
    )
    regions = graphene.List(
        graphene.NonNull(types.Region), required=True, description="The 18 regions, by code."
    )
    msps = ConnectionField(
        types.Msp,
        filter=MspFilterInput(description="Filters."),
        description="MSPs of the directory, by name.",
    )
    hubs = ConnectionField(
        types.Hub,
        filter=HubFilterInput(description="Filters."),
        description="Hubs (têtes de pont), by MSP name.",
    )
    practitioners = ConnectionField(
        types.Practitioner,
        filter=PractitionerFilterInput(description="Filters."),
        description="Practitioners, by name. Contact details follow the visibility rules of `Practitioner`.",
    )
    msp_invitations = graphene.List(
        graphene.NonNull(types.MspInvitation),
        required=True,
        msp_id=graphene.ID(
            description="An MSP whose invitations to list (its coordinators); omit for the invitations "
            "addressed to the signed-in practitioner."
        ),
        status=types.InvitationStatusEnum(
            description="Only invitations in this status; pending when omitted."
        ),
        first=capped_list_first(),
        description="Invitations to join an MSP: those addressed to the viewer, or an MSP's (newest first).",
    )
    nearby_hubs = graphene.List(
        graphene.NonNull(types.NearbyHub),
        required=True,
        near=NearPointInput(required=True, description="The point to search around."),
        radius_km=graphene.Float(
            default_value=30, description=f"Search radius in km (at most {MAX_SERVICE_RADIUS_KM})."
        ),
        offer_kind=types.OfferKindEnum(description="Only hubs providing this kind of support."),
        profession_code=graphene.String(description="Only hubs with a current member of this profession."),
        first=graphene.Int(default_value=20, description=f"How many hubs at most (1 to {MAX_PAGE})."),
        description="Approved hubs within the radius whose own service radius also reaches the point, nearest "
        "first.",
    )

    def resolve_communes(root, info, search, department_code=None, **kwargs):
        queryset = models.Commune.objects.all()
        term = search.strip()
        if term.isdigit() and len(term) == 5:
            queryset = queryset.filter(Q(code=term) | Q(postal_codes__contains=[term]))
        elif len(term) == 5 and term[:2].upper() in {"2A", "2B"}:
            queryset = queryset.filter(code=term.upper())
        else:
            normalized = normalize_search(term)
            if not normalized:
                raise bad_input("Saisissez au moins un caractère pour rechercher une commune.")
            for word in normalized.split():
                queryset = queryset.filter(search_name__contains=word)
        if department_code:
            queryset = queryset.filter(department_id=department_code)
        return queryset.order_by("-population", "code")

    def resolve_msp_invitations(root, info, msp_id=None, status=None, first=CAPPED_LIST_DEFAULT):
        from backend.core.graphql import Forbidden, require_authenticated

        from ..permissions import viewer_for
        from ..services.invitations import invitations_filter

        require_authenticated(info)
        viewer = viewer_for(info.context)
        queryset = types.MspInvitation.get_queryset(models.MspInvitation.objects.all(), info).select_related(
            "practitioner", "membership"
        )
        if msp_id is not None:
            pk = decode_global_id(msp_id, "Msp")
            if not (pk.isdigit() and viewer.can_manage_msp(int(pk))):
                raise Forbidden("Seuls les coordinateurs de cette MSP voient ses invitations.")
            queryset = queryset.filter(msp_id=pk)
        elif viewer.practitioner is None:
            return []
        else:
            queryset = queryset.filter(invitations_filter(viewer.practitioner))
        return capped(
            queryset.filter(status=status or models.InvitationStatus.PENDING), first, "mspInvitations"
        )

    def resolve_professions(root, info):
        return models.Profession.objects.order_by("code")

    def resolve_regions(root, info):
        return models.Region.objects.order_by("code")

    def resolve_msps(root, info, filter=None, **kwargs):
        queryset = models.Msp.objects.select_related("hub")
        data = filter or {}
        if data.get("search"):
            queryset = _name_filter(queryset, data["search"], "name__unaccent")
        if data.get("status"):
            queryset = queryset.filter(status__in=data["status"])
        queryset = _site_area_filter(queryset, "", data)
        if data.get("is_hub") is not None:
            hub_q = Q(hub__status=models.HubStatus.APPROVED)
            queryset = queryset.filter(hub_q if data["is_hub"] else ~hub_q)
        return queryset.distinct().prefetch_related(*_msp_prefetches()).order_by("name", "pk")

    def resolve_hubs(root, info, filter=None, **kwargs):
        queryset = models.HubDesignation.objects.select_related("msp")
        data = filter or {}
        if data.get("search"):
            queryset = _name_filter(queryset, data["search"], "msp__name__unaccent")
        if data.get("status"):
            queryset = queryset.filter(status__in=data["status"])
        if data.get("offer_kind"):
            queryset = queryset.filter(offer_kinds__contains=[data["offer_kind"]])
        queryset = _site_area_filter(queryset, "msp__", data)
        return queryset.distinct().prefetch_related(*hub_list_prefetches()).order_by("msp__name", "pk")

    def resolve_practitioners(root, info, filter=None, **kwargs):
        queryset = models.Practitioner.objects.all()
        data = filter or {}
        if data.get("search"):
            for word in data["search"].split():
                queryset = queryset.filter(
                    Q(last_name__unaccent__icontains=word) | Q(first_name__unaccent__icontains=word)
                )
        if data.get("profession_code"):
            queryset = queryset.filter(profession_id=data["profession_code"])
        if data.get("practice_mode"):
            queryset = queryset.filter(practice_mode=data["practice_mode"])
        if data.get("commune_code"):
            queryset = queryset.filter(commune_id=data["commune_code"])
        if data.get("department_code"):
            queryset = queryset.filter(commune__department_id=data["department_code"])
        if data.get("msp_id"):
            msp_pk = decode_global_id(data["msp_id"], "Msp")
            queryset = queryset.filter(
                pk__in=models.Membership.objects.current().filter(msp_id=msp_pk).values("practitioner_id")
            )
        current = Prefetch(
            "memberships",
            queryset=models.Membership.objects.current().select_related("msp"),
            to_attr="current_memberships",
        )
        return queryset.prefetch_related(current).order_by("last_name", "first_name", "pk")

    def resolve_nearby_hubs(root, info, near, radius_km=30, offer_kind=None, profession_code=None, first=20):
        if not 1 <= first <= MAX_PAGE:
            raise bad_input(f"`first` doit être compris entre 1 et {MAX_PAGE}.")
        if not 0 < radius_km <= MAX_SERVICE_RADIUS_KM:
            raise bad_input(f"Le rayon de recherche doit être compris entre 0 et {MAX_SERVICE_RADIUS_KM} km.")
        latitude, longitude = resolve_point(near)
        selected = selected_paths(info)
        results = nearby_hubs(
            latitude,
            longitude,
            radius_km,
            offer_kind=offer_kind,
            profession_code=profession_code,
            limit=first,
            with_members=bool(selected & MEMBER_FIELDS),
        )
        return [types.NearbyHub(hub=hub, distance_km=round(distance, 3)) for hub, distance in results]


def resolve_point(near) -> tuple[float, float]:
    """The coordinates of a NearPointInput (a commune's centre, or the coordinates given), or BAD_USER_INPUT."""
    has_code = bool(near.get("commune_code"))
    has_coords = near.get("latitude") is not None and near.get("longitude") is not None
    if has_code == has_coords:
        raise bad_input("Indiquez soit un code commune, soit une latitude et une longitude.")
    if has_code:
        try:
            commune = get_commune(near["commune_code"])
        except ValidationError as exc:
            raise bad_input(" ".join(exc.messages)) from exc
        return commune.latitude, commune.longitude
    latitude, longitude = near["latitude"], near["longitude"]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_input("Coordonnées hors limites (latitude -90 à 90, longitude -180 à 180).")
    return latitude, longitude
