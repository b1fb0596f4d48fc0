"""Directory services: look-ups, MSPs, their sites and memberships (sign-up is in registration.py).

Each function checks the business rules and raises a Django ValidationError with
codes from NetworkErrorCode; permission checks belong to the caller (GraphQL,
admin, commands), which knows who is acting.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from .. import events
from ..errors import NetworkErrorCode
from ..models import (
    Commune,
    Membership,
    MembershipRole,
    Msp,
    MspSite,
    MspStatus,
    PracticeMode,
    Practitioner,
    Profession,
)
from ..validators import is_valid_insee_commune
from .hubs import suspend_for_closed_msp

# --- Look-ups ---------------------------------------------------------------------------------


def get_commune(code: str, field_name: str = "commune_code") -> Commune:
    code = (code or "").strip().upper()
    if not is_valid_insee_commune(code):
        raise ValidationError(
            {
                field_name: ValidationError(
                    "Code commune INSEE invalide (5 caractères, par exemple 51504, 2A004 ou 97411).",
                    code=NetworkErrorCode.INVALID_COMMUNE_CODE,
                )
            }
        )
    commune = Commune.objects.select_related("department").filter(code=code).first()
    if commune is None:
        raise ValidationError(
            {field_name: ValidationError(f"Commune {code} inconnue.", code=NetworkErrorCode.UNKNOWN_COMMUNE)}
        )
    return commune


def get_profession(code: str, field_name: str = "profession_code") -> Profession:
    profession = Profession.objects.filter(code=(code or "").strip()).first()
    if profession is None:
        raise ValidationError(
            {
                field_name: ValidationError(
                    "Profession inconnue (code TRE_G15).", code=NetworkErrorCode.UNKNOWN_PROFESSION
                )
            }
        )
    return profession


def full_clean(instance, exclude=None) -> None:
    """Model validation (validators, constraints) before saving, so the user gets codes, not a 500."""
    instance.full_clean(exclude=exclude)


# --- MSPs and sites -------------------------------------------------------------------------------


@dataclass
class SiteData:
    address: str
    commune_code: str
    name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    is_main: bool = False
    id: int | None = None  # an existing site, on update


@dataclass
class MspData:
    name: str | None = None
    finess: str | None = None
    status: str | None = None
    opening_date: date | None = None
    siret: str | None = None
    themes: list[str] | None = None
    sites: list[SiteData] | None = None
    unset: set[str] = field(default_factory=set)  # fields explicitly cleared (set to null)


def _apply_fields(msp: Msp, data: MspData) -> None:
    for name in ("name", "finess", "status", "opening_date", "siret", "themes"):
        value = getattr(data, name)
        if value is not None:
            if isinstance(value, str):
                value = value.strip()
            if name == "finess":
                value = value.upper() or None
            if name == "themes":
                value = [t.strip() for t in value if t and t.strip()]
            setattr(msp, name, value)
        elif name in data.unset:
            setattr(msp, name, "" if name == "siret" else None)


def _check_msp(msp: Msp) -> None:
    if not msp.name:
        raise ValidationError(
            {"name": ValidationError("Le nom de la MSP est obligatoire.", code=NetworkErrorCode.REQUIRED)}
        )
    errors = {}
    try:
        full_clean(msp)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if msp.status == MspStatus.OPERATING and not msp.finess:
        errors.setdefault("finess", []).append(
            ValidationError(
                "Une MSP en fonctionnement doit avoir un numéro FINESS (il est facultatif tant qu'elle est en projet).",
                code=NetworkErrorCode.FINESS_REQUIRED,
            )
        )
        errors.pop("__all__", None)  # the same rule, said by the check constraint
    if errors:
        raise ValidationError(errors)


def _save_sites(msp: Msp, sites: list[SiteData], replace: bool) -> None:
    if not sites:
        raise ValidationError(
            {"sites": ValidationError("Au moins un site est obligatoire.", code=NetworkErrorCode.REQUIRED)}
        )
    mains = [s for s in sites if s.is_main]
    if len(sites) == 1 and not mains:
        sites[0].is_main, mains = True, [sites[0]]
    if len(mains) != 1:
        raise ValidationError(
            {
                "sites": ValidationError(
                    "Indiquez exactement un site principal.", code=NetworkErrorCode.MAIN_SITE_REQUIRED
                )
            }
        )
    existing = {s.pk: s for s in msp.sites.all()} if replace else {}
    for index, data in enumerate(sites):
        if data.id is not None and data.id not in existing:
            raise ValidationError(
                {
                    "sites": ValidationError(
                        f"Site n°{index + 1} introuvable dans cette MSP.", code=NetworkErrorCode.NOT_FOUND
                    )
                }
            )
    kept = {s.id for s in sites if s.id is not None}
    # Clear the main flag first so the single-main-site constraint holds at every statement.
    MspSite.objects.filter(msp=msp).exclude(pk__in=kept).delete()
    MspSite.objects.filter(msp=msp, is_main=True).update(is_main=False)
    for index, data in enumerate(sites):
        commune = get_commune(data.commune_code, field_name="sites")
        site = existing.get(data.id) or MspSite(msp=msp)
        site.name = (data.name or "").strip()
        site.address = (data.address or "").strip()
        site.commune = commune
        site.latitude = data.latitude if data.latitude is not None else commune.latitude
        site.longitude = data.longitude if data.longitude is not None else commune.longitude
        site.is_main = data.is_main
        try:
            full_clean(site, exclude=["msp"])
        except ValidationError as exc:
            raise ValidationError(
                {
                    "sites": [
                        ValidationError(f"Site n°{index + 1} : {m}", code=NetworkErrorCode.INVALID)
                        for m in exc.messages
                    ]
                }
            ) from exc
        site.save()


@transaction.atomic
def create_msp(data: MspData, founder: Practitioner | None = None) -> Msp:
    """Create an MSP with its sites; the founding practitioner becomes its coordinator."""
    msp = Msp(status=MspStatus.PROJECT)
    _apply_fields(msp, data)
    _check_msp(msp)
    msp.save()
    _save_sites(msp, data.sites or [], replace=False)
    if founder is not None:
        Membership.objects.create(
            msp=msp, practitioner=founder, role=MembershipRole.COORDINATOR, start_date=date.today()
        )
    return msp


@transaction.atomic
def update_msp(msp: Msp, data: MspData) -> Msp:
    msp = Msp.objects.select_for_update().get(pk=msp.pk)
    _apply_fields(msp, data)
    _check_msp(msp)
    msp.save()
    if data.sites is not None:
        _save_sites(msp, data.sites, replace=True)
    events.MSP.publish(msp.pk)
    if msp.status != MspStatus.OPERATING:
        suspend_for_closed_msp(msp)
    return Msp.objects.get(pk=msp.pk)  # fresh, with no stale cached hub


# --- Memberships -------------------------------------------------------------------------------


@transaction.atomic
def add_member(msp: Msp, practitioner: Practitioner, role: str, start_date: date | None = None) -> Membership:
    start_date = start_date or date.today()
    # Membership changes of one MSP are serialised on its row: concurrent requests see each other's result.
    msp = Msp.objects.select_for_update().get(pk=msp.pk)
    overlapping = Membership.objects.filter(msp=msp, practitioner=practitioner, role=role).exclude(
        end_date__isnull=False, end_date__lte=start_date
    )
    if overlapping.exists():
        raise ValidationError(
            ValidationError(
                "Ce professionnel occupe déjà ce rôle dans cette MSP à cette date.",
                code=NetworkErrorCode.ALREADY_MEMBER,
            )
        )
    membership = Membership(msp=msp, practitioner=practitioner, role=role, start_date=start_date)
    full_clean(membership)
    membership.save()
    if (
        practitioner.practice_mode in (PracticeMode.ISOLATED, PracticeMode.PROJECT_HOLDER)
        and msp.status == MspStatus.OPERATING
    ):
        practitioner.practice_mode = PracticeMode.MSP_MEMBER
        practitioner.save(update_fields=["practice_mode", "updated_at"])
    events.MSP.publish(msp.pk)
    return membership


@transaction.atomic
def end_membership(
    membership: Membership,
    end_date: date | None = None,
    reason: str = "",
    allow_last_coordinator: bool = False,
) -> Membership:
    """End a membership; it stays in the MSP's history."""
    Msp.objects.select_for_update().filter(
        pk=membership.msp_id
    ).first()  # serialise with the MSP's other changes
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    end_date = end_date or date.today()
    if membership.end_date is not None and membership.end_date <= date.today():
        raise ValidationError(
            ValidationError(
                "Cette adhésion est déjà terminée.", code=NetworkErrorCode.MEMBERSHIP_ALREADY_ENDED
            )
        )
    if end_date <= membership.start_date:
        raise ValidationError(
            {
                "end_date": ValidationError(
                    "La date de fin doit suivre la date de début.", code=NetworkErrorCode.INVALID_DATE_RANGE
                )
            }
        )
    if membership.role == MembershipRole.COORDINATOR and not allow_last_coordinator:
        others = (
            Membership.objects.current(end_date)
            .filter(msp_id=membership.msp_id, role=MembershipRole.COORDINATOR)
            .exclude(pk=membership.pk)
        )
        if not others.exists():
            raise ValidationError(
                ValidationError(
                    "C'est le dernier coordinateur de la MSP : nommez-en un autre avant de mettre fin à son rôle.",
                    code=NetworkErrorCode.LAST_COORDINATOR,
                )
            )
    membership.end_date = end_date
    membership.end_reason = (reason or "").strip()
    full_clean(membership)
    membership.save(update_fields=["end_date", "end_reason"])
    events.MSP.publish(membership.msp_id)
    return membership
