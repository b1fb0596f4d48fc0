"""Advanced-consultation rota: turns among the hub's doctors, swaps, and the database refusing double commitments."""

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from graphql_relay import to_global_id

from mentoring.models import Booking, BookingRole, BookingStatus
from mentoring.services.booking import book_slot
from mentoring.services.rota import assign_rota, assign_staff, swap_turns
from mentoring.services.series import create_series
from network.models import MembershipRole
from tests.factories import ROLES, make_practitioner
from tests.helpers import expect, offer_for, slot_for

pytestmark = pytest.mark.django_db


def doctors_of(msp):
    return [
        m.practitioner
        for m in msp.memberships.filter(role=MembershipRole.ASSOCIATE, practitioner__profession_id="10")
    ]


def staff_names(slot):
    return [
        b.practitioner for b in slot.bookings.filter(role=BookingRole.STAFF, status=BookingStatus.CONFIRMED)
    ]


def test_eight_doctors_take_turns_every_tuesday_and_friday(world):
    from tests.factories import make_msp

    msp = make_msp("MSP de Saint-Martin-sur-le-Pré (rota)", "51504", team=(("10", 8), ("60", 3)))
    from tests.factories import make_hub

    hub = make_hub(msp)
    series = create_series(
        offer_for(hub), "FREQ=WEEKLY;BYDAY=TU,FR", date(2027, 1, 4), date(2027, 2, 28), time(9), 180, 6
    )
    doctors = doctors_of(msp)
    slots = list(series.slots.order_by("starts_at"))
    assign_rota(slots, doctors)
    assert [staff_names(s)[0] for s in slots[:10]] == doctors + doctors[:2]
    assert slots[0].starts_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%a %H:%M") == "Tue 09:00"


def test_the_database_refuses_a_person_staffed_on_two_overlapping_slots(world):
    offer = offer_for(world.hub)
    doctor = doctors_of(world.msp)[0]
    first, overlapping = slot_for(offer), slot_for(offer, days=3)
    assign_staff(first, [doctor])
    with pytest.raises(ValidationError) as refused:
        assign_staff(overlapping, [doctor])
    assert refused.value.error_dict["practitioner_ids"][0].code == "STAFF_UNAVAILABLE"
    with pytest.raises(IntegrityError), transaction.atomic():  # not only the service: the database itself
        Booking.objects.create(
            slot=overlapping, practitioner=doctor, role=BookingRole.STAFF, status=BookingStatus.CONFIRMED,
            starts_at=overlapping.starts_at, ends_at=overlapping.ends_at, turn_response="PENDING",
        )  # fmt: skip


def test_nor_staffed_while_booked_elsewhere_and_the_reverse(world):
    offer = offer_for(world.hub)
    doctor = doctors_of(world.msp)[0]
    seat, turn = slot_for(offer), slot_for(offer, days=3)
    book_slot(seat, doctor)
    with pytest.raises(ValidationError) as staffed_while_booked:
        assign_staff(turn, [doctor])
    assert staffed_while_booked.value.error_dict["practitioner_ids"][0].code == "STAFF_UNAVAILABLE"
    other = doctors_of(world.msp)[1]
    assign_staff(turn, [other])
    with pytest.raises(ValidationError) as booked_while_staffed:
        book_slot(slot_for(offer, days=3), other)
    assert booked_while_staffed.value.error_list[0].code == "OVERLAPPING_BOOKING"


def test_staff_do_not_take_seats_and_must_be_members(world):
    slot = slot_for(offer_for(world.hub), capacity=1)
    assign_staff(slot, [doctors_of(world.msp)[0]])
    assert (
        book_slot(slot, make_practitioner()).status == BookingStatus.CONFIRMED
    )  # the one seat is still free
    with pytest.raises(ValidationError) as outsider:
        assign_staff(slot, [make_practitioner()])
    assert outsider.value.error_dict["practitioner_ids"][0].code == "NOT_A_MEMBER"


def test_swapping_turns_is_one_step(world):
    offer = offer_for(world.hub)
    a, b = doctors_of(world.msp)[:2]
    tuesday, friday = slot_for(offer, days=3), slot_for(offer, days=6)
    assign_staff(tuesday, [a])
    assign_staff(friday, [b])
    swap_turns(tuesday, friday)
    assert (staff_names(tuesday), staff_names(friday)) == ([b], [a])


def test_a_failed_swap_changes_nothing(world):
    offer = offer_for(world.hub)
    a, b = doctors_of(world.msp)[:2]
    tuesday, friday = slot_for(offer, days=3), slot_for(offer, days=6)
    assign_staff(tuesday, [a])
    assign_staff(friday, [b])
    book_slot(slot_for(offer, days=6), a)  # a is booked at Friday's time: cannot take Friday's turn
    with pytest.raises(ValidationError):
        swap_turns(tuesday, friday)
    assert (staff_names(tuesday), staff_names(friday)) == ([a], [b])


ASSIGN = "mutation($s: ID!, $p: [ID!]!) { assignSlotStaff(slotId: $s, practitionerIds: $p) { slot { staff { id } } errors { code } } }"
SWAP = "mutation($a: ID!, $b: ID!) { swapRotaTurn(slotId: $a, otherSlotId: $b) { slots { staff { id } } errors { code } } }"


@pytest.mark.parametrize("role", ROLES)
def test_assign_and_swap_per_role(gql, world, role):
    offer = offer_for(world.hub)
    a, b = doctors_of(world.msp)[:2]
    tuesday, friday = slot_for(offer, days=3), slot_for(offer, days=6)
    assign_staff(friday, [b])
    gid = lambda o: to_global_id(type(o).__name__, o.pk)  # noqa: E731
    result = gql.execute(ASSIGN, {"s": gid(tuesday), "p": [gid(a)]}, user=world.user(role))
    if expect(result, "assignSlotStaff", role, {"coordinator", "admin"}):
        assert result["data"]["assignSlotStaff"]["slot"]["staff"] == [{"id": gid(a)}]
        swapped = gql.execute(SWAP, {"a": gid(tuesday), "b": gid(friday)}, user=world.user(role))
        assert [s["staff"] for s in swapped["data"]["swapRotaTurn"]["slots"]] == [
            [{"id": gid(b)}],
            [{"id": gid(a)}],
        ]
    else:
        assert staff_names(tuesday) == []
        refused = gql.execute(SWAP, {"a": gid(tuesday), "b": gid(friday)}, user=world.user(role))
        assert refused["data"]["swapRotaTurn"] is None
        assert staff_names(friday) == [b]


def test_my_slots_lists_my_turns(gql, world):
    doctor = doctors_of(world.msp)[0]
    from django.contrib.auth import get_user_model

    doctor.user = get_user_model().objects.create_user(email="docteur@test.invalid", password="x" * 12)
    doctor.save()
    slot = slot_for(offer_for(world.hub), days=4)
    assign_staff(slot, [doctor])
    result = gql.execute(
        "{ mySlots(first: 5) { edges { node { id } } } myBookings(first: 5) { totalCount } }",
        user=doctor.user,
    )
    assert [e["node"]["id"] for e in result["data"]["mySlots"]["edges"]] == [to_global_id("Slot", slot.pk)]
    assert result["data"]["myBookings"]["totalCount"] == 0
