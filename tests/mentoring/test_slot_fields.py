"""Fields the hub pages needed (issue 27, journeys 2 and 4): a slot's series with the holidays it skipped, and
the viewer's own rota turn or seat on it — only their own, whoever asks."""

import pytest

from mentoring.models import Booking, BookingRole, BookingStatus, SlotSeries
from tests.factories import ROLES
from tests.helpers import gid, offer_for, slot_for

pytestmark = pytest.mark.django_db

QUERY = "query($id: ID!) { node(id: $id) { ... on Slot { series { rule skippedHolidays { date name } } myTurn { id turnResponse } mySeat { id } } } }"


@pytest.mark.parametrize("role", ROLES)
def test_series_and_my_turn_per_role(gql, world, role):
    offer = offer_for(world.hub)
    slot = slot_for(offer)
    slot.series = SlotSeries.objects.create(
        offer=offer, rule="FREQ=WEEKLY;BYDAY=FR", starts_on=slot.starts_at.date(), until=slot.starts_at.date(),
        start_time=slot.starts_at.time(), duration_minutes=180, capacity=2, time_zone="Europe/Paris",
        skipped_holidays=[{"date": "2027-12-24", "name": "Vendredi saint"}],
    )  # fmt: skip
    slot.save()
    holder = world.user("practitioner").practitioner
    turn = Booking.objects.create(
        slot=slot, practitioner=holder, role=BookingRole.STAFF, status=BookingStatus.CONFIRMED, turn_response="PENDING",
        starts_at=slot.starts_at, ends_at=slot.ends_at,
    )  # fmt: skip
    node = gql.execute(QUERY, {"id": gid(slot)}, user=world.user(role))["data"]["node"]
    assert node["series"] == {"rule": "FREQ=WEEKLY;BYDAY=FR",
                              "skippedHolidays": [{"date": "2027-12-24", "name": "Vendredi saint"}]}  # fmt: skip
    assert node["myTurn"] == (
        {"id": gid(turn), "turnResponse": "PENDING"} if role == "practitioner" else None
    )
    assert node["mySeat"] is None  # a turn is not a seat
    other = slot_for(offer, days=5)
    booked = Booking.objects.create(
        slot=other, practitioner=holder, status=BookingStatus.CONFIRMED, starts_at=other.starts_at,
        ends_at=other.ends_at,
    )  # fmt: skip
    single = gql.execute(QUERY, {"id": gid(other)}, user=world.user(role))["data"]["node"]
    seat = {"id": gid(booked)} if role == "practitioner" else None
    assert single == {"series": None, "myTurn": None, "mySeat": seat}
