"""Mentoring's types in compiled reads (backend/core/compiled.py): the `slots` list and `node` on a slot or an
offer, for the fields that answer the same to every viewer.

What depends on who asks declares nothing, and a query selecting it goes the ordinary way: an offer's video link,
a slot's staff, cases, materials, bookings, the viewer's seat and turn. So do the offer's professions (a
many-to-many) and a slot's series.
"""

from backend.core.compiled import Expr, declare, literal, root
from network.graphql.compiled import commune_time_zone

from .. import models
from . import types
from .slots import SlotQueryFields

# The offer's zone (models.SupportOffer.time_zone): the host commune's for a host site, else its site's or the
# hub's main site's commune's, else Paris.
_COMMUNE_ZONE = (
    "(SELECT " + commune_time_zone("zc.department_id") + " FROM network_commune zc WHERE zc.code = {c})"
)
OFFER_TIME_ZONE = (
    "COALESCE(CASE WHEN {o}.location_kind = " + literal(models.LocationKind.HOST_SITE)
    + " AND {o}.host_commune_id IS NOT NULL THEN " + _COMMUNE_ZONE.replace("{c}", "{o}.host_commune_id") + " END, "
    "(SELECT " + _COMMUNE_ZONE.replace("{c}", "zs.commune_id") + " FROM network_mspsite zs WHERE zs.id = "
    "COALESCE({o}.site_id, (SELECT zm.id FROM network_mspsite zm JOIN network_hubdesignation zh ON zh.msp_id = "
    "zm.msp_id WHERE zh.id = {o}.hub_id AND zm.is_main ORDER BY zm.id LIMIT 1))), "
    + literal("Europe/Paris") + ")"
)  # fmt: skip

# As Python writes a local time (`isoformat()` of the time in that zone): microseconds only when there are some,
# then the offset as ±HH:MM.
_OFFSET = "extract(epoch FROM ({v} AT TIME ZONE {z}) - ({v} AT TIME ZONE 'UTC'))::int"
LOCAL_TIME = (
    "(to_char({v} AT TIME ZONE {z}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', {v}) = {v} "
    "THEN '' ELSE to_char({v} AT TIME ZONE {z}, '.US') END || CASE WHEN " + _OFFSET + " < 0 THEN '-' ELSE '+' END"
    " || lpad((abs(" + _OFFSET + ") / 3600)::text, 2, '0') || ':' || lpad((mod(abs(" + _OFFSET + "), 3600) / 60)::text,"
    " 2, '0'))"
)  # fmt: skip
_SLOT_ZONE = (
    "(SELECT "
    + OFFER_TIME_ZONE.replace("{o}", "zo")
    + " FROM mentoring_supportoffer zo WHERE zo.id = {t}.offer_id)"
)

declare(
    types.SupportOffer,
    bookingQuestion=Expr("NULLIF({t}.booking_question, '')"),
    timeZone=Expr(OFFER_TIME_ZONE.replace("{o}", "{t}")),
)
declare(
    types.Slot,
    cancelReason=Expr("NULLIF({t}.cancel_reason, '')"),
    agenda=Expr("NULLIF({t}.agenda, '')"),
    timeZone=Expr(_SLOT_ZONE),
    localStartsAt=Expr(LOCAL_TIME.replace("{v}", "{t}.starts_at").replace("{z}", _SLOT_ZONE)),
    localEndsAt=Expr(LOCAL_TIME.replace("{v}", "{t}.ends_at").replace("{z}", _SLOT_ZONE)),
    seatsLeft=Expr(
        "GREATEST({t}.capacity - (SELECT count(*) FROM mentoring_booking zb WHERE zb.slot_id = {t}.id AND "
        f"zb.status = {literal(models.BookingStatus.CONFIRMED)} AND zb.role = {literal(models.BookingRole.ATTENDEE)}"
        "), 0)"
    ),
)
root(
    "slots",
    SlotQueryFields._meta.fields["slots"],
    lambda info, args: SlotQueryFields.resolve_slots(None, info, filter=args.get("filter")),
)
