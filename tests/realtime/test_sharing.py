"""One live event resolved once per kind of viewer (backend/realtime/sharing.py), never shown to the wrong one.

Subscribers of a process with the same document are resolved in one batch: the result of a resolution
serves every subscriber whose viewer answers the facts it consulted the same way; a result that read the
viewer's identity, or recorded a staff read, is theirs alone.
"""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser, Group

from backend.accounts.services import issue_token, revoke_token
from backend.realtime import sharing
from mentoring.models import Booking, BookingRole, BookingStatus
from mentoring.services.booking import book_slot
from network.models import ContactAccess
from network.permissions import CNAM_STAFF_GROUP, FactRecorder, NetworkPermission, Viewer
from tests.factories import make_coordinator, make_hub, make_msp, make_practitioner, make_user
from tests.helpers import TIMEOUT, expect_close, gid, offer_for, ready_socket, settle, slot_for, subscribe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("disconnect_sockets")]

SLOTS = "subscription($h: ID!) { slotUpdated(hubId: $h) { id seatsLeft status staff { fullName email } } }"


def _scene():
    msp = make_msp(commune="51504")
    hub = make_hub(msp)
    slot = slot_for(offer_for(hub), capacity=5)
    doctor = make_practitioner(user=True)  # staffing the slot (a rota turn)
    Booking.objects.create(
        slot=slot,
        practitioner=doctor,
        role=BookingRole.STAFF,
        status=BookingStatus.CONFIRMED,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        turn_response="ACCEPTED",
    )
    practitioners = [make_practitioner(user=True) for _ in range(5)]
    staff = [make_user(), make_user()]
    group = Group.objects.get(name=CNAM_STAFF_GROUP)
    for user in staff:
        user.groups.add(group)
    coordinator = make_coordinator(msp)
    tokens = {
        "doctor": issue_token(doctor.user).token,
        "coordinator": issue_token(coordinator.user).token,
        **{f"practitioner{i}": issue_token(p.user).token for i, p in enumerate(practitioners)},
        **{f"staff{i}": issue_token(u).token for i, u in enumerate(staff)},
    }
    return hub, slot, doctor, tokens


def _counting(monkeypatch):
    calls = []
    real = sharing._resolve

    def counted(*args):
        calls.append(args[-1])  # the principal
        return real(*args)

    monkeypatch.setattr(sharing, "_resolve", counted)
    return calls


async def test_an_event_is_resolved_once_per_kind_of_viewer_and_each_sees_what_they_may(
    territories, monkeypatch
):
    hub, slot, doctor, tokens = await database_sync_to_async(_scene)()
    sockets = {"anonymous": await ready_socket()}
    for name, token in tokens.items():
        sockets[name] = await ready_socket(token)
    for socket in sockets.values():
        await subscribe(socket, "s", SLOTS, {"h": gid(hub)})
    await settle()
    calls = _counting(monkeypatch)

    await database_sync_to_async(book_slot)(slot, await database_sync_to_async(make_practitioner)())
    seen = {
        name: (await socket.receive_json_from(TIMEOUT))["payload"]["data"]["slotUpdated"]
        for name, socket in sockets.items()
    }
    assert {s["seatsLeft"] for s in seen.values()} == {4}
    emails = {name: s["staff"][0]["email"] for name, s in seen.items()}
    # The doctor sees their own address, Cnam staff see it (each read recorded), no one else does.
    assert emails["doctor"] == doctor.email
    assert emails["staff0"] == emails["staff1"] == doctor.email
    assert all(emails[name] is None for name in emails if name not in {"doctor", "staff0", "staff1"})
    readers = await database_sync_to_async(
        lambda: sorted(
            ContactAccess.objects.filter(practitioner=doctor).values_list("viewer_email", flat=True)
        )
    )()
    assert len(readers) == 2  # one recorded read per staff member, though their results look alike
    # Ten subscribers, resolved far fewer times: the anonymous and the five practitioners share one
    # resolution; the doctor (their own contact), the coordinator and each staff member (a recorded read)
    # are resolved on their own.
    assert len(calls) < len(sockets) and len(calls) <= 5, calls
    for socket in sockets.values():
        await socket.disconnect()


async def test_a_revoked_token_in_a_batch_closes_that_socket_only(territories):
    hub, slot, _, tokens = await database_sync_to_async(_scene)()
    kept, revoked = await ready_socket(tokens["practitioner0"]), await ready_socket(tokens["practitioner1"])
    for socket in (kept, revoked):
        await subscribe(socket, "s", SLOTS, {"h": gid(hub)})
    await settle()
    from backend.accounts.services import user_for_token

    user = await database_sync_to_async(user_for_token)(tokens["practitioner1"])
    await database_sync_to_async(revoke_token)(user, tokens["practitioner1"])
    await database_sync_to_async(book_slot)(slot, await database_sync_to_async(make_practitioner)())
    assert (await kept.receive_json_from(TIMEOUT))["payload"]["data"]["slotUpdated"]["seatsLeft"] == 4
    await expect_close(revoked, 4403)
    await kept.disconnect()


def test_the_recorder_notes_facts_and_identity(territories, db):
    msp = make_msp(commune="51504")
    coordinator = make_coordinator(msp)
    plain = make_practitioner(user=True)
    viewer = Viewer(plain.user)
    viewer.recorder = recorder = FactRecorder()
    assert viewer.can_approve_hubs() is False and viewer.coordinates(msp.pk) is False
    viewer.recorder = None
    # Outermost facts only: can_approve_hubs() asked has_perm() inside, which is not noted on its own.
    assert set(recorder.facts) == {("can_approve_hubs", ()), ("coordinates", (msp.pk,))}
    assert recorder.matches(Viewer(AnonymousUser()))
    assert recorder.matches(Viewer(make_practitioner(user=True).user))
    assert not recorder.matches(Viewer(coordinator.user))  # coordinates that MSP
    staff = make_user()
    staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    assert not recorder.matches(Viewer(staff))  # may approve hubs
    # Reading who the viewer is makes the result theirs alone.
    for personal in (lambda v: v.practitioner, lambda v: v.user):
        viewer.recorder = recorder = FactRecorder()
        personal(viewer)
        viewer.recorder = None
        assert recorder.personal and not recorder.matches(Viewer(plain.user))
    # Facts loaded in bulk answer as the queries do.
    from network.permissions import viewer_facts

    users = [plain.user, coordinator.user, staff]
    facts = viewer_facts(users)
    for user in users:
        bulk, lazy = Viewer(user, facts[user.pk]), Viewer(user)
        for permission in NetworkPermission:
            assert bulk.has_perm(permission) == lazy.has_perm(permission)
        assert bulk.coordinated_msp_ids == lazy.coordinated_msp_ids
        assert bulk.verified_coordinated_msp_ids == lazy.verified_coordinated_msp_ids
        assert bulk.practitioner == lazy.practitioner


SEATS = "subscription($h: ID!) { slotUpdated(hubId: $h) { id seatsLeft } }"


async def test_coordinators_of_other_msps_share_a_public_slots_resolution_not_a_private_one(
    territories, monkeypatch
):
    def scene():
        msp = make_msp(commune="51504")
        hub = make_hub(msp)
        public, private = (
            slot_for(offer_for(hub), capacity=5),
            slot_for(offer_for(hub, is_active=False), capacity=5),
        )
        others = [make_coordinator(make_msp(commune="51504")) for _ in range(3)]
        plain = [make_practitioner(user=True) for _ in range(3)]
        own = make_coordinator(msp)
        return (
            hub,
            public,
            private,
            [issue_token(p.user).token for p in [*others, *plain]],
            issue_token(own.user).token,
        )

    hub, public, private, tokens, own_token = await database_sync_to_async(scene)()
    sockets = [await ready_socket(token) for token in tokens]
    own = await ready_socket(own_token)
    for socket in [*sockets, own]:
        await subscribe(socket, "s", SEATS, {"h": gid(hub)})
    await settle()
    calls = _counting(monkeypatch)
    await database_sync_to_async(book_slot)(public, await database_sync_to_async(make_practitioner)())
    for socket in [*sockets, own]:
        assert (await socket.receive_json_from(TIMEOUT))["payload"]["data"]["slotUpdated"]["seatsLeft"] == 4
    assert (
        len(calls) == 1
    )  # a public slot: three coordinators of other MSPs, three practitioners and the hub's own
    # A slot of an inactive offer: only the hub's coordinator sees it change.
    calls.clear()

    def change_private():
        from django.db import transaction

        from mentoring.services.booking import announce_slot_change

        with transaction.atomic():
            announce_slot_change(private)

    await database_sync_to_async(change_private)()
    assert (await own.receive_json_from(TIMEOUT))["payload"]["data"]["slotUpdated"]["id"] == gid(private)
    for socket in sockets:
        assert await socket.receive_nothing(0.3)
    for socket in [*sockets, own]:
        await socket.disconnect()


async def test_a_public_hubs_event_is_shared_by_coordinators_of_other_msps(territories, monkeypatch):
    from network.services import hubs
    from tests.helpers import HUB_UPDATED

    def scene():
        msp = make_msp(commune="51504")
        hub = make_hub(msp)
        others = [make_coordinator(make_msp(commune="51504")) for _ in range(3)]
        own = make_coordinator(msp)
        return hub, msp, [issue_token(p.user).token for p in others], issue_token(own.user).token

    hub, msp, tokens, own_token = await database_sync_to_async(scene)()
    sockets = [await ready_socket(token) for token in [*tokens, own_token]]
    for socket in sockets:
        await subscribe(socket, "h", HUB_UPDATED, {"id": gid(hub)})
    await settle()
    calls = _counting(monkeypatch)
    await database_sync_to_async(hubs.apply_for_hub)(msp, hubs.HubApplication(31, 10, ["COORDINATION_TIME"]))
    for socket in sockets:
        assert (await socket.receive_json_from(TIMEOUT))["payload"]["data"]["hubUpdated"][
            "serviceRadiusKm"
        ] == 31
    assert len(calls) == 1
    for socket in sockets:
        await socket.disconnect()
