"""Slots over GraphQL: the public list (by place), opening one or a series, changing and cancelling
occurrences, staffing them by turns; and `slotUpdated`, live."""

from datetime import date

import graphene
from django.core.exceptions import ValidationError
from graphql import GraphQLError

from backend.core.graphql import Field, Forbidden, decode_global_id, enum_value, get_object
from backend.core.pagination import ConnectionField
from backend.core.permissions import Permission
from backend.realtime.live import Listen
from backend.realtime.subscriptions import EventNotVisible
from network.graphql.inputs import resolve_point
from network.graphql.types import Hub
from network.models import HubDesignation, Practitioner
from network.permissions import viewer_for

from .. import events, models, selectors
from ..errors import MentoringErrorCode
from ..permissions import leads_slot, public_slots, slots_visible_to
from ..services import offers as offer_service
from ..services import peer_sessions
from ..services import rota as rota_service
from ..services import series as series_service
from . import types
from .common import MentoringMutation, managed_offer, managed_slot, practitioner_of, require_hub_manager
from .enums import SeriesScopeEnum
from .inputs import SlotFilterInput


class CreateSlot(MentoringMutation):
    """Open a slot on an offer: the hub's coordinators, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        offer_id = graphene.ID(required=True, description="Global ID of the offer.")
        starts_at = graphene.DateTime(required=True, description="Start, with its offset (stored in UTC).")
        ends_at = graphene.DateTime(required=True, description="End, with its offset.")
        capacity = graphene.Int(required=True, description="Seats, 1 to 500.")

    slot = graphene.Field(types.Slot, description="The new slot.")

    @classmethod
    def perform(cls, root, info, offer_id, starts_at, ends_at, capacity):
        offer = managed_offer(info, offer_id)
        return cls(slot=offer_service.create_slot(offer, starts_at, ends_at, capacity), errors=[])


class CancelSlot(MentoringMutation):
    """Cancel a slot, or occurrences of its series; booked and waiting practitioners are told. One occurrence
    is cancelled even if booked; with FOLLOWING or ALL, booked occurrences are kept unless `includeBooked`.
    The hub's coordinators, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the slot.")
        reason = graphene.String(required=True, description="Why, shown to the practitioners.")
        scope = SeriesScopeEnum(default_value="ONE", description="For a slot of a series: which occurrences.")
        include_booked = graphene.Boolean(default_value=False, description="Also cancel booked occurrences.")

    slot = graphene.Field(types.Slot, description="The slot given, after the change.")
    cancelled = graphene.List(graphene.NonNull(types.Slot), required=True, description="Slots cancelled.")
    kept = graphene.List(
        graphene.NonNull(types.Slot),
        required=True,
        description="Occurrences kept because somebody booked them.",
    )
    error_defaults = {"cancelled": [], "kept": []}

    @classmethod
    def perform(cls, root, info, id, reason, scope="ONE", include_booked=False):
        slot = managed_slot(info, id, "id")
        scope = series_service.SeriesScope(enum_value(scope))
        cancelled, kept = series_service.cancel_occurrences(slot, scope, reason, include_booked)
        slot.refresh_from_db()
        return cls(slot=slot, cancelled=cancelled, kept=kept, errors=[])


class UpdateSlotSeries(MentoringMutation):
    """Change the local start time, duration or seats of one occurrence, this one and the following, or all
    coming ones. With FOLLOWING or ALL, booked occurrences stay as they are unless `includeBooked`: their
    bookings then move with them and the practitioners are told. Seats never go below the confirmed
    bookings; a move that would make anybody's commitments overlap is refused. All or nothing. The hub's
    coordinators, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the occurrence (or single slot).")
        scope = SeriesScopeEnum(default_value="ONE", description="Which occurrences the change applies to.")
        start_time = graphene.Time(description="New local start time (the day stays).")
        duration_minutes = graphene.Int(description="New length, in minutes.")
        capacity = graphene.Int(description="New number of seats (1 to 500).")
        include_booked = graphene.Boolean(default_value=False, description="Also change booked occurrences.")

    changed = graphene.List(graphene.NonNull(types.Slot), required=True, description="Slots changed.")
    kept = graphene.List(
        graphene.NonNull(types.Slot),
        required=True,
        description="Occurrences kept because somebody booked them.",
    )
    error_defaults = {"changed": [], "kept": []}

    @classmethod
    def perform(
        cls, root, info, slot_id, scope="ONE", start_time=None, duration_minutes=None, capacity=None,
        include_booked=False,
    ):  # fmt: skip
        slot = managed_slot(info, slot_id)
        changed, kept = series_service.update_occurrences(
            slot, series_service.SeriesScope(enum_value(scope)),
            start_time=start_time, duration_minutes=duration_minutes, capacity=capacity,
            include_booked=include_booked,
        )  # fmt: skip
        scoped = {
            s.pk: s
            for s in types.Slot.get_queryset(
                models.Slot.objects.filter(pk__in=[x.pk for x in changed + kept]), info
            )
        }
        return cls(changed=[scoped[x.pk] for x in changed], kept=[scoped[x.pk] for x in kept], errors=[])


def _practitioners(global_ids) -> list:
    pks = [int(decode_global_id(g, "Practitioner")) for g in global_ids]
    found = {p.pk: p for p in Practitioner.objects.filter(pk__in=pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise ValidationError(
            {
                "practitioner_ids": ValidationError(
                    "Professionnel introuvable.", code=MentoringErrorCode.NOT_FOUND
                )
            }
        )
    return [found[pk] for pk in pks]


class AssignSlotStaff(MentoringMutation):
    """Set the hub members who staff a slot (replaces the current turn). The hub's coordinators, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the slot.")
        practitioner_ids = graphene.List(
            graphene.NonNull(graphene.ID), required=True, description="Hub members (global IDs) who staff it."
        )

    slot = graphene.Field(types.Slot, description="The slot with its staff.")

    @classmethod
    def perform(cls, root, info, slot_id, practitioner_ids):
        slot = managed_slot(info, slot_id, "slotId")
        rota_service.assign_staff(slot, _practitioners(practitioner_ids))
        return cls(
            slot=types.Slot.get_queryset(models.Slot.objects.filter(pk=slot.pk), info).get(), errors=[]
        )


class SwapRotaTurn(MentoringMutation):
    """Exchange the staff of two slots of one hub in one step. The hub's coordinators, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of one slot.")
        other_slot_id = graphene.ID(required=True, description="Global ID of the other slot.")

    slots = graphene.List(
        graphene.NonNull(types.Slot), required=True, description="The two slots, after the swap."
    )
    error_defaults = {"slots": []}

    @classmethod
    def perform(cls, root, info, slot_id, other_slot_id):
        queryset = models.Slot.objects.select_related("offer__hub")
        slot = get_object(slot_id, models.Slot, "Slot", "slotId", queryset)
        other = get_object(other_slot_id, models.Slot, "Slot", "otherSlotId", queryset)
        for s in (slot, other):
            require_hub_manager(info, s.offer.hub.msp_id)
        first, second = rota_service.swap_turns(slot, other)
        scoped = types.Slot.get_queryset(models.Slot.objects.filter(pk__in=[first.pk, second.pk]), info)
        by_pk = {s.pk: s for s in scoped}
        return cls(slots=[by_pk[first.pk], by_pk[second.pk]], errors=[])


def _session_led_by_caller(info, slot_id):
    """A slot the caller leads: its staff (facilitator) or the hub's coordinators (and administrators)."""
    slot = get_object(
        slot_id, models.Slot, "Slot", "slotId", models.Slot.objects.select_related("offer__hub")
    )
    if not leads_slot(viewer_for(info.context), slot):
        raise Forbidden(
            "Seuls l'animateur de la séance et les coordinateurs de la MSP tête de pont la préparent."
        )
    return slot


class SetSessionAgenda(MentoringMutation):
    """Set the agenda of a peer facilitation session, before it starts: its facilitator or the hub's
    coordinators."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR, Permission.PRACTITIONER]

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the session (a slot of a peer offer).")
        agenda = graphene.String(required=True, description="The agenda, in French (empty to clear it).")

    slot = graphene.Field(types.Slot, description="The session.")

    @classmethod
    def perform(cls, root, info, slot_id, agenda):
        slot = peer_sessions.set_agenda(_session_led_by_caller(info, slot_id), agenda)
        return cls(
            slot=types.Slot.get_queryset(models.Slot.objects.filter(pk=slot.pk), info).first(), errors=[]
        )


class SubmitPeerCase(MentoringMutation):
    """Submit an anonymised case before a peer facilitation session one is booked on (refused when it carries a
    social security number, a phone number or an e-mail address)."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the session.")
        title = graphene.String(required=True, description="Title of the case.")
        body = graphene.String(required=True, description="The case, anonymised.")

    case = graphene.Field(types.PeerCase, description="The case submitted.")

    @classmethod
    def perform(cls, root, info, slot_id, title, body):
        practitioner = practitioner_of(info)
        slot = get_object(
            slot_id,
            models.Slot,
            "Slot",
            "slotId",
            slots_visible_to(models.Slot.objects.all(), viewer_for(info.context)),
        )
        return cls(case=peer_sessions.submit_case(slot, practitioner, title, body), errors=[])


class AddSessionMaterial(MentoringMutation):
    """Attach a document (an https link) to a peer facilitation session once it has taken place: its facilitator
    or the hub's coordinators. The offer's participants read it."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR, Permission.PRACTITIONER]

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the session.")
        title = graphene.String(required=True, description="Title of the document.")
        url = graphene.String(required=True, description="Link to it (https).")

    material = graphene.Field(types.SessionMaterial, description="The document attached.")

    @classmethod
    def perform(cls, root, info, slot_id, title, url):
        slot = _session_led_by_caller(info, slot_id)
        return cls(material=peer_sessions.add_material(slot, info.context.user, title, url), errors=[])


class SkippedHoliday(graphene.ObjectType):
    """An occurrence a series did not create: the day is a public holiday of the place."""

    date = graphene.Date(required=True, description="The day.")
    name = graphene.String(required=True, description="The holiday, in French (e.g. « Noël »).")


class SlotSeries(graphene.ObjectType):
    """A recurring series of slots, as created."""

    rule = graphene.String(required=True, description="Its RFC 5545 rule.")
    starts_on = graphene.Date(required=True, description="First day.")
    until = graphene.Date(required=True, description="Last day.")
    keep_holidays = graphene.Boolean(required=True, description="Whether occurrences on holidays were kept.")
    skipped_holidays = graphene.List(
        graphene.NonNull(SkippedHoliday),
        required=True,
        description="The occurrences not created because the day is a public holiday of the place, in order.",
    )

    def resolve_skipped_holidays(self, info):
        return [
            SkippedHoliday(date=date.fromisoformat(d["date"]), name=d["name"]) for d in self.skipped_holidays
        ]


class CreateSlotSeries(MentoringMutation):
    """Open recurring slots from an RFC 5545 rule in the place's local time (e.g. FREQ=WEEKLY;BYDAY=TU,FR at
    09:00). The hub's coordinators, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        offer_id = graphene.ID(required=True, description="Global ID of the offer.")
        rule = graphene.String(
            required=True, description="RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;BYDAY=TU,FR."
        )
        starts_on = graphene.Date(required=True, description="First day of the series.")
        until = graphene.Date(required=True, description="Last day of the series (at most two years on).")
        start_time = graphene.Time(required=True, description="Local start time of each occurrence.")
        duration_minutes = graphene.Int(required=True, description="Length of each occurrence, in minutes.")
        capacity = graphene.Int(required=True, description="Seats per occurrence.")
        rota = graphene.List(
            graphene.NonNull(graphene.ID),
            description="Hub members (global IDs) who staff the occurrences by turns, in this order.",
        )
        keep_holidays = graphene.Boolean(
            default_value=False,
            description="Keep occurrences that fall on a public holiday of the place (skipped by default: "
            "metropolitan France's, Alsace-Moselle's and each overseas department's own days).",
        )

    slots = graphene.List(graphene.NonNull(types.Slot), required=True, description="The occurrences created.")
    series = graphene.Field(SlotSeries, description="The series, with the holidays it skipped.")
    error_defaults = {"slots": []}

    @classmethod
    def perform(
        cls, root, info, offer_id, rule, starts_on, until, start_time, duration_minutes, capacity, rota=None,
        keep_holidays=False,
    ):  # fmt: skip
        offer = managed_offer(info, offer_id)
        series = series_service.create_series(
            offer, rule, starts_on, until, start_time, duration_minutes, capacity,
            rota=_practitioners(rota) if rota else None, keep_holidays=keep_holidays,
        )  # fmt: skip
        slots = types.Slot.get_queryset(series.slots.all(), info).order_by("starts_at")
        return cls(slots=slots, series=series, errors=[])


class SlotQueryFields(graphene.ObjectType):
    slots = ConnectionField(
        types.Slot,
        filter=SlotFilterInput(description="Filters."),
        description="Slots, soonest first.",
        permissions=[Permission.ANYONE],
    )

    def resolve_slots(root, info, filter=None, **kwargs):
        data = filter or {}
        slots = selectors.slots(
            data,
            hub_pk=decode_global_id(data["hub_id"], "Hub") if data.get("hub_id") else None,
            offer_pk=decode_global_id(data["offer_id"], "SupportOffer") if data.get("offer_id") else None,
            point=resolve_point(data["near"]) if data.get("near") and not data.get("commune_code") else None,
        )
        scoped = types.Slot.get_queryset(slots, info)
        return selectors.only_available(scoped) if data.get("only_available") else scoped


def _slot_keys(info, offer_id=None, hub_id=None):
    """The offer's or the hub's slots, if the viewer may see that offer or hub."""
    if bool(offer_id) == bool(hub_id):
        raise GraphQLError("Indiquez soit `offerId`, soit `hubId`.", extensions={"code": "BAD_USER_INPUT"})
    if offer_id:
        pk = decode_global_id(offer_id, "SupportOffer")
        scoped, model, topic = types.SupportOffer, models.SupportOffer, events.OFFER_SLOTS
    else:
        pk = decode_global_id(hub_id, "Hub")
        scoped, model, topic = Hub, HubDesignation, events.HUB_SLOTS
    if not scoped.get_queryset(model.objects.filter(pk=pk), info).exists():
        raise GraphQLError("Objet introuvable.", extensions={"code": "NOT_FOUND"})
    return [(topic, pk)]


def _slot_event(event, info, **arguments):
    """The slot, as the viewer may see it. A public slot is shown without asking who the viewer is, so that
    its subscribers (coordinators of other MSPs included) share one resolution (backend/realtime/sharing.py)."""
    queryset = models.Slot.objects.filter(pk=event["payload"]["slot"])
    if public_slots(queryset).exists():
        slot = types.Slot.loaded(queryset).first()
    else:
        slot = types.Slot.get_queryset(queryset, info).first()
    if slot is None:
        raise EventNotVisible()
    return slot


class SlotSubscriptionFields(graphene.ObjectType):
    slot_updated = Field(
        types.Slot,
        required=True,
        offer_id=graphene.ID(description="Watch the slots of this offer (or give `hubId`)."),
        hub_id=graphene.ID(description="Watch the slots of this hub (or give `offerId`)."),
        description="A slot of the offer or hub each time its seats change or it is opened or cancelled.",
        permissions=[Permission.ANYONE],
        live=Listen(keys=_slot_keys, resolve=_slot_event, topics=(events.OFFER_SLOTS, events.HUB_SLOTS)),
    )
