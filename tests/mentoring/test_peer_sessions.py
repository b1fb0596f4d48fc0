"""Peer facilitation sessions in the Project ECHO way (issue 16): an agenda, anonymised cases submitted before,
attendance and materials after, read by the offer's participants."""

from datetime import date

import pytest

from mentoring.models import PeerCase, SessionMaterial
from mentoring.services import booking as booking_service
from mentoring.services import rota
from network.models import Membership, MembershipRole, OfferKind
from tests.factories import ROLES, make_practitioner
from tests.helpers import ERRORS, error_codes, gid, offer_for, slot_for, top_codes
from tests.mentoring.test_scheduling import started

pytestmark = pytest.mark.django_db

AGENDA = f"""mutation($s: ID!) {{ setSessionAgenda(slotId: $s, agenda: "1. Tour de table 2. Cas") {{
    slot {{ agenda }} {ERRORS} }} }}"""
CASE = f"""mutation($s: ID!, $body: String!) {{ submitPeerCase(slotId: $s, title: "Patiente diabétique", body: $body) {{
    case {{ title author {{ lastName }} }} {ERRORS} }} }}"""
MATERIAL = f"""mutation($s: ID!) {{ addSessionMaterial(slotId: $s, title: "Diaporama",
    url: "https://docs.example.fr/echo-3.pdf") {{ material {{ title url }} {ERRORS} }} }}"""
SESSION = (
    """query($id: ID!) { node(id: $id) { ... on Slot { agenda cases { title } materials { title } } } }"""
)
ANONYMOUS_CASE = "Femme de 67 ans, diabète de type 2 déséquilibré malgré trois traitements."


@pytest.fixture
def session(world):
    """A peer session of the world's hub, facilitated by one of its members, with one participant."""
    world.hub.offer_kinds = [*world.hub.offer_kinds, OfferKind.PEER_FACILITATION]
    world.hub.save()
    facilitator = make_practitioner(user=True)
    Membership.objects.create(
        msp=world.msp, practitioner=facilitator, role=MembershipRole.ASSOCIATE, start_date=date(2020, 1, 1)
    )
    offer = offer_for(world.hub, kind=OfferKind.PEER_FACILITATION, title="Groupe ECHO diabète")
    slot = slot_for(offer, capacity=10)
    rota.assign_staff(slot, [facilitator])
    booking_service.book_slot(slot, world.user("practitioner").practitioner)
    slot.facilitator = facilitator
    return slot


@pytest.mark.parametrize("role", [*ROLES, "facilitator"])
def test_who_sets_the_agenda(gql, world, session, role):
    user = session.facilitator.user if role == "facilitator" else world.user(role)
    result = gql.execute(AGENDA, {"s": gid(session)}, user=user)
    session.refresh_from_db()
    if role in ("facilitator", "coordinator", "admin"):
        assert result["data"]["setSessionAgenda"]["slot"] == {"agenda": "1. Tour de table 2. Cas"}
    else:
        codes = top_codes(result) or error_codes(result, "setSessionAgenda")
        assert codes == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"] and session.agenda == ""


@pytest.mark.parametrize("role", ROLES)
def test_only_a_participant_submits_a_case_and_only_the_session_reads_it(gql, world, session, role):
    result = gql.execute(CASE, {"s": gid(session), "body": ANONYMOUS_CASE}, user=world.user(role))
    if role == "practitioner":  # booked on the session
        assert result["data"]["submitPeerCase"]["case"]["title"] == "Patiente diabétique"
    elif role in ("coordinator", "other_coordinator"):  # practitioners, not booked on it
        assert error_codes(result, "submitPeerCase") == ["INVALID"]
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
    PeerCase.objects.get_or_create(
        slot=session, author=world.user("practitioner").practitioner, title="Patiente diabétique",
        defaults={"body": ANONYMOUS_CASE},
    )  # fmt: skip
    seen = gql.execute(SESSION, {"id": gid(session)}, user=world.user(role))["data"]["node"]
    readers = {"practitioner", "coordinator", "admin"}
    assert [c["title"] for c in seen["cases"]] == (["Patiente diabétique"] if role in readers else [])


@pytest.mark.parametrize(
    "body, what",
    [
        ("Mme D., NIR 2 67 05 51 108 042 17, diabétique.", "numéro de sécurité sociale"),
        ("Patiente joignable au 06 12 34 56 78.", "numéro de téléphone"),
        ("Écrire à patiente.dupont@example.fr", "adresse e-mail"),
    ],
)
def test_a_case_that_gives_the_patient_away_is_refused(gql, world, session, body, what):
    result = gql.execute(CASE, {"s": gid(session), "body": body}, user=world.user("practitioner"))
    (error,) = result["data"]["submitPeerCase"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "body") and what in error["message"]
    assert not PeerCase.objects.exists()


def test_cases_before_materials_after_and_past_materials_for_the_offers_participants(gql, world, session):
    facilitator = session.facilitator.user
    early = gql.execute(MATERIAL, {"s": gid(session)}, user=facilitator)
    assert error_codes(early, "addSessionMaterial") == ["NOT_YET_STARTED"]
    started(session)
    late_case = gql.execute(
        CASE, {"s": gid(session), "body": ANONYMOUS_CASE}, user=world.user("practitioner")
    )
    assert error_codes(late_case, "submitPeerCase") == ["SLOT_STARTED"]
    attended = gql.execute(
        f"""mutation($b: ID!) {{ markAttendance(bookingId: $b, attendance: ATTENDED) {{ {ERRORS} }} }}""",
        {"b": gid(session.bookings.get(practitioner=world.user("practitioner").practitioner))},
        user=facilitator,
    )
    assert attended["data"]["markAttendance"]["errors"] == []
    added = gql.execute(MATERIAL, {"s": gid(session)}, user=facilitator)["data"]["addSessionMaterial"]
    assert added["material"] == {"title": "Diaporama", "url": "https://docs.example.fr/echo-3.pdf"}
    # A participant of the offer's next session reads this past session's materials; a stranger does not.
    newcomer = make_practitioner(user=True)
    booking_service.book_slot(slot_for(session.offer, days=10), newcomer)
    readers = gql.execute(SESSION, {"id": gid(session)}, user=newcomer.user)["data"]["node"]
    assert [m["title"] for m in readers["materials"]] == ["Diaporama"]
    stranger = gql.execute(SESSION, {"id": gid(session)}, user=world.user("other_coordinator"))["data"][
        "node"
    ]
    assert stranger["materials"] == [] and SessionMaterial.objects.count() == 1


def test_agenda_cases_and_materials_are_for_peer_sessions_only(gql, world):
    slot = slot_for(offer_for(world.hub))
    result = gql.execute(AGENDA, {"s": gid(slot)}, user=world.user("coordinator"))
    assert error_codes(result, "setSessionAgenda") == ["INVALID"]


def test_a_participant_submits_three_cases_at_most(gql, world, session):
    for n in range(3):
        done = gql.execute(
            CASE, {"s": gid(session), "body": f"Cas {n}. {ANONYMOUS_CASE}"}, user=world.user("practitioner")
        )
        assert done["data"]["submitPeerCase"]["errors"] == []
    fourth = gql.execute(CASE, {"s": gid(session), "body": ANONYMOUS_CASE}, user=world.user("practitioner"))
    assert error_codes(fourth, "submitPeerCase") == ["INVALID"] and PeerCase.objects.count() == 3
