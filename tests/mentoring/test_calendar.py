"""iCalendar feeds: secret rotatable addresses, stable UIDs, updates in place, who may rotate them."""

from datetime import time

import pytest
from icalendar import Calendar

from mentoring.services.booking import book_slot, cancel_booking, cancel_slot
from mentoring.services.rota import assign_staff
from mentoring.services.series import SeriesScope, update_occurrences
from network.models import Membership
from tests.factories import ROLES, make_practitioner
from tests.helpers import ERRORS, expect, gid, offer_for, slot_for

pytestmark = pytest.mark.django_db

ROTATE = f"mutation($hub: ID) {{ rotateCalendarFeed(hubId: $hub) {{ url {ERRORS} }} }}"


def fetch(client, url):
    path = url.split("testserver", 1)[-1]
    response = client.get(path)
    return response, (Calendar.from_ical(response.content) if response.status_code == 200 else None)


def events(calendar):
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def rotate(gql, user, hub=None):
    result = gql.execute(ROTATE, {"hub": gid(hub) if hub else None}, user=user)
    assert result["data"]["rotateCalendarFeed"]["errors"] == [], result
    return result["data"]["rotateCalendarFeed"]["url"]


def test_a_practitioners_feed_shows_bookings_and_turns_that_update_in_place(gql, world, client):
    user = world.user("practitioner")
    practitioner = user.practitioner
    offer = offer_for(world.hub)
    seat, other = slot_for(offer, days=3), slot_for(offer, days=5)
    booking = book_slot(seat, practitioner)
    url = rotate(gql, user)
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")

    response, calendar = fetch(client, url)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    (uid,) = events(calendar)
    event = events(calendar)[uid]
    assert uid == f"slot-{seat.pk}-seat-{practitioner.pk}@tete-de-pont"
    assert (str(event["STATUS"]), event["SEQUENCE"], str(event["SUMMARY"])) == (
        "CONFIRMED", 0, "Consultations avancées",
    )  # fmt: skip
    assert event.decoded("DTSTART") == seat.starts_at.replace(microsecond=0)
    assert str(event["LOCATION"]) == "À distance (visioconférence)"

    update_occurrences(seat, SeriesScope.ONE, start_time=time(7, 15))
    cancel_booking(booking)
    _, calendar = fetch(client, url)
    event = events(calendar)[uid]  # same UID: calendar apps update it instead of adding another
    seat.refresh_from_db()
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 2)
    assert event.decoded("DTSTART") == seat.starts_at.replace(microsecond=0)

    book_slot(seat, practitioner)  # re-booked: the same event comes back confirmed, with a higher sequence
    _, calendar = fetch(client, url)
    assert (str(events(calendar)[uid]["STATUS"]), events(calendar)[uid]["SEQUENCE"]) == ("CONFIRMED", 3)
    assert f"slot-{other.pk}-seat-{practitioner.pk}@tete-de-pont" not in events(calendar)
    assert len(events(calendar)) == 1  # nothing about slots the practitioner has no part in


def test_a_hub_feed_lists_its_slots_staff_and_cancellations(gql, world, client):
    offer = offer_for(world.hub)
    kept, cancelled = slot_for(offer, days=2), slot_for(offer, days=4)
    doctor = Membership.objects.filter(msp=world.msp, practitioner__profession_id="10").first().practitioner
    assign_staff(kept, [doctor])
    book_slot(kept, make_practitioner())
    cancel_slot(cancelled, "Médecin absent")
    _, calendar = fetch(client, rotate(gql, world.user("coordinator"), world.hub))
    found = events(calendar)
    first, second = found[f"slot-{kept.pk}@tete-de-pont"], found[f"slot-{cancelled.pk}@tete-de-pont"]
    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(first["DESCRIPTION"]) == f"1/2 places réservées.\nIntervenant(s) : {doctor.full_name}."
    assert (str(second["STATUS"]), second["SEQUENCE"]) == ("CANCELLED", 1)
    assert "Médecin absent" in str(second["DESCRIPTION"])


def test_rotating_the_token_retires_the_old_address(gql, world, client):
    user = world.user("practitioner")
    old = rotate(gql, user)
    new = rotate(gql, user)
    assert old != new
    assert fetch(client, old)[0].status_code == 404
    assert fetch(client, new)[0].status_code == 200
    assert client.get("/calendar/not-a-token.ics").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_who_may_have_a_feed(gql, world, role):
    own = gql.execute(ROTATE, {}, user=world.user(role))
    expect(own, "rotateCalendarFeed", role, {"practitioner", "coordinator", "other_coordinator"})
    hub = gql.execute(ROTATE, {"hub": gid(world.hub)}, user=world.user(role))
    expect(hub, "rotateCalendarFeed", role, {"coordinator", "admin"})
