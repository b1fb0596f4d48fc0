"""Reads of the network directory: the lists the API pages through, filtered and ordered, testable without
HTTP. Who may see which rows is the business of each type's scoping (`network.permissions`); a refused
input is a ValidationError in French (BAD_USER_INPUT over the API)."""

from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, OuterRef, Prefetch, Q, When

from . import models
from .models import normalize_search
from .permissions import invitations_filter
from .services.hubs import hub_list_prefetches, msp_prefetches


def _words(queryset, search: str, field: str):
    for word in (search or "").split():
        queryset = queryset.filter(**{f"{field}__icontains": word})
    return queryset


def _site_area(queryset, prefix: str, data: dict):
    if data.get("department_code"):
        queryset = queryset.filter(**{f"{prefix}sites__commune__department_id": data["department_code"]})
    if data.get("region_code"):
        queryset = queryset.filter(**{f"{prefix}sites__commune__department__region_id": data["region_code"]})
    if data.get("commune_code"):
        queryset = queryset.filter(**{f"{prefix}sites__commune_id": data["commune_code"]})
    return queryset


def communes(search: str, department_code: str | None = None):
    """Communes by name words, INSEE code or postal code (accents and case ignored): the commune of that exact
    code or name first, then those merged into another since (found by their code or name: a commune
    déléguée leads to the commune it is part of now), then the others, most populated first."""
    queryset = models.Commune.objects.all()
    former = models.FormerCommune.objects.filter(commune=OuterRef("pk"))
    term = search.strip()
    if (term.isdigit() or term[:2].upper() in {"2A", "2B"}) and len(term) == 5:
        term = term.upper()
        exact, former_exact = Q(code=term), Exists(former.filter(code=term))
        queryset = queryset.filter(exact | former_exact | Q(postal_codes__contains=[term]))
    else:
        normalized = normalize_search(term)
        if not normalized:
            raise ValidationError("Saisissez au moins un caractère pour rechercher une commune.")
        exact, former_exact = Q(search_name=normalized), Exists(former.filter(search_name=normalized))
        by_name = Q()
        for word in normalized.split():
            by_name &= Q(search_name__contains=word)
            former = former.filter(search_name__contains=word)
        queryset = queryset.filter(by_name | Exists(former))
    if department_code:
        queryset = queryset.filter(department_id=department_code)
    rank = Case(When(exact, then=0), When(former_exact, then=1), default=2)
    return queryset.alias(rank=rank).order_by("rank", "-population", "code")


def professions():
    return models.Profession.objects.order_by("code")


def regions():
    return models.Region.objects.order_by("code")


def msps(data: dict, prefetches: list | None = None):
    """MSPs by name, filtered by `data` (search, status, area, is_hub); `prefetches`: what the page shows
    (default: sites and members)."""
    queryset = models.Msp.objects.select_related("hub")
    if data.get("search"):
        queryset = _words(queryset, data["search"], "name__unaccent")
    if data.get("status"):
        queryset = queryset.filter(status__in=data["status"])
    queryset = _site_area(queryset, "", data)
    if data.get("is_hub") is not None:
        hub_q = Q(hub__status=models.HubStatus.APPROVED)
        queryset = queryset.filter(hub_q if data["is_hub"] else ~hub_q)
    if data.get("takes_trainees"):
        queryset = queryset.filter(training__kinds__contains=[data["takes_trainees"]])
    prefetches = msp_prefetches() if prefetches is None else prefetches
    return queryset.distinct().prefetch_related(*prefetches).order_by("name", "pk")


def msps_by_pk(pks):
    """These MSPs, by name (e.g. those a user coordinates)."""
    return models.Msp.objects.filter(pk__in=pks).order_by("name", "pk")


def hubs(data: dict, prefetches: list | None = None):
    """Hubs by MSP name, filtered by `data` (search, status, offer kind, area); `prefetches`: what the page
    shows (default: the MSP's sites and members)."""
    queryset = models.HubDesignation.objects.select_related("msp")
    if data.get("search"):
        queryset = _words(queryset, data["search"], "msp__name__unaccent")
    if data.get("status"):
        queryset = queryset.filter(status__in=data["status"])
    if data.get("offer_kind"):
        queryset = queryset.filter(offer_kinds__contains=[data["offer_kind"]])
    if data.get("takes_trainees"):
        queryset = queryset.filter(msp__training__kinds__contains=[data["takes_trainees"]])
    queryset = _site_area(queryset, "msp__", data)
    prefetches = hub_list_prefetches() if prefetches is None else prefetches
    return queryset.distinct().prefetch_related(*prefetches).order_by("msp__name", "pk")


def practitioners(data: dict, msp_pk=None):
    """Practitioners by name, filtered by `data`; with `msp_pk`, the MSP's current members only."""
    queryset = models.Practitioner.objects.all()
    for word in (data.get("search") or "").split():
        queryset = queryset.filter(
            Q(last_name__unaccent__icontains=word) | Q(first_name__unaccent__icontains=word)
        )
    for name, lookup in (
        ("profession_code", "profession_id"),
        ("practice_mode", "practice_mode"),
        ("commune_code", "commune_id"),
        ("department_code", "commune__department_id"),
    ):
        if data.get(name):
            queryset = queryset.filter(**{lookup: data[name]})
    if msp_pk is not None:
        members = models.Membership.objects.current().filter(msp_id=msp_pk).values("practitioner_id")
        queryset = queryset.filter(pk__in=members)
    current = Prefetch(
        "memberships",
        queryset=models.Membership.objects.current().select_related("msp"),
        to_attr="current_memberships",
    )
    return queryset.prefetch_related(current).order_by("last_name", "first_name", "pk")


def msp_invitations(queryset, *, msp_pk=None, practitioner=None, status=None):
    """An MSP's invitations, or those addressed to a practitioner (by record or by RPPS), newest first."""
    queryset = queryset.select_related("practitioner", "membership")
    if msp_pk is not None:
        queryset = queryset.filter(msp_id=msp_pk)
    elif practitioner is not None:
        queryset = queryset.filter(invitations_filter(practitioner))
    else:
        return queryset.none()
    return queryset.filter(status=status or models.InvitationStatus.PENDING)
