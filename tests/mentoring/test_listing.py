"""Slots by place (commune, near), constant query counts for request lists, and `myBookingEvents` live."""

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentoring.models import LocationKind, MentoringTopic, SupportOffer
from mentoring.services import requests as request_service
from mentoring.services.booking import book_slot, cancel_booking
from mentoring.services.series import SeriesScope, update_occurrences
from network.models import MspSite, OfferKind
from tests.factories import make_hub, make_msp, make_practitioner
from tests.helpers import gid, offer_for, slot_for

pytestmark = pytest.mark.django_db

SLOTS = (
    """query($f: SlotFilterInput) { slots(first: 20, filter: $f) { edges { node { offer { title } } } } }"""
)


def titles(gql, **filters):
    result = gql.execute(SLOTS, {"f": filters})
    if "errors" in result:
        return result["errors"][0]["extensions"]["code"]
    return sorted(e["node"]["offer"]["title"] for e in result["data"]["slots"]["edges"])


@pytest.fixture
def places(world):
    """Slots at Givry-en-Argonne (host site), at the hub's site in Saint-Martin, in Sens, and by video."""
    sens = make_hub(make_msp("MSP de Sens (lieux)", "89387"))
    offers = [
        offer_for(world.hub, title="Givry", location_kind=LocationKind.HOST_SITE, host_commune_id="51272"),
        SupportOffer.objects.create(
            hub=world.hub, kind=OfferKind.ADVANCED_CONSULTATION, title="Saint-Martin",
            location_kind=LocationKind.HUB_SITE, site=MspSite.objects.get(msp=world.msp, is_main=True),
        ),
        SupportOffer.objects.create(
            hub=sens, kind=OfferKind.ADVANCED_CONSULTATION, title="Sens",
            location_kind=LocationKind.HUB_SITE, site=MspSite.objects.get(msp=sens.msp),
        ),
        offer_for(world.hub, title="Visio"),
    ]  # fmt: skip
    for offer in offers:
        slot_for(offer)
    return offers


def test_slots_in_a_commune_or_near_one(gql, places):
    assert titles(gql, communeCode="51272") == ["Givry"]
    assert titles(gql, communeCode="51504", includeRemote=True) == ["Saint-Martin", "Visio"]
    chalons = {"communeCode": "51108"}  # 3 km from Saint-Martin
    assert titles(gql, near=chalons, radiusKm=10) == ["Saint-Martin"]
    assert titles(gql, near=chalons, radiusKm=50) == ["Givry", "Saint-Martin"]
    assert titles(gql, near={"communeCode": "89338"}) == ["Sens"]  # Saint-Clément, next to Sens
    # The same point as for nearbyHubs: coordinates too, and a radius in km that need not be whole.
    assert titles(gql, near={"latitude": 48.9650, "longitude": 4.3600}, radiusKm=3.5) == ["Saint-Martin"]
    assert titles(gql, near={"latitude": 48.9650, "longitude": 4.3600}, radiusKm=2.5) == []
    assert titles(gql, near=chalons, radiusKm=500) == "BAD_USER_INPUT"
    assert titles(gql, near={"communeCode": "51108", "latitude": 48.9, "longitude": 4.3}) == "BAD_USER_INPUT"
    assert titles(gql, communeCode="99999") == "BAD_USER_INPUT"


def test_listing_requests_costs_the_same_queries_for_3_and_12(gql, world):
    coordinator = world.user("coordinator")

    def add(count):
        for _ in range(count):
            requester = make_practitioner("10", "51108")
            request = request_service.submit_request(
                requester,
                request_service.RequestData([MentoringTopic.PREMISES], "Nous cherchons des locaux.", "51108"),
            )
            request_service.send_request(request, world.hub)

    query = """query($h: ID!) { mentoringRequests(hubId: $h, first: 50) { edges { node { status isPriority
        requester { fullName profession { label } } commune { name } hub { msp { name } }
        events { kind hub { id } } } } } }"""

    def count():
        with CaptureQueriesContext(connection) as ctx:
            result = gql.execute(query, {"h": gid(world.hub)}, user=coordinator)
        assert "errors" not in result, result["errors"]
        return len(ctx.captured_queries), len(result["data"]["mentoringRequests"]["edges"])

    add(3)
    few, listed = count()
    assert listed == 3
    add(9)
    many, listed = count()
    assert (listed, many) == (12, few)


BOOKING_EVENTS = "subscription { myBookingEvents { kind booking { status slot { id localStartsAt } } } }"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("disconnect_sockets")
async def test_my_booking_events_tell_the_practitioner_and_nobody_else(territories):
    from datetime import time

    from backend.accounts.services import issue_token
    from tests.helpers import TIMEOUT, ready_socket, settle, subscribe

    def setup():
        offer = offer_for(make_hub(make_msp("MSP (ws)", "51504")))
        slot = slot_for(offer, capacity=1)
        first, second = make_practitioner(user=True), make_practitioner(user=True)
        return slot, first, second, issue_token(first.user).token, issue_token(second.user).token

    slot, first, second, first_token, second_token = await database_sync_to_async(setup)()
    mine, theirs = await ready_socket(first_token), await ready_socket(second_token)
    await subscribe(mine, "b", BOOKING_EVENTS)
    await subscribe(theirs, "b", BOOKING_EVENTS)
    await settle()

    booking = await database_sync_to_async(book_slot)(slot, first)
    await database_sync_to_async(book_slot)(slot, second, waitlist=True)
    received = (await mine.receive_json_from(TIMEOUT))["payload"]["data"]["myBookingEvents"]
    assert received["kind"] == "CONFIRMED" and received["booking"]["slot"]["id"] == gid(slot)
    assert (await theirs.receive_json_from(TIMEOUT))["payload"]["data"]["myBookingEvents"][
        "kind"
    ] == "WAITLISTED"

    await database_sync_to_async(cancel_booking)(booking, "Empêchement")
    assert (await mine.receive_json_from(TIMEOUT))["payload"]["data"]["myBookingEvents"][
        "kind"
    ] == "CANCELLED"
    promoted = (await theirs.receive_json_from(TIMEOUT))["payload"]["data"]["myBookingEvents"]
    assert (promoted["kind"], promoted["booking"]["status"]) == ("PROMOTED", "CONFIRMED")

    await database_sync_to_async(update_occurrences)(slot, SeriesScope.ONE, start_time=time(6, 30))
    moved = (await theirs.receive_json_from(TIMEOUT))["payload"]["data"]["myBookingEvents"]
    assert moved["kind"] == "SLOT_MOVED" and moved["booking"]["slot"]["localStartsAt"][11:16] == "06:30"
    assert await mine.receive_nothing(0.3)
