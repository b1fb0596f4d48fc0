"""Mentoring over GraphQL, per role: offers, slots, bookings, and live seat counts."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentoring.models import Booking, BookingStatus, Slot, SlotStatus, SupportOffer
from mentoring.services.booking import book_slot
from tests.factories import ROLES, make_hub, make_msp, make_practitioner
from tests.helpers import (
    CREATE_SLOT,
    ERRORS,
    MANAGERS,
    error_codes,
    expect,
    gid,
    offer_for,
    slot_for,
    top_codes,
)

PRACTITIONERS = {"practitioner", "coordinator", "other_coordinator"}

PUBLISH = f"""mutation($hub: ID!, $input: OfferInput!) {{ publishOffer(hubId: $hub, input: $input) {{
    offer {{ title kind locationKind hostName hostCommune {{ name }} timeZone professions {{ code }} }} {ERRORS} }} }}"""


BOOK = f"mutation($slot: ID!, $key: String) {{ bookSlot(slotId: $slot, idempotencyKey: $key) {{ booking {{ id status }} {ERRORS} }} }}"
WAIT = f"mutation($slot: ID!) {{ joinWaitlist(slotId: $slot) {{ booking {{ status }} {ERRORS} }} }}"
CANCEL_BOOKING = f'mutation($id: ID!) {{ cancelBooking(id: $id, reason: "Empêchement") {{ booking {{ status }} {ERRORS} }} }}'
CANCEL_SLOT = f'mutation($id: ID!) {{ cancelSlot(id: $id, reason: "Médecin absent") {{ slot {{ status cancelReason }} {ERRORS} }} }}'

GIVRY_OFFER = {
    "kind": "ADVANCED_CONSULTATION",
    "title": "Consultations avancées du mardi et du vendredi",
    "locationKind": "HOST_SITE",
    "hostName": "Pôle de santé de Givry-en-Argonne",
    "hostCommuneCode": "51272",
    "professionCodes": ["10"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_publish_offer_per_role(gql, world, role):
    result = gql.execute(PUBLISH, {"hub": gid(world.hub), "input": GIVRY_OFFER}, user=world.user(role))
    if expect(result, "publishOffer", role, MANAGERS):
        assert result["data"]["publishOffer"]["offer"] == {
            "title": "Consultations avancées du mardi et du vendredi",
            "kind": "ADVANCED_CONSULTATION",
            "locationKind": "HOST_SITE",
            "hostName": "Pôle de santé de Givry-en-Argonne",
            "hostCommune": {"name": "Givry-en-Argonne"},
            "timeZone": "Europe/Paris",
            "professions": [{"code": "10"}],
        }
    else:
        assert not SupportOffer.objects.exists()


@pytest.mark.django_db
def test_publish_offer_rules(gql, world):
    coordinator = world.user("coordinator")
    wrong_kind = gql.execute(
        PUBLISH,
        {"hub": gid(world.hub), "input": {**GIVRY_OFFER, "kind": "PEER_FACILITATION"}},
        user=coordinator,
    )
    assert error_codes(wrong_kind, "publishOffer") == ["INVALID"]
    no_commune = gql.execute(
        PUBLISH,
        {"hub": gid(world.hub), "input": {**GIVRY_OFFER, "hostCommuneCode": "99999"}},
        user=coordinator,
    )
    assert error_codes(no_commune, "publishOffer") == ["UNKNOWN_COMMUNE"]
    world.hub.status = "CANDIDATE"
    world.hub.save()
    candidate = gql.execute(PUBLISH, {"hub": gid(world.hub), "input": GIVRY_OFFER}, user=coordinator)
    assert error_codes(candidate, "publishOffer") == ["HUB_NOT_APPROVED"]
    assert not SupportOffer.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_create_slot_per_role(gql, world, role):
    offer = offer_for(world.hub)
    start = timezone.now() + timedelta(days=7)
    variables = {
        "offer": gid(offer),
        "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(),
    }
    result = gql.execute(CREATE_SLOT, variables, user=world.user(role))
    if expect(result, "createSlot", role, MANAGERS):
        slot = result["data"]["createSlot"]["slot"]
        assert slot["seatsLeft"] == 3 and slot["timeZone"] == "Europe/Paris"
        assert slot["localStartsAt"].endswith(("+01:00", "+02:00"))
    else:
        assert not Slot.objects.exists()


@pytest.mark.django_db
def test_a_slot_in_the_past_is_refused(gql, world):
    offer = offer_for(world.hub)
    start = timezone.now() - timedelta(days=1)
    result = gql.execute(
        CREATE_SLOT, {"offer": gid(offer), "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        user=world.user("coordinator"),
    )  # fmt: skip
    assert error_codes(result, "createSlot") == ["SLOT_IN_PAST"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_book_slot_per_role(gql, world, role):
    slot = slot_for(offer_for(world.hub))
    result = gql.execute(BOOK, {"slot": gid(slot)}, user=world.user(role))
    if expect(result, "bookSlot", role, PRACTITIONERS):
        assert result["data"]["bookSlot"]["booking"]["status"] == "CONFIRMED"
    else:
        assert not Booking.objects.exists()


@pytest.mark.django_db
def test_booking_codes_idempotency_and_waitlist_over_graphql(gql, world):
    slot = slot_for(offer_for(world.hub), capacity=1)
    first, second = world.user("practitioner"), world.user("other_coordinator")
    booked = gql.execute(BOOK, {"slot": gid(slot), "key": "k1"}, user=first)["data"]["bookSlot"]
    retried = gql.execute(BOOK, {"slot": gid(slot), "key": "k1"}, user=first)["data"]["bookSlot"]
    assert retried["booking"]["id"] == booked["booking"]["id"]
    assert error_codes(gql.execute(BOOK, {"slot": gid(slot)}, user=first), "bookSlot") == ["ALREADY_BOOKED"]
    assert error_codes(gql.execute(BOOK, {"slot": gid(slot)}, user=second), "bookSlot") == ["SLOT_FULL"]
    assert (
        gql.execute(WAIT, {"slot": gid(slot)}, user=second)["data"]["joinWaitlist"]["booking"]["status"]
        == "WAITLISTED"
    )
    # Only its owner cancels a booking; the waiting practitioner is then promoted.
    stranger = gql.execute(CANCEL_BOOKING, {"id": booked["booking"]["id"]}, user=second)
    assert error_codes(stranger, "cancelBooking") == ["NOT_FOUND"]
    mine = gql.execute(CANCEL_BOOKING, {"id": booked["booking"]["id"]}, user=first)
    assert mine["data"]["cancelBooking"]["booking"]["status"] == "CANCELLED"
    assert Booking.objects.get(slot=slot, practitioner=second.practitioner).status == BookingStatus.CONFIRMED


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_cancel_slot_per_role(gql, world, role):
    slot = slot_for(offer_for(world.hub))
    book_slot(slot, make_practitioner())
    result = gql.execute(CANCEL_SLOT, {"id": gid(slot)}, user=world.user(role))
    slot.refresh_from_db()
    if expect(result, "cancelSlot", role, MANAGERS):
        assert result["data"]["cancelSlot"]["slot"] == {
            "status": "CANCELLED",
            "cancelReason": "Médecin absent",
        }
        assert not slot.bookings.filter(status=BookingStatus.CONFIRMED).exists()
    else:
        assert (
            slot.status == SlotStatus.OPEN
            and slot.bookings.filter(status=BookingStatus.CONFIRMED).count() == 1
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_booking(gql, world, role):
    booker = make_practitioner(user=True)
    booking = book_slot(slot_for(offer_for(world.hub)), booker)
    query = "query($id: ID!) { node(id: $id) { ... on Booking { status practitioner { fullName } } } }"
    assert gql.execute(query, {"id": gid(booking)}, user=booker.user)["data"]["node"]["status"] == "CONFIRMED"
    seen = gql.execute(query, {"id": gid(booking)}, user=world.user(role))["data"]["node"]
    assert (seen is not None) == (role in {"coordinator", "cnam_staff", "admin"})


@pytest.mark.django_db
def test_my_bookings_and_slot_listing(gql, world):
    offer = offer_for(world.hub)
    slots = [slot_for(offer, capacity=1, days=d) for d in (5, 3, 4)]
    me = world.user("practitioner")
    book_slot(slots[1], me.practitioner)
    mine = gql.execute("{ myBookings(first: 10) { edges { node { status slot { id } } } } }", user=me)
    assert [e["node"]["slot"]["id"] for e in mine["data"]["myBookings"]["edges"]] == [gid(slots[1])]
    assert top_codes(gql.execute("{ myBookings(first: 10) { totalCount } }")) == ["UNAUTHENTICATED"]
    listing = gql.execute(
        "query($f: SlotFilterInput) { slots(first: 10, filter: $f) { edges { node { id seatsLeft } } } }",
        {"f": {"hubId": gid(world.hub)}},
    )
    assert [e["node"]["id"] for e in listing["data"]["slots"]["edges"]] == [
        gid(slots[1]),
        gid(slots[2]),
        gid(slots[0]),
    ]
    assert [e["node"]["seatsLeft"] for e in listing["data"]["slots"]["edges"]] == [0, 1, 1]
    available = gql.execute(
        "query($f: SlotFilterInput) { slots(first: 10, filter: $f) { totalCount } }",
        {"f": {"hubId": gid(world.hub), "onlyAvailable": True}},
    )
    assert available["data"]["slots"]["totalCount"] == 2


@pytest.mark.django_db
def test_offers_of_candidate_hubs_are_not_public(gql, world):
    offer_for(world.hub)
    candidate = make_hub(make_msp("Candidate", "89387"), status="CANDIDATE")
    offer_for(candidate)
    result = gql.execute("{ supportOffers(first: 10) { edges { node { hub { msp { name } } } } } }")
    assert [e["node"]["hub"]["msp"]["name"] for e in result["data"]["supportOffers"]["edges"]] == [
        world.msp.name
    ]


@pytest.mark.django_db
def test_listing_slots_costs_the_same_queries_for_5_and_30(gql, world):
    offer = offer_for(world.hub)
    for day in range(30):
        book_slot(slot_for(offer, days=day + 1), make_practitioner())
    query = """query($n: Int!) { slots(first: $n) { edges { node { seatsLeft localStartsAt timeZone
        offer { title hub { msp { name } } professions { code } } } } } }"""

    def count(n):
        with CaptureQueriesContext(connection) as ctx:
            result = gql.execute(query, {"n": n})
        assert len(result["data"]["slots"]["edges"]) == n
        return len(ctx.captured_queries)

    assert count(5) == count(30)


@pytest.mark.django_db(transaction=True)
async def test_slot_updated_streams_seats_left(territories):
    from tests.helpers import ready_socket, settle, subscribe

    hub = await database_sync_to_async(lambda: make_hub(make_msp("MSP (ws)", "51504")))()
    offer = await database_sync_to_async(offer_for)(hub)
    slot = await database_sync_to_async(slot_for)(offer, 2)
    booker = await database_sync_to_async(make_practitioner)()
    communicator = await ready_socket()
    await subscribe(
        communicator,
        "s",
        "subscription($h: ID!) { slotUpdated(hubId: $h) { id seatsLeft status } }",
        {"h": gid(hub)},
    )
    await settle()
    await database_sync_to_async(book_slot)(slot, booker)
    message = await communicator.receive_json_from(3)
    assert message["payload"]["data"]["slotUpdated"] == {"id": gid(slot), "seatsLeft": 1, "status": "OPEN"}
    await communicator.disconnect()
