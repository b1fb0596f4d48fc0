"""Hub ("tête de pont") designations: application, approval, suspension, proximity search."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, FloatField, Func, Min, OuterRef, Prefetch, Q
from django.utils import timezone

from .. import events
from ..errors import NetworkErrorCode
from ..models import (
    HubDecision,
    HubDesignation,
    HubOpinion,
    HubStatus,
    Membership,
    Msp,
    MspSite,
    MspStatus,
    OfferKind,
)
from .composition import CompositionState, composition_of
from .geo import bounding_box, distance_expression

MAX_SERVICE_RADIUS_KM = 200


@dataclass
class HubApplication:
    service_radius_km: int
    monthly_coordination_hours: Decimal
    offer_kinds: list[str]


def _changed(hub: HubDesignation) -> None:
    """Tell the hub's and its MSP's subscribers, once committed."""
    events.HUB.publish(hub.pk)
    events.MSP.publish(hub.msp_id)


def _validate_application(data: HubApplication) -> None:
    errors = {}
    if not 1 <= data.service_radius_km <= MAX_SERVICE_RADIUS_KM:
        errors["service_radius_km"] = ValidationError(
            f"Le rayon d'intervention doit être compris entre 1 et {MAX_SERVICE_RADIUS_KM} km.",
            code=NetworkErrorCode.INVALID,
        )
    if data.monthly_coordination_hours < 0 or data.monthly_coordination_hours > 1000:
        errors["monthly_coordination_hours"] = ValidationError(
            "Le nombre d'heures mensuelles doit être compris entre 0 et 1 000.", code=NetworkErrorCode.INVALID
        )
    if not data.offer_kinds:
        errors["offer_kinds"] = ValidationError(
            "Choisissez au moins un type d'accompagnement.", code=NetworkErrorCode.REQUIRED
        )
    elif any(kind not in OfferKind.values for kind in data.offer_kinds):
        errors["offer_kinds"] = ValidationError(
            "Type d'accompagnement inconnu.", code=NetworkErrorCode.INVALID
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def apply_for_hub(msp: Msp, data: HubApplication) -> HubDesignation:
    """Apply (or re-apply after a suspension); on an approved hub, update its capacity and radius."""
    msp = Msp.objects.select_for_update().get(pk=msp.pk)
    if msp.status != MspStatus.OPERATING:
        raise ValidationError(
            ValidationError(
                "Seule une MSP en fonctionnement peut devenir MSP tête de pont.",
                code=NetworkErrorCode.MSP_NOT_OPERATING,
            )
        )
    _validate_application(data)
    hub = HubDesignation.objects.filter(msp=msp).first() or HubDesignation(msp=msp)
    hub.service_radius_km = data.service_radius_km
    hub.monthly_coordination_hours = data.monthly_coordination_hours
    hub.offer_kinds = sorted(set(data.offer_kinds), key=OfferKind.values.index)
    if hub.status == HubStatus.SUSPENDED:
        hub.status = HubStatus.CANDIDATE
        hub.suspended_at = None
        hub.suspension_reason = ""
    hub.save()
    _changed(hub)
    return hub


def composition_refusal(composition) -> str | None:
    """Why an MSP of this composition cannot be a hub (None when it may): the rule (2 doctors and 1
    auxiliaire médical among the associates), or its grace period after departures (1 doctor and 2 auxiliaires
    médicaux, 3 years at most)."""
    if composition.state in (CompositionState.COMPLIANT, CompositionState.GRACE_PERIOD):
        return None
    counted = (
        f"Elle compte {composition.doctors} médecin{'s' if composition.doctors > 1 else ''} et "
        f"{composition.auxiliaries} auxiliaire{'s' if composition.auxiliaries > 1 else ''} médica"
        f"{'ux' if composition.auxiliaries > 1 else 'l'} parmi ses associés."
    )
    if composition.state == CompositionState.GRACE_EXPIRED:
        return (
            f"La MSP est en dessous de la composition minimale depuis plus de 3 ans (délai de grâce échu le "
            f"{composition.grace_period_ends_on:%d/%m/%Y}) : elle ne peut pas être tête de pont. {counted}"
        )
    return (
        "La MSP ne respecte pas la composition minimale : au moins 2 médecins et 1 auxiliaire médical parmi "
        "les associés (ou, après des départs, 1 médecin et 2 auxiliaires médicaux pendant 3 ans au plus). "
        + counted
    )


def latest_opinion(hub: HubDesignation, decision: str) -> HubOpinion | None:
    """The ARS's latest opinion on this decision about the hub (the one the Cnam decides with)."""
    return hub.ars_opinions.filter(decision=decision).order_by("-created_at", "-pk").first()


@transaction.atomic
def approve_hub(hub: HubDesignation, approved_by, reason: str = "") -> HubDesignation:
    """Designate the hub: its MSP operating and meeting the composition rule (or within its grace period);
    against the ARS's unfavourable opinion, only with a written reason, which is kept."""
    hub = HubDesignation.objects.select_for_update().select_related("msp").get(pk=hub.pk)
    if hub.status == HubStatus.APPROVED:
        raise ValidationError(
            ValidationError(
                "Cette MSP est déjà désignée tête de pont.", code=NetworkErrorCode.INVALID_HUB_TRANSITION
            )
        )
    if hub.msp.status != MspStatus.OPERATING:
        raise ValidationError(
            ValidationError("La MSP n'est pas en fonctionnement.", code=NetworkErrorCode.MSP_NOT_OPERATING)
        )
    memberships = Membership.objects.filter(msp=hub.msp).select_related("practitioner__profession")
    refusal = composition_refusal(composition_of(memberships, timezone.localdate()))
    if refusal:
        raise ValidationError(ValidationError(refusal, code=NetworkErrorCode.COMPOSITION_BELOW_MINIMUM))
    reason = (reason or "").strip()
    opinion = latest_opinion(hub, HubDecision.APPROVAL)
    if opinion is not None and not opinion.favourable and not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    f"L'ARS {opinion.region.name} a donné un avis défavorable à cette désignation : écrivez "
                    "pourquoi vous désignez la MSP malgré tout.",
                    code=NetworkErrorCode.REQUIRED,
                )
            }
        )
    hub.status = HubStatus.APPROVED
    hub.approved_by = approved_by
    hub.approval_reason = reason[:2000]
    hub.approved_at = timezone.now()
    hub.suspended_at = None
    hub.suspension_reason = ""
    hub.save()
    _changed(hub)
    return hub


@transaction.atomic
def suspend_hub(hub: HubDesignation, reason: str) -> HubDesignation:
    hub = HubDesignation.objects.select_for_update().get(pk=hub.pk)
    if hub.status == HubStatus.SUSPENDED:
        raise ValidationError(
            ValidationError(
                "Cette désignation est déjà suspendue.", code=NetworkErrorCode.INVALID_HUB_TRANSITION
            )
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    "Le motif de suspension est obligatoire.", code=NetworkErrorCode.REQUIRED
                )
            }
        )
    hub.status = HubStatus.SUSPENDED
    hub.suspended_at = timezone.now()
    hub.suspension_reason = reason[:500]
    hub.save()
    _changed(hub)
    return hub


LOADED_OPINIONS = "loaded_ars_opinions"  # a hub's ARS opinions, when its list prefetched them


def region_of_loaded(msp) -> str | bool | None:
    """The region of an MSP from its prefetched sites (`LOADED_SITES`), or False when they were not loaded."""
    sites = getattr(msp, LOADED_SITES, None)
    if sites is None:
        return False
    main = min(sites, key=lambda site: (not site.is_main, site.pk), default=None)
    return main.commune.department.region_id if main is not None else None


def region_of(msp_id: int) -> str | None:
    """The region of an MSP: that of its main site (None without sites)."""
    return (
        MspSite.objects.filter(msp_id=msp_id)
        .order_by("-is_main", "pk")
        .values_list("commune__department__region_id", flat=True)
        .first()
    )


@transaction.atomic
def give_ars_opinion(
    hub: HubDesignation, author, region_code: str, decision: str, favourable: bool, reason: str
) -> HubOpinion:
    """Record the opinion of the ARS of `region_code` on designating the hub (while it is a candidate or
    suspended) or suspending it (while approved), for the Cnam to read before it decides."""
    hub = HubDesignation.objects.select_for_update().get(pk=hub.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError("Le motif de l'avis est obligatoire.", code=NetworkErrorCode.REQUIRED)}
        )
    if len(reason) > 2000:
        raise ValidationError(
            {"reason": ValidationError("Le motif dépasse 2 000 caractères.", code=NetworkErrorCode.INVALID)}
        )
    if decision == HubDecision.APPROVAL and hub.status == HubStatus.APPROVED:
        raise ValidationError(
            ValidationError(
                "Cette MSP est déjà désignée tête de pont : l'avis ne peut porter que sur une suspension.",
                code=NetworkErrorCode.INVALID_HUB_TRANSITION,
            )
        )
    if decision == HubDecision.SUSPENSION and hub.status != HubStatus.APPROVED:
        raise ValidationError(
            ValidationError(
                "Seule une désignation en cours peut être suspendue.",
                code=NetworkErrorCode.INVALID_HUB_TRANSITION,
            )
        )
    opinion = HubOpinion.objects.create(
        hub=hub, region_id=region_code, author=author, decision=decision, favourable=favourable, reason=reason
    )
    _changed(hub)
    return opinion


@transaction.atomic
def suspend_for_closed_msp(msp: Msp) -> None:
    """An MSP that stops operating cannot stay a hub."""
    hub = HubDesignation.objects.select_for_update().filter(msp=msp).first()
    if hub is not None and hub.status != HubStatus.SUSPENDED:
        hub.status = HubStatus.SUSPENDED
        hub.suspended_at = timezone.now()
        hub.suspension_reason = "La MSP n'est plus en fonctionnement."
        hub.save()
        _changed(hub)


# --- Proximity ---------------------------------------------------------------------------------


LOADED_SITES, LOADED_MEMBERSHIPS = "loaded_sites", "loaded_memberships"
MEMBER_UNSHOWN = ("practitioner__created_at", "practitioner__updated_at")


def msp_prefetches(
    prefix: str = "",
    *,
    sites: bool = True,
    members: bool = True,
    member_communes: bool = True,
    site_regions: bool = True,
) -> list:
    """What MSPs (under `prefix`, e.g. "msp__" from hubs) need to show their sites with communes and their
    members with professions (and communes) in constant queries; each part only when it is shown."""
    # Into plain lists (`to_attr`, read by the Msp type): Django then builds no queryset per MSP for
    # its prefetch cache, a clone of the lookup's queryset each (a tenth of a 100-hub page).
    prefetches = []
    if sites:
        prefetches.append(
            Prefetch(
                f"{prefix}sites",
                queryset=MspSite.objects.select_related(
                    "commune__department__region" if site_regions else "commune__department"
                ),
                to_attr=LOADED_SITES,
            )
        )
    if members:
        related = ["practitioner__profession"] + (["practitioner__commune"] if member_communes else [])
        prefetches.append(
            Prefetch(
                f"{prefix}memberships",
                # The member's bookkeeping columns are never shown through an MSP: not fetched (a third of
                # the values parsed for a 100-hub page).
                queryset=Membership.objects.select_related(*related).defer(*MEMBER_UNSHOWN),
                to_attr=LOADED_MEMBERSHIPS,
            )
        )
    return prefetches


def hub_list_prefetches(members: bool = True, member_communes: bool = True) -> list:
    """What a page of hubs needs to show its MSP, sites, communes (and members) in constant queries."""
    return msp_prefetches("msp__", members=members, member_communes=member_communes)


def nearby_hubs(
    latitude: float,
    longitude: float,
    radius_km: float,
    *,
    limit: int = 20,
    with_members: bool = True,
    **filters,
) -> list[tuple[HubDesignation, float]]:
    """Approved hubs within `radius_km` of the point whose own service radius also reaches it, with their
    distance: `nearby_hubs_queryset`'s rows (`filters`: its keyword arguments), loaded for a page.

    Distance is to the nearest site of the hub's MSP. Ordered by distance, then id. Each hub also carries
    `distance_shown`, the distance rounded to the metre as the API shows it.
    """
    hubs = nearby_hubs_queryset(latitude, longitude, radius_km, **filters)
    hubs = hubs.select_related("msp").prefetch_related(*hub_list_prefetches(members=with_members))[:limit]
    return [(hub, hub.distance_km) for hub in hubs]


def nearby_hubs_queryset(
    latitude: float,
    longitude: float,
    radius_km: float,
    *,
    offer_kind: str | None = None,
    profession_code: str | None = None,
    takes_trainees: str | None = None,
):
    """`nearby_hubs`'s rows as a queryset, nearest first, not yet limited (compiled reads build on it)."""
    radius_km = min(float(radius_km), MAX_SERVICE_RADIUS_KM)
    min_lat, max_lat, min_lon, max_lon = bounding_box(latitude, longitude, radius_km)
    hubs = HubDesignation.objects.filter(
        status=HubStatus.APPROVED,
        msp__status=MspStatus.OPERATING,
        msp__sites__latitude__range=(min_lat, max_lat),
        msp__sites__longitude__range=(min_lon, max_lon),
    )
    if offer_kind:
        hubs = hubs.filter(offer_kinds__contains=[offer_kind])
    if takes_trainees:  # a training place (measure 1) for these students or interns
        hubs = hubs.filter(msp__training__kinds__contains=[takes_trainees])
    if profession_code:
        hubs = hubs.filter(
            Exists(
                Membership.objects.current().filter(
                    msp=OuterRef("msp"), practitioner__profession_id=profession_code
                )
            )
        )
    distance = Min(
        distance_expression(latitude, longitude, "msp__sites__latitude", "msp__sites__longitude"),
        output_field=FloatField(),
    )
    # Rounded by PostgreSQL, for the executor and the compiled reads alike (one rounding, not two).
    shown = Func(distance, template="round((%(expressions)s)::numeric, 3)::float8", output_field=FloatField())
    return (
        hubs.annotate(distance_km=distance, distance_shown=shown)
        .filter(Q(distance_km__lte=radius_km), Q(distance_km__lte=F("service_radius_km")))
        .order_by("distance_km", "pk")
    )
