"""Recurring slots: local wall-clock time across DST and in La Réunion; cancelling one, following or all."""

from datetime import date, datetime, time
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from graphql_relay import to_global_id

from mentoring.models import BookingStatus, SlotStatus, SupportOffer
from mentoring.services.booking import book_slot
from mentoring.services.series import SeriesScope, cancel_occurrences, create_series
from network.models import OfferKind
from tests.factories import ROLES, make_hub, make_msp, make_practitioner
from tests.helpers import error_codes, expect, offer_for, top_codes

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


# --- Recurrence rules cost what the platform allows (issue 24) -----------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",  # before: 5.1 s and +90 MB over three days, then refused after expanding it all
        "FREQ=MINUTELY;INTERVAL=1",
        "FREQ=HOURLY",
        "FREQ=DAILY;BYHOUR=8,9,10,11",  # sub-daily by another name
        "FREQ=DAILY;BYMINUTE=0,15,30,45",
        "FREQ=DAILY;INTERVAL=0",  # dateutil never ends on it
        "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2",  # never occurs: dateutil searched to the year 9999 (2 s)
        "FREQ=DAILY;BYMONTH=13",
        "RRULE:FREQ=WEEKLY\nEXRULE:FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=" + ",".join(["MO"] * 200),
        "FREQ=MONTHLY;BYDAY=+9MO",
    ],
)
def test_rules_that_would_cost_more_than_a_day_each_are_refused_at_once(world, rule):
    offer = offer_for(world.hub)
    with pytest.raises(ValidationError) as refused:
        create_series(offer, rule, date(2027, 1, 4), date(2028, 12, 31), time(9), 60, 4)
    assert refused.value.error_dict["rule"][0].code == "INVALID_RULE"
    assert not offer.slots.exists()


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=31,-31",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;BYDAY=MO",
    ],
)
def test_a_day_that_none_of_the_months_has_is_refused_before_any_expansion(world, rule):
    from mentoring.services.series import occurrences

    with pytest.raises(ValidationError) as refused:
        next(occurrences(rule, date(2027, 1, 4), date(2028, 12, 31), time(9), "Europe/Paris"))
    assert refused.value.error_dict["rule"][0].code == "INVALID_RULE"
    assert "ne tombe jamais" in refused.value.error_dict["rule"][0].messages[0]


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=YEARLY;BYMONTH=2,4;BYMONTHDAY=-30,31"])
def test_a_day_that_one_of_the_months_has_is_expanded(rule):
    from mentoring.services.series import occurrences

    assert list(occurrences(rule, date(2027, 1, 4), date(2028, 12, 31), time(9), "Europe/Paris"))


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", "FREQ=YEARLY;BYWEEKNO=60"])
def test_a_monthly_or_yearly_rule_that_never_occurs_is_answered_without_searching_to_the_year_9999(
    world, rule
):
    from mentoring.services.series import occurrences

    # Expanded 7,600 years later (19 cycles of the Gregorian calendar), dateutil's search for an occurrence
    # ends after ~370 years instead of ~8,000: the bench (bench/abuse.py) measures it.
    assert list(occurrences(rule, date(2027, 1, 4), date(2028, 12, 31), time(9), "Europe/Paris")) == []
    with pytest.raises(ValidationError) as refused:
        create_series(offer_for(world.hub), rule, date(2027, 1, 4), date(2028, 12, 31), time(9), 60, 4)
    assert refused.value.error_dict["rule"][0].messages == ["Aucune occurrence à venir."]


def test_the_calendar_shift_gives_the_same_dates_leap_days_and_weekdays_included():
    from dateutil.rrule import rrulestr

    from mentoring.services.series import occurrences

    for rule in ["FREQ=MONTHLY;BYDAY=-1FR", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=WEEKLY;BYDAY=MO,TH"]:
        ours = [
            t.replace(tzinfo=None)
            for t in occurrences(rule, date(2027, 1, 4), date(2032, 12, 31), time(9), "Europe/Paris")
        ]
        plain = list(
            rrulestr(rule, dtstart=datetime(2027, 1, 4, 9)).between(
                datetime(2027, 1, 4, 9), datetime(2032, 12, 31, 9), inc=True
            )
        )
        assert ours == plain and ours


def test_the_expansion_stops_at_the_cap(world):
    from mentoring.services import series

    offer = offer_for(world.hub)
    taken = []

    def counting(*args):
        for moment in series_occurrences(*args):
            taken.append(moment)
            yield moment

    series_occurrences = series.occurrences
    with (
        mock.patch.object(series, "occurrences", counting),
        mock.patch.object(series, "MAX_OCCURRENCES", 10),
        pytest.raises(ValidationError) as refused,
    ):
        series.create_series(offer, "FREQ=DAILY", date(2027, 1, 4), date(2028, 12, 31), time(9), 60, 4)
    assert refused.value.error_dict["rule"][0].messages == ["Au plus 10 occurrences par série."]
    assert len(taken) <= 11 + 3  # the cap, one past it, and the holidays skipped on the way (1 January…)


@pytest.mark.parametrize(
    "rule, count",
    [
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20270126", 3),  # its own end (midnight, as dateutil reads it)
        ("FREQ=MONTHLY;BYDAY=2TU;COUNT=3", 3),
        ("FREQ=DAILY;INTERVAL=7;BYMONTH=1", 4),
    ],
)
def test_ordinary_rules_still_work(world, rule, count):
    series = create_series(offer_for(world.hub), rule, date(2027, 1, 4), date(2027, 12, 31), time(9), 60, 4)
    assert series.slots.count() == count
