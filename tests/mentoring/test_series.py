"""Recurring slots: local wall-clock time across DST and in La Réunion; cancelling one, following or all."""

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from graphql_relay import to_global_id

from mentoring.models import BookingStatus, SlotStatus, SupportOffer
from mentoring.services.booking import book_slot
from mentoring.services.series import SeriesScope, cancel_occurrences, create_series
from network.models import OfferKind
from tests.conftest import ROLES, error_codes, make_hub, make_msp, make_practitioner, top_codes
from tests.helpers import expect, offer_for

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


def local_and_utc_hours(series, zone):
    return [
        (s.starts_at.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M"), s.starts_at.astimezone(UTC).hour)
        for s in series.slots.order_by("starts_at")
    ]


def test_a_weekly_0900_series_stays_at_0900_across_the_end_of_march(world):
    # 2027: summer time starts on Sunday 28 March.
    series = create_series(
        offer_for(world.hub), "FREQ=WEEKLY;BYDAY=TU", date(2027, 3, 16), date(2027, 4, 6), time(9), 180, 4
    )
    assert local_and_utc_hours(series, "Europe/Paris") == [
        ("03-16 09:00", 8), ("03-23 09:00", 8), ("03-30 09:00", 7), ("04-06 09:00", 7),
    ]  # fmt: skip


def test_and_across_the_end_of_october(world):
    # 2027: winter time starts on Sunday 31 October.
    series = create_series(
        offer_for(world.hub), "FREQ=WEEKLY;BYDAY=FR", date(2027, 10, 22), date(2027, 11, 5), time(9), 180, 4
    )
    assert local_and_utc_hours(series, "Europe/Paris") == [
        ("10-22 09:00", 7),
        ("10-29 09:00", 7),
        ("11-05 09:00", 8),
    ]


def test_la_reunion_has_no_dst(world):
    hub = make_hub(make_msp("MSP Sakisoigne (test)", "97408"))
    offer = SupportOffer.objects.create(
        hub=hub, kind=OfferKind.PEER_FACILITATION, title="ETP", location_kind="REMOTE"
    )
    series = create_series(
        offer, "FREQ=WEEKLY;BYDAY=TU", date(2027, 3, 16), date(2027, 4, 6), time(9), 120, 10
    )
    assert series.time_zone == "Indian/Reunion"
    assert {utc for _, utc in local_and_utc_hours(series, "Indian/Reunion")} == {5}


def test_the_saint_martin_rota_days(world):
    series = create_series(
        offer_for(world.hub), "FREQ=WEEKLY;BYDAY=TU,FR", date(2027, 1, 4), date(2027, 1, 31), time(9), 180, 6
    )
    days = [
        s.starts_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%a %d")
        for s in series.slots.order_by("starts_at")
    ]
    assert days == ["Tue 05", "Fri 08", "Tue 12", "Fri 15", "Tue 19", "Fri 22", "Tue 26", "Fri 29"]


@pytest.mark.parametrize(
    "rule, starts, until, field",
    [
        ("FREQ=SOMETIMES", date(2027, 1, 1), date(2027, 2, 1), "rule"),
        ("FREQ=DAILY", date(2027, 1, 1), date(2029, 6, 1), "until"),
        ("FREQ=DAILY", date(2027, 2, 1), date(2027, 1, 1), "until"),
        ("FREQ=DAILY", date(2020, 1, 1), date(2020, 2, 1), "rule"),  # nothing to come
    ],
)
def test_invalid_series_are_refused(world, rule, starts, until, field):
    offer = offer_for(world.hub)
    with pytest.raises(ValidationError) as refused:
        create_series(offer, rule, starts, until, time(9), 60, 3)
    assert field in refused.value.error_dict
    assert not offer.slots.exists()


def test_cancel_one_following_or_all_keeps_booked_occurrences_unless_asked(world):
    series = create_series(
        offer_for(world.hub), "FREQ=WEEKLY;BYDAY=TU", date(2027, 1, 5), date(2027, 2, 23), time(9), 60, 3
    )
    slots = list(series.slots.order_by("starts_at"))  # 8 Tuesdays
    booker = make_practitioner()
    book_slot(slots[5], booker)

    cancelled, kept = cancel_occurrences(slots[1], SeriesScope.ONE, "Congé")
    assert cancelled == [slots[1]] and kept == []
    cancelled, kept = cancel_occurrences(slots[4], SeriesScope.FOLLOWING, "Fin de la mission")
    assert [s.pk for s in cancelled] == [slots[4].pk, slots[6].pk, slots[7].pk]
    assert kept == [slots[5]]
    slots[5].refresh_from_db()
    assert slots[5].status == SlotStatus.OPEN
    cancelled, kept = cancel_occurrences(slots[0], SeriesScope.ALL, "Arrêt", include_booked=True)
    assert {s.pk for s in cancelled} == {slots[0].pk, slots[2].pk, slots[3].pk, slots[5].pk}
    assert series.slots.filter(status=SlotStatus.OPEN).count() == 0
    assert slots[5].bookings.get().status == BookingStatus.CANCELLED


SERIES = """mutation($offer: ID!) { createSlotSeries(offerId: $offer, rule: "FREQ=WEEKLY;BYDAY=TU,FR",
    startsOn: "2027-01-04", until: "2027-01-17", startTime: "09:00:00", durationMinutes: 180, capacity: 6) {
    slots { localStartsAt seatsLeft } errors { field code message } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_create_slot_series_per_role(gql, world, role):
    offer = offer_for(world.hub)
    result = gql.execute(SERIES, {"offer": to_global_id("SupportOffer", offer.pk)}, user=world.user(role))
    if expect(result, "createSlotSeries", role, {"coordinator", "admin"}):
        slots = result["data"]["createSlotSeries"]["slots"]
        assert [s["localStartsAt"] for s in slots] == [
            "2027-01-05T09:00:00+01:00", "2027-01-08T09:00:00+01:00",
            "2027-01-12T09:00:00+01:00", "2027-01-15T09:00:00+01:00",
        ]  # fmt: skip
    else:
        assert not offer.slots.exists()


def test_bad_rule_over_graphql(gql, world):
    offer = offer_for(world.hub)
    result = gql.execute(
        SERIES.replace("FREQ=WEEKLY;BYDAY=TU,FR", "FREQ=NEVER"),
        {"offer": to_global_id("SupportOffer", offer.pk)},
        user=world.user("coordinator"),
    )
    assert error_codes(result, "createSlotSeries") == ["INVALID_RULE"]
    assert result["data"]["createSlotSeries"]["slots"] == []
    assert top_codes(result) == []


def test_create_slot_series_with_a_rota_over_graphql(gql, world):
    from mentoring.models import BookingRole
    from network.models import MembershipRole

    offer = offer_for(world.hub)
    doctors = [
        m.practitioner
        for m in world.msp.memberships.filter(
            role=MembershipRole.ASSOCIATE, practitioner__profession_id="10"
        ).order_by("pk")
    ]
    query = SERIES.replace("capacity: 6)", "capacity: 6, rota: $rota)").replace(
        "mutation($offer: ID!)", "mutation($offer: ID!, $rota: [ID!])"
    )
    result = gql.execute(
        query,
        {
            "offer": to_global_id("SupportOffer", offer.pk),
            "rota": [to_global_id("Practitioner", d.pk) for d in doctors],
        },
        user=world.user("coordinator"),
    )
    assert result["data"]["createSlotSeries"]["errors"] == []
    turns = [s.bookings.get(role=BookingRole.STAFF).practitioner for s in offer.slots.order_by("starts_at")]
    assert turns == [doctors[i % len(doctors)] for i in range(4)]
