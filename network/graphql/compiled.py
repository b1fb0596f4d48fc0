"""The network's types in compiled reads (backend/core/compiled.py): the expression of each field that has a
resolver of its own and answers the same to every viewer, and the root lists the compiled reads answer.

Fields whose answer depends on who asks (a practitioner's e-mail and RPPS, an MSP's hub, milestones and
project stage, a hub's reasons and ARS opinions) declare nothing: a query selecting one goes the ordinary way.
"""

from django.conf import settings

from backend.core.compiled import Children, Column, Expr, Related, Row, declare, literal, root
from backend.core.graphql import decode_global_id

from .. import models, selectors
from ..models import OVERSEAS_TIME_ZONES
from ..professions import IPA_MENTIONS
from ..services import composition, hubs
from . import territory_types, types
from .queries import NetworkQueryFields, nearby_point

CURRENT = "{t}.start_date <= {today} AND ({t}.end_date IS NULL OR {t}.end_date > {today})"


def commune_time_zone(department_code: str) -> str:
    """SQL for the zone of a commune of the department whose code is the expression given (Commune.time_zone)."""
    cases = " ".join(
        f"WHEN {literal(code)} THEN {literal(zone)}" for code, zone in OVERSEAS_TIME_ZONES.items()
    )
    return f"CASE {department_code} {cases} ELSE {literal(settings.TIME_ZONE)} END"


def _time_zone(column: str) -> str:
    return commune_time_zone(f"{{t}}.{column}")


def _in(values) -> str:
    return "ARRAY[" + ", ".join(literal(v) for v in values) + "]::varchar[]"


declare(territory_types.Region, model=models.Region, departments=Children("region_id", to="code"))
declare(territory_types.Department, model=models.Department, timeZone=Expr(_time_zone("code")))
declare(territory_types.Commune, timeZone=Expr(_time_zone("department_id")))
declare(
    types.Practitioner,
    fullName=Expr("{t}.first_name || ' ' || {t}.last_name"),
    rppsVerified=Expr("{t}.rpps_verified_at IS NOT NULL"),
    isAdvancedPracticeNurse=Expr(
        f"{{t}}.profession_id = {literal(models.Profession.NURSE)} AND {{t}}.specialty = ANY({_in(IPA_MENTIONS)})"
    ),
    memberships=Children("practitioner_id", current=CURRENT),
    arguments={"memberships": ("includeEnded", "first")},
)
declare(types.MspSite)
declare(types.Membership, isCurrent=Expr(CURRENT))
declare(
    types.Msp,
    siret=Expr("NULLIF({t}.siret, '')"),
    verified=Expr("{t}.verified_at IS NOT NULL"),
    sites=Children("msp_id"),
    mainSite=Children("msp_id", where="{t}.is_main", single=True),
    memberships=Children("msp_id", current=CURRENT),
    memberCount=Expr(
        "SELECT count(DISTINCT m.practitioner_id) FROM network_membership m WHERE m.msp_id = {t}.id AND "
        + CURRENT.replace("{t}", "m")
    ),
    composition=Row(composition.COMPOSITION_SQL),
    arguments={"memberships": ("includeEnded", "first")},
)
declare(
    types.Composition,
    model=composition.Composition,
    state=Column("state"),
    meetsMinimum=Column("meets_minimum"),
    doctors=Column("doctors"),
    auxiliaries=Column("auxiliaries"),
    belowMinimumSince=Column("below_minimum_since"),
    gracePeriodEndsOn=Column("grace_period_ends_on"),
)
declare(types.Hub, monthlyCoordinationHours=Expr("{t}.monthly_coordination_hours::float8"))
declare(territory_types.Profession)

FIELDS = NetworkQueryFields._meta.fields
root("hubs", FIELDS["hubs"], lambda info, args: selectors.hubs(args.get("filter") or {}, []))
root("msps", FIELDS["msps"], lambda info, args: selectors.msps(args.get("filter") or {}, []))
root(
    "practitioners",
    FIELDS["practitioners"],
    lambda info, args: selectors.practitioners(
        args.get("filter") or {}, decode_global_id(args["filter"]["msp_id"], "Msp") if _msp(args) else None
    ),
)
root(
    "communes",
    FIELDS["communes"],
    lambda info, args: selectors.communes(args["search"], args.get("department_code")),
)


declare(
    types.NearbyHub,
    model=models.HubDesignation,
    hub=Related("_compiled_pk"),
    distanceKm=Expr("{t}.distance_shown"),
)


def _nearby(info, args):
    latitude, longitude = nearby_point(args["near"], args["radius_km"], args["first"])
    return hubs.nearby_hubs_queryset(
        latitude,
        longitude,
        args["radius_km"],
        offer_kind=args.get("offer_kind"),
        profession_code=args.get("profession_code"),
        takes_trainees=args.get("takes_trainees"),
    )


root("nearbyHubs", FIELDS["nearby_hubs"], _nearby, columns=("distance_shown",))


def _msp(args) -> bool:
    return bool((args.get("filter") or {}).get("msp_id"))
