"""Editing offers and series: one / following / all occurrences, booked ones, moved bookings, all or nothing."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from mentoring.models import Booking, BookingRole, BookingStatus, Slot, SlotSeries
from mentoring.services.booking import book_slot
from mentoring.services.offers import update_offer
from mentoring.services.series import SeriesScope, create_series, update_occurrences
from tests.factories import ROLES, make_practitioner
from tests.helpers import ERRORS, deliver_queued_mail, error_codes, expect, gid, offer_for

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def local_times(slots):
    return [s.starts_at.astimezone(PARIS).strftime("%m-%d %H:%M") for s in slots]


@pytest.fixture
def series(world):
    # Tuesdays of 2027 around the end of March (summer time from Sunday 28 March).
    return create_series(
        offer_for(world.hub), "FREQ=WEEKLY;BYDAY=TU", date(2027, 3, 16), date(2027, 4, 6), time(9), 180, 4
    )


def slots_of(series_or_offer):
    return list(Slot.objects.filter(offer=series_or_offer.offer).order_by("starts_at"))


def test_all_occurrences_move_to_1000_local_across_dst_but_booked_ones_stay(series):
    first, second, *_ = slots_of(series)
    booked = book_slot(second, make_practitioner())
    changed, kept = update_occurrences(first, SeriesScope.ALL, start_time=time(10), duration_minutes=120)
    assert kept == [second] and len(changed) == 3
    slots = slots_of(series)
    assert local_times(slots) == ["03-16 10:00", "03-23 09:00", "03-30 10:00", "04-06 10:00"]
    assert [(s.ends_at - s.starts_at) for s in (slots[0], slots[2])] == [timedelta(hours=2)] * 2
    assert [s.sequence for s in slots] == [1, 0, 1, 1]
    booked.refresh_from_db()
    assert booked.starts_at == slots[1].starts_at  # untouched
    series.refresh_from_db()
    assert (series.start_time, series.duration_minutes) == (time(10), 120)


def test_with_include_booked_the_bookings_move_and_the_practitioners_are_told(
    series, django_capture_on_commit_callbacks
):
    _, second, *_ = slots_of(series)
    practitioner = make_practitioner()
    booking = book_slot(second, practitioner)
    deliver_queued_mail()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update_occurrences(second, SeriesScope.FOLLOWING, start_time=time(14), include_booked=True)
    booking.refresh_from_db()
    second.refresh_from_db()
    assert booking.starts_at == second.starts_at and booking.ends_at == second.ends_at
    assert second.starts_at.astimezone(PARIS).strftime("%d/%m %H:%M") == "23/03 14:00"
    deliver_queued_mail()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([practitioner.email], "Créneau déplacé au 23/03/2027 à 14:00 (Europe/Paris)")
    ]
    assert "23/03/2027 à 14:00" in mail.outbox[0].body


def test_following_splits_the_series_at_that_occurrence(series):
    *_, third, fourth = slots_of(series)
    update_occurrences(third, SeriesScope.FOLLOWING, capacity=8)
    assert [s.capacity for s in slots_of(series)] == [4, 4, 8, 8]
    old, new = SlotSeries.objects.filter(offer=series.offer).order_by("starts_on")
    assert (old.until, old.capacity) == (date(2027, 3, 29), 4)
    assert (new.starts_on, new.until, new.capacity, new.rule) == (
        date(2027, 3, 30),
        date(2027, 4, 6),
        8,
        old.rule,
    )
    assert set(new.slots.all()) == {third, fourth}


def test_one_occurrence_is_changed_even_if_booked_and_more_seats_promote_the_waitlist(series):
    first = slots_of(series)[0]
    first.capacity = 1
    first.save()
    book_slot(first, make_practitioner())
    waiting = book_slot(first, make_practitioner(), waitlist=True)
    update_occurrences(first, SeriesScope.ONE, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CONFIRMED


def test_seats_never_drop_below_the_confirmed_bookings_and_nothing_is_half_written(series):
    first, second, *_ = slots_of(series)
    for _ in range(3):
        book_slot(second, make_practitioner())
    with pytest.raises(ValidationError) as caught:
        update_occurrences(first, SeriesScope.ALL, capacity=2, include_booked=True)
    assert caught.value.error_dict["capacity"][0].code == "CAPACITY_BELOW_BOOKINGS"
    assert [s.capacity for s in slots_of(series)] == [
        4,
        4,
        4,
        4,
    ]  # the first one, changed before, rolled back


def test_a_move_that_would_overlap_someones_other_booking_is_refused(series, world):
    first = slots_of(series)[0]
    practitioner = make_practitioner()
    book_slot(first, practitioner)
    other_offer = offer_for(world.hub)
    other = Slot.objects.create(
        offer=other_offer, starts_at=first.ends_at + timedelta(hours=1), ends_at=first.ends_at + timedelta(hours=3),
        capacity=2,
    )  # fmt: skip
    book_slot(other, practitioner)
    with pytest.raises(ValidationError) as caught:
        update_occurrences(first, SeriesScope.ONE, start_time=time(13))
    assert caught.value.error_list[0].code == "OVERLAPPING_BOOKING"
    first.refresh_from_db()
    assert local_times([first]) == ["03-16 09:00"]
    assert Booking.objects.filter(slot=first).get().starts_at == first.starts_at


def test_staff_turns_move_with_their_slot(series, world):
    from mentoring.services.rota import assign_staff
    from network.models import Membership

    first = slots_of(series)[0]
    doctor = Membership.objects.filter(msp=world.msp, practitioner__profession_id="10").first().practitioner
    assign_staff(first, [doctor])
    update_occurrences(first, SeriesScope.ONE, start_time=time(8))
    turn = Booking.objects.get(slot=first, role=BookingRole.STAFF)
    first.refresh_from_db()
    assert turn.starts_at == first.starts_at


def test_nothing_to_change_is_refused(series):
    with pytest.raises(ValidationError) as caught:
        update_occurrences(slots_of(series)[0], SeriesScope.ONE)
    assert caught.value.error_dict["start_time"][0].code == "REQUIRED"


def test_update_offer_changes_only_what_is_given(world):
    offer = offer_for(world.hub, topics=["Accès aux soins"])
    update_offer(offer, title="Consultations avancées à Givry", mentoring_topics=["HEALTH_PROJECT"])
    offer.refresh_from_db()
    assert (offer.title, offer.topics, offer.mentoring_topics) == (
        "Consultations avancées à Givry", ["Accès aux soins"], ["HEALTH_PROJECT"],
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        update_offer(offer, title=" ", location_kind="HOST_SITE", host_commune_code="00000")
    assert set(caught.value.error_dict) == {"title", "host_commune_code"}
    offer.refresh_from_db()
    assert offer.title == "Consultations avancées à Givry"


# --- GraphQL ---------------------------------------------------------------------------------------

UPDATE_OFFER = f"""mutation($id: ID!, $input: OfferChangesInput!) {{ updateOffer(id: $id, input: $input) {{
    offer {{ title isActive mentoringTopics }} {ERRORS} }} }}"""
UPDATE_SERIES = f"""mutation($slot: ID!, $scope: SeriesScope, $time: Time, $booked: Boolean) {{
    updateSlotSeries(slotId: $slot, scope: $scope, startTime: $time, includeBooked: $booked) {{
        changed {{ localStartsAt }} kept {{ id }} {ERRORS} }} }}"""


@pytest.mark.parametrize("role", ROLES)
def test_update_offer_per_role(gql, world, role):
    offer = offer_for(world.hub)
    result = gql.execute(
        UPDATE_OFFER,
        {"id": gid(offer), "input": {"isActive": False, "mentoringTopics": ["PREMISES"]}},
        user=world.user(role),
    )
    if expect(result, "updateOffer", role, {"coordinator", "admin"}):
        assert result["data"]["updateOffer"]["offer"] == {
            "title": "Consultations avancées", "isActive": False, "mentoringTopics": ["PREMISES"],
        }  # fmt: skip
    offer.refresh_from_db()
    assert offer.is_active is (role not in {"coordinator", "admin"})


def test_a_withdrawn_offer_is_hidden_from_the_public(gql, world):
    offer = offer_for(world.hub)
    gql.execute(
        UPDATE_OFFER, {"id": gid(offer), "input": {"isActive": False}}, user=world.user("coordinator")
    )
    query = "{ supportOffers(first: 10) { edges { node { title } } } }"
    assert gql.execute(query)["data"]["supportOffers"]["edges"] == []
    assert len(gql.execute(query, user=world.user("coordinator"))["data"]["supportOffers"]["edges"]) == 1
    result = gql.execute(
        UPDATE_OFFER, {"id": gid(offer), "input": {"title": ""}}, user=world.user("coordinator")
    )
    assert error_codes(result, "updateOffer") == ["REQUIRED"]


@pytest.mark.parametrize("role", ROLES)
def test_update_slot_series_per_role(gql, world, role, series):
    first = slots_of(series)[0]
    result = gql.execute(
        UPDATE_SERIES, {"slot": gid(first), "scope": "ALL", "time": "11:30:00"}, user=world.user(role)
    )
    if expect(result, "updateSlotSeries", role, {"coordinator", "admin"}):
        assert [s["localStartsAt"][11:16] for s in result["data"]["updateSlotSeries"]["changed"]] == [
            "11:30"
        ] * 4
        assert local_times(slots_of(series)) == ["03-16 11:30", "03-23 11:30", "03-30 11:30", "04-06 11:30"]
    else:
        assert local_times(slots_of(series))[0] == "03-16 09:00"


def test_update_slot_series_reports_kept_occurrences(gql, world, series):
    first, second, *_ = slots_of(series)
    book_slot(second, make_practitioner())
    result = gql.execute(
        UPDATE_SERIES,
        {"slot": gid(first), "scope": "ALL", "time": "10:00:00"},
        user=world.user("coordinator"),
    )
    assert result["data"]["updateSlotSeries"]["kept"] == [{"id": gid(second)}]
    assert len(result["data"]["updateSlotSeries"]["changed"]) == 3


def test_a_cancelled_or_past_slot_is_not_edited(series):
    from django.utils import timezone

    from mentoring.services.booking import cancel_slot

    first, second, *_ = slots_of(series)
    cancel_slot(first, "Médecin absent")
    with pytest.raises(ValidationError) as caught:
        update_occurrences(first, SeriesScope.ONE, capacity=6)
    assert caught.value.error_list[0].code == "SLOT_CANCELLED"
    Slot.objects.filter(pk=second.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as caught:
        update_occurrences(second, SeriesScope.ONE, capacity=6)
    assert caught.value.error_list[0].code == "SLOT_IN_PAST"
