"""Scheduling as people expect it (issue 16): no cancelling after the start or of a rota turn, holidays
skipped by series, rescheduling in one step (under concurrency too), notice rules, booking questions, video
links, attendance, turns accepted, declined and taken, a known MSP site as host."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentoring.models import Attendance, Booking, BookingRole, BookingStatus, LocationKind, Slot, TurnResponse
from mentoring.services import booking as booking_service
from mentoring.services import rota
from mentoring.services.series import create_series
from network.models import Membership, MembershipRole
from tests.factories import ROLES, make_coordinator, make_hub, make_msp, make_practitioner
from tests.helpers import ERRORS, deliver_queued_mail, error_codes, gid, offer_for, race, slot_for, top_codes

pytestmark = pytest.mark.django_db


def started(slot, hours_ago=1):
    """Move a slot (and its bookings' copied times) so that it started `hours_ago` hours ago."""
    start = timezone.now() - timedelta(hours=hours_ago)
    Slot.objects.filter(pk=slot.pk).update(starts_at=start, ends_at=start + timedelta(hours=3))
    Booking.objects.filter(slot=slot).update(starts_at=start, ends_at=start + timedelta(hours=3))
    slot.refresh_from_db()
    return slot


def code(error: ValidationError) -> str:
    return error.error_list[0].code


CANCEL = f"mutation($id: ID!) {{ cancelBooking(id: $id) {{ booking {{ status }} {ERRORS} }} }}"


# --- Wrong before: cancelling after the start, cancelling a rota turn ----------------------------------------


def test_a_booking_cannot_be_cancelled_once_the_slot_has_started_and_nobody_is_promoted_onto_it(gql, world):
    slot = slot_for(offer_for(world.hub), capacity=1)
    seated, waiting = make_practitioner(user=True), make_practitioner()
    booking = booking_service.book_slot(slot, seated)
    booking_service.book_slot(slot, waiting, waitlist=True)
    started(slot)
    result = gql.execute(CANCEL, {"id": gid(booking)}, user=seated.user)
    (error,) = result["data"]["cancelBooking"]["errors"]
    assert error["code"] == "SLOT_STARTED" and "a commencé" in error["message"]
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert Booking.objects.get(slot=slot, practitioner=waiting).status == BookingStatus.WAITLISTED


def test_a_rota_turn_is_not_cancelled_like_a_seat(gql, world):
    doctor = make_practitioner(user=True)
    Membership.objects.create(
        msp=world.msp, practitioner=doctor, role=MembershipRole.ASSOCIATE, start_date=date(2020, 1, 1)
    )
    slot = slot_for(offer_for(world.hub))
    rota.assign_staff(slot, [doctor])
    turn = Booking.objects.get(slot=slot, role=BookingRole.STAFF)
    result = gql.execute(CANCEL, {"id": gid(turn)}, user=doctor.user)
    assert error_codes(result, "cancelBooking") == ["STAFF_TURN"]
    assert Booking.objects.get(pk=turn.pk).status == BookingStatus.CONFIRMED


# --- Holidays ---------------------------------------------------------------------------------------------


def christmas_week(offer, keep=False):
    """Daily occurrences from 18 to 31 December next year."""
    year = timezone.localdate().year + 1
    return create_series(
        offer, "FREQ=DAILY", date(year, 12, 18), date(year, 12, 31), time(9), 60, 2, keep_holidays=keep
    ), year


@pytest.mark.parametrize(
    "commune, skipped",
    [
        ("51272", {(12, 25): "Noël"}),  # Givry-en-Argonne: metropolitan France
        ("57463", {(12, 25): "Noël", (12, 26): "Saint-Étienne"}),  # Metz: Moselle
        ("67482", {(12, 25): "Noël", (12, 26): "Saint-Étienne"}),  # Strasbourg: Alsace
        ("97411", {(12, 20): "Abolition de l'esclavage", (12, 25): "Noël"}),  # Saint-Denis, La Réunion
    ],
)
def test_series_skip_the_public_holidays_of_the_place(world, commune, skipped):
    offer = offer_for(
        world.hub, location_kind=LocationKind.HOST_SITE, host_name="Accueil", host_commune_id=commune
    )
    series, year = christmas_week(offer)
    listed = {(d["date"], d["name"]) for d in series.skipped_holidays}
    assert listed == {(date(year, m, d).isoformat(), name) for (m, d), name in skipped.items()}
    days = {timezone.localtime(s.starts_at).date() for s in series.slots.all()}
    assert len(days) == 14 - len(skipped) and not {date(year, m, d) for m, d in skipped} & days


def test_a_series_may_keep_the_holidays(world):
    offer = offer_for(
        world.hub, location_kind=LocationKind.HOST_SITE, host_name="Accueil", host_commune_id="51272"
    )
    series, _ = christmas_week(offer, keep=True)
    assert series.skipped_holidays == [] and series.slots.count() == 14


SERIES = f"""mutation($offer: ID!, $from: Date!, $until: Date!, $keep: Boolean) {{
    createSlotSeries(offerId: $offer, rule: "FREQ=DAILY", startsOn: $from, until: $until,
        startTime: "09:00:00", durationMinutes: 180, capacity: 4, keepHolidays: $keep) {{
        slots {{ localStartsAt }} series {{ keepHolidays skippedHolidays {{ date name }} }} {ERRORS} }} }}"""


def test_the_series_lists_the_skipped_holidays_over_the_api(gql, world):
    offer = offer_for(world.hub)  # remote: the hub's place, Saint-Martin-sur-le-Pré (Marne)
    year = timezone.localdate().year + 1
    variables = {"offer": gid(offer), "from": f"{year}-12-24", "until": f"{year}-12-26"}
    coordinator = world.user("coordinator")
    payload = gql.execute(SERIES, variables, user=coordinator)["data"]["createSlotSeries"]
    assert payload["errors"] == []
    assert payload["series"] == {
        "keepHolidays": False,
        "skippedHolidays": [{"date": f"{year}-12-25", "name": "Noël"}],
    }
    assert [slot["localStartsAt"][:10] for slot in payload["slots"]] == [f"{year}-12-24", f"{year}-12-26"]
    kept = gql.execute(SERIES, {**variables, "keep": True}, user=coordinator)["data"]["createSlotSeries"]
    assert kept["series"]["skippedHolidays"] == [] and len(kept["slots"]) == 3


# --- Rescheduling -----------------------------------------------------------------------------------------

RESCHEDULE = f"""mutation($id: ID!, $slot: ID!) {{ rescheduleBooking(id: $id, slotId: $slot) {{
    booking {{ status slot {{ id }} }} {ERRORS} }} }}"""


def test_rescheduling_takes_the_new_seat_frees_the_old_and_promotes_the_first_waiting(gql, world):
    offer = offer_for(world.hub)
    old, new = slot_for(offer, capacity=1, days=3), slot_for(offer, capacity=2, days=5)
    mover, waiting = make_practitioner(user=True), make_practitioner()
    booking = booking_service.book_slot(old, mover)
    booking_service.book_slot(old, waiting, waitlist=True)
    payload = gql.execute(RESCHEDULE, {"id": gid(booking), "slot": gid(new)}, user=mover.user)["data"]
    assert payload["rescheduleBooking"]["errors"] == []
    assert payload["rescheduleBooking"]["booking"] == {"status": "CONFIRMED", "slot": {"id": gid(new)}}
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    assert Booking.objects.get(slot=old, practitioner=waiting).status == BookingStatus.CONFIRMED


def test_rescheduling_into_a_full_slot_or_another_offer_changes_nothing(gql, world):
    offer = offer_for(world.hub)
    old, full = slot_for(offer, days=3), slot_for(offer, capacity=1, days=5)
    booking_service.book_slot(full, make_practitioner())
    other_offer_slot = slot_for(offer_for(world.hub, title="Autre offre"), days=6)
    mover = make_practitioner(user=True)
    booking = booking_service.book_slot(old, mover)
    refused = gql.execute(RESCHEDULE, {"id": gid(booking), "slot": gid(full)}, user=mover.user)
    assert error_codes(refused, "rescheduleBooking") == ["SLOT_FULL"]
    elsewhere = gql.execute(RESCHEDULE, {"id": gid(booking), "slot": gid(other_offer_slot)}, user=mover.user)
    assert error_codes(elsewhere, "rescheduleBooking") == ["INVALID"]
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert Booking.objects.filter(practitioner=mover).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_the_holder_reschedules_a_booking(gql, world, role):
    offer = offer_for(world.hub)
    old, new = slot_for(offer, days=3), slot_for(offer, days=5)
    holder = world.user("practitioner")
    booking = booking_service.book_slot(old, holder.practitioner)
    result = gql.execute(RESCHEDULE, {"id": gid(booking), "slot": gid(new)}, user=world.user(role))
    if role == "practitioner":
        assert result["data"]["rescheduleBooking"]["errors"] == []
    elif role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
    elif role in ("coordinator", "other_coordinator"):  # practitioners, but not the booking's holder
        assert error_codes(result, "rescheduleBooking") == ["NOT_FOUND"]
    else:  # ARS agents, Cnam staff, administrators: no practitioner record
        assert top_codes(result) == ["FORBIDDEN"]
    moved = Booking.objects.filter(practitioner=holder.practitioner, status=BookingStatus.CONFIRMED).get()
    assert moved.slot_id == (new.pk if role == "practitioner" else old.pk)


@pytest.mark.django_db(transaction=True)
def test_two_practitioners_rescheduling_into_the_last_seat_one_wins_the_other_keeps_their_booking(
    territories,
):
    hub = make_hub(make_msp(commune="51504"))
    offer = offer_for(hub)
    target = slot_for(offer, capacity=1, days=6)
    bookings = [booking_service.book_slot(slot_for(offer, days=d), make_practitioner()) for d in (3, 4)]
    results = race(*[lambda b=b: booking_service.reschedule_booking(b, target) for b in bookings])
    won = [r for r in results if isinstance(r, tuple)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(lost) == 1 and code(lost[0]) == "SLOT_FULL", results
    assert Booking.objects.filter(slot=target, status=BookingStatus.CONFIRMED).count() == 1
    loser = next(b for b in bookings if b.practitioner_id != won[0][0].practitioner_id)
    assert Booking.objects.get(pk=loser.pk).status == BookingStatus.CONFIRMED  # kept, on its old slot


# --- Notice rules, booking questions, video links ---------------------------------------------------------


def test_booking_and_cancelling_within_the_offers_notice_are_refused_with_a_clear_code(world):
    offer = offer_for(world.hub, booking_notice_hours=48, cancel_notice_hours=24)
    tomorrow = slot_for(offer, days=1)
    with pytest.raises(ValidationError) as late:
        booking_service.book_slot(tomorrow, make_practitioner())
    assert code(late.value) == "TOO_LATE" and "48 heures avant" in late.value.messages[0]
    later = slot_for(offer, capacity=1, days=3)
    seated, waiting = make_practitioner(), make_practitioner()
    booking = booking_service.book_slot(later, seated)
    place = booking_service.book_slot(later, waiting, waitlist=True)
    Slot.objects.filter(pk=later.pk).update(starts_at=timezone.now() + timedelta(hours=20))
    with pytest.raises(ValidationError) as late_cancel:
        booking_service.cancel_booking(booking)
    assert code(late_cancel.value) == "TOO_LATE" and "24 heures avant" in late_cancel.value.messages[0]
    booking_service.cancel_booking(place)  # a waitlist place frees no seat: it may leave any time
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


BOOK = f"""mutation($slot: ID!, $answer: String) {{ bookSlot(slotId: $slot, answer: $answer) {{
    booking {{ answer videoUrl }} {ERRORS} }} }}"""
HUB_VIEW = """query($id: ID!) { node(id: $id) { ... on Slot { offer { videoUrl bookingQuestion }
    bookings { answer practitioner { lastName } practitionerNoShows } } } }"""


def test_the_booking_question_is_answered_and_the_hub_reads_the_answers(gql, world):
    offer = offer_for(world.hub, booking_question="Quel sujet souhaitez-vous aborder ?",
                      video_url="https://visio.example.fr/salle-42")  # fmt: skip
    slot = slot_for(offer)
    booker = world.user("practitioner")
    missing = gql.execute(BOOK, {"slot": gid(slot)}, user=booker)
    (error,) = missing["data"]["bookSlot"]["errors"]
    assert (error["code"], error["field"]) == ("REQUIRED", "answer") and "Quel sujet" in error["message"]
    booked = gql.execute(BOOK, {"slot": gid(slot), "answer": "Protocole diabète"}, user=booker)
    assert booked["data"]["bookSlot"]["booking"] == {
        "answer": "Protocole diabète",
        "videoUrl": "https://visio.example.fr/salle-42",  # a confirmed seat: its holder reads the link
    }
    hub = gql.execute(HUB_VIEW, {"id": gid(slot)}, user=world.user("coordinator"))["data"]["node"]
    assert hub["offer"]["videoUrl"] == "https://visio.example.fr/salle-42"
    assert [b["answer"] for b in hub["bookings"]] == ["Protocole diabète"]
    public = gql.execute(HUB_VIEW, {"id": gid(slot)}, user=world.user("other_coordinator"))["data"]["node"]
    assert public["offer"] == {"videoUrl": None, "bookingQuestion": "Quel sujet souhaitez-vous aborder ?"}
    assert public["bookings"] == []


def test_a_video_link_is_an_https_address_of_a_remote_offer():
    from mentoring.services.offers import OfferData, publish_offer

    hub = make_hub(make_msp(commune="51504"))
    for location, url, field in (
        (LocationKind.REMOTE, "http://visio.example.fr/x", "video_url"),
        (LocationKind.REMOTE, "visio", "video_url"),
        (LocationKind.HOST_SITE, "https://visio.example.fr/x", "video_url"),
    ):
        data = OfferData(kind=hub.offer_kinds[0], title="Visio", location_kind=location, video_url=url,
                         host_name="Accueil", host_commune_code="51272")  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            publish_offer(hub, data)
        assert field in refused.value.error_dict


def test_the_calendar_feed_carries_the_video_link_of_a_confirmed_seat(world, client):
    from icalendar import Calendar

    from mentoring.services.calendar import practitioner_calendar

    offer = offer_for(world.hub, video_url="https://visio.example.fr/salle-42")
    seated = make_practitioner()
    booking_service.book_slot(slot_for(offer, capacity=1), seated)
    (event,) = Calendar.from_ical(practitioner_calendar(seated)).walk("VEVENT")
    assert str(event["URL"]) == "https://visio.example.fr/salle-42"
    assert "Visioconférence : https://visio.example.fr/salle-42" in str(event["DESCRIPTION"])
    waiting = make_practitioner()
    full = slot_for(offer, capacity=1, days=4)
    booking_service.book_slot(full, make_practitioner())
    booking_service.book_slot(full, waiting, waitlist=True)
    (tentative,) = Calendar.from_ical(practitioner_calendar(waiting)).walk("VEVENT")
    assert "URL" not in tentative and "visio" not in str(tentative["DESCRIPTION"])


def test_a_known_msp_site_hosts_an_offer(world):
    from mentoring.services.offers import OfferData, publish_offer
    from network.models import MspSite

    givry = make_msp("Pôle de santé de Givry-en-Argonne (test)", commune="51272")
    site = MspSite.objects.get(msp=givry)
    data = OfferData(kind=world.hub.offer_kinds[0], title="Consultations à Givry",
                     location_kind=LocationKind.HOST_SITE, host_site_id=site.pk)  # fmt: skip
    offer = publish_offer(world.hub, data)
    assert (offer.host_site, offer.host_name, offer.host_commune_id) == (site, givry.name, "51272")


# --- Attendance -------------------------------------------------------------------------------------------

ATTEND = f"""mutation($id: ID!, $a: Attendance!) {{ markAttendance(bookingId: $id, attendance: $a) {{
    booking {{ attendance }} {ERRORS} }} }}"""


def test_attendance_is_noted_only_once_the_slot_has_started(gql, world):
    slot = slot_for(offer_for(world.hub))
    booking = booking_service.book_slot(slot, make_practitioner())
    early = gql.execute(ATTEND, {"id": gid(booking), "a": "NO_SHOW"}, user=world.user("coordinator"))
    assert error_codes(early, "markAttendance") == ["NOT_YET_STARTED"]
    started(slot)
    noted = gql.execute(ATTEND, {"id": gid(booking), "a": "NO_SHOW"}, user=world.user("coordinator"))
    assert noted["data"]["markAttendance"]["booking"] == {"attendance": "NO_SHOW"}
    # The hub the practitioner books with next sees it.
    other_hub = make_hub(make_msp("MSP de Châlons (test)", commune="51108"))
    other_coordinator = make_coordinator(other_hub.msp).user
    next_slot = slot_for(offer_for(other_hub))
    booking_service.book_slot(next_slot, booking.practitioner)
    seen = gql.execute(HUB_VIEW, {"id": gid(next_slot)}, user=other_coordinator)["data"]["node"]["bookings"]
    assert [b["practitionerNoShows"] for b in seen] == [1]


@pytest.mark.parametrize("role", [*ROLES, "slot_staff"])
def test_who_marks_attendance(gql, world, role):
    doctor = make_practitioner(user=True)
    Membership.objects.create(
        msp=world.msp, practitioner=doctor, role=MembershipRole.ASSOCIATE, start_date=date(2020, 1, 1)
    )
    slot = slot_for(offer_for(world.hub))
    rota.assign_staff(slot, [doctor])
    booking = booking_service.book_slot(slot, world.user("practitioner").practitioner)
    started(slot)
    user = doctor.user if role == "slot_staff" else world.user(role)
    result = gql.execute(ATTEND, {"id": gid(booking), "a": "ATTENDED"}, user=user)
    attendance = Booking.objects.get(pk=booking.pk).attendance
    if role in ("coordinator", "admin", "slot_staff"):
        assert result["data"]["markAttendance"]["errors"] == [] and attendance == Attendance.ATTENDED
    else:
        expected = "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
        codes = top_codes(result) or error_codes(result, "markAttendance")
        assert codes == [expected] and attendance == ""


# --- Rota turns -------------------------------------------------------------------------------------------

ACCEPT = f"mutation($id: ID!) {{ acceptRotaTurn(bookingId: $id) {{ booking {{ turnResponse }} {ERRORS} }} }}"
DECLINE = f"""mutation($id: ID!) {{ declineRotaTurn(bookingId: $id, reason: "Congé maladie") {{
    booking {{ turnResponse status }} {ERRORS} }} }}"""
TAKE = f"mutation($id: ID!) {{ takeRotaTurn(slotId: $id) {{ booking {{ turnResponse role }} {ERRORS} }} }}"


def member(msp):
    doctor = make_practitioner(user=True)
    Membership.objects.create(
        msp=msp, practitioner=doctor, role=MembershipRole.ASSOCIATE, start_date=date(2020, 1, 1)
    )
    return doctor


def test_a_turn_is_accepted_or_declined_and_a_declined_one_taken_by_a_colleague(gql, world):
    first, second = member(world.msp), member(world.msp)
    slots = [slot_for(offer_for(world.hub), days=d) for d in (3, 4)]
    rota.assign_rota(slots, [first])
    turns = [Booking.objects.get(slot=s, role=BookingRole.STAFF) for s in slots]
    assert {t.turn_response for t in turns} == {TurnResponse.PENDING}
    accepted = gql.execute(ACCEPT, {"id": gid(turns[0])}, user=first.user)
    assert accepted["data"]["acceptRotaTurn"]["booking"] == {"turnResponse": "ACCEPTED"}
    mail.outbox.clear()
    declined = gql.execute(DECLINE, {"id": gid(turns[1])}, user=first.user)
    assert declined["data"]["declineRotaTurn"]["booking"] == {
        "turnResponse": "DECLINED",
        "status": "CANCELLED",
    }
    deliver_queued_mail()
    (notice,) = [m for m in mail.outbox if "décliné" in m.subject]
    assert "Congé maladie" in notice.body
    assert notice.to == [world.user("coordinator").practitioner.email]  # the hub's coordinator
    taken = gql.execute(TAKE, {"id": gid(slots[1])}, user=second.user)
    assert taken["data"]["takeRotaTurn"]["booking"] == {"turnResponse": "ACCEPTED", "role": "STAFF"}
    again = gql.execute(TAKE, {"id": gid(slots[1])}, user=member(world.msp).user)
    assert error_codes(again, "takeRotaTurn") == ["TURN_TAKEN"]
    outsider = gql.execute(TAKE, {"id": gid(slots[1])}, user=world.user("practitioner"))
    assert error_codes(outsider, "takeRotaTurn") == ["NOT_A_MEMBER"]


def test_nobody_answers_someone_elses_turn(gql, world):
    doctor = member(world.msp)
    slot = slot_for(offer_for(world.hub))
    rota.assign_staff(slot, [doctor])
    turn = Booking.objects.get(slot=slot, role=BookingRole.STAFF)
    for role in ("practitioner", "coordinator"):
        result = gql.execute(DECLINE, {"id": gid(turn)}, user=world.user(role))
        assert error_codes(result, "declineRotaTurn") == ["NOT_FOUND"]
    assert Booking.objects.get(pk=turn.pk).status == BookingStatus.CONFIRMED
    seat = booking_service.book_slot(slot_for(offer_for(world.hub), days=5), doctor)
    not_a_turn = gql.execute(ACCEPT, {"id": gid(seat)}, user=doctor.user)
    assert error_codes(not_a_turn, "acceptRotaTurn") == ["INVALID"]


def test_a_declined_turn_within_a_week_is_flagged_by_the_unstaffed_scan(world):
    from mentoring.services.reminders import unstaffed_slots

    doctor = member(world.msp)
    slot = slot_for(offer_for(world.hub), days=5)
    rota.assign_staff(slot, [doctor])
    assert slot not in unstaffed_slots(timezone.now())
    rota.decline_turn(Booking.objects.get(slot=slot, role=BookingRole.STAFF), "Congé")
    assert list(unstaffed_slots(timezone.now())) == [slot]


@pytest.mark.parametrize("role", [*ROLES, "turn_holder"])
def test_who_declines_a_turn(gql, world, role):
    doctor = member(world.msp)
    slot = slot_for(offer_for(world.hub))
    rota.assign_staff(slot, [doctor])
    turn = Booking.objects.get(slot=slot, role=BookingRole.STAFF)
    user = doctor.user if role == "turn_holder" else world.user(role)
    result = gql.execute(DECLINE, {"id": gid(turn)}, user=user)
    status = Booking.objects.get(pk=turn.pk).status
    if role == "turn_holder":
        assert result["data"]["declineRotaTurn"]["errors"] == [] and status == BookingStatus.CANCELLED
    elif role in ("practitioner", "coordinator", "other_coordinator"):  # practitioners, but not its holder
        assert error_codes(result, "declineRotaTurn") == ["NOT_FOUND"] and status == BookingStatus.CONFIRMED
    else:
        expected = "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
        assert top_codes(result) == [expected] and status == BookingStatus.CONFIRMED
