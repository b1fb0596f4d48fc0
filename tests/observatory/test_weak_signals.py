"""Weak signals (issue 15, measure 5): each kind found on a small fixture with hand-computed dates, the
signals' life (opened, kept, closed by themselves or by hand, reopened), and the API per role."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mentoring.accelerator.models import AcceleratorRequest, SlaStatus
from mentoring.models import (
    CoordinationSession,
    MentoringRequest,
    Mentorship,
    RequestStatus,
)
from network.models import HubStatus, Membership, MspStatus
from observatory.models import SignalAction, SignalKind, SignalStatus, WeakSignal
from observatory.services import detection, weak_signals
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.factories import ROLES, make_hub, make_msp, make_practitioner
from tests.helpers import ERRORS, at, error_codes, gid, submit_at, top_codes

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 26, 10)  # a Thursday
TODAY = date(2026, 11, 26)


def kinds(findings):
    return sorted((f.kind, f.msp_id) for f in findings)


def leave(msp, profession, on):
    """The first current associate of `profession` leaves the MSP on `on`."""
    membership = Membership.objects.filter(
        msp=msp, practitioner__profession_id=profession, end_date__isnull=True
    ).first()
    membership.end_date = on
    membership.save()
    return membership


def test_composition_grace_period_ending_within_90_days_or_ended(world):
    soon = make_msp("MSP grâce bientôt échue", commune="51272", team=(("10", 2), ("60", 2)))
    leave(soon, "10", date(2024, 1, 15))  # below since 15/01/2024: the grace ends on 15/01/2027, in 50 days
    ended = make_msp("MSP grâce échue", commune="51272", team=(("10", 2), ("60", 2)))
    leave(ended, "10", date(2023, 6, 1))  # ended on 01/06/2026
    later = make_msp("MSP grâce lointaine", commune="51272", team=(("10", 2), ("60", 2)))
    leave(later, "10", date(2025, 3, 1))  # ends in 2028: no signal yet

    found = {f.msp_id: f for f in detection._composition(TODAY)}
    assert set(found) == {soon.pk, ended.pk}
    assert found[soon.pk].started_at.date() == date(2027, 1, 15) - timedelta(days=90)  # 17/10/2026
    assert "prend fin le 15/01/2027" in found[soon.pk].reason
    assert "(1 médecin et 2 auxiliaires médicaux associés)" in found[soon.pk].reason
    assert "a pris fin le 01/06/2026" in found[ended.pk].reason


def test_below_the_minimum_without_a_grace_period(world):
    never = make_msp("MSP jamais au minimum", commune="51272", team=(("10", 1), ("60", 2)))
    fell = make_msp("MSP tombée sans grâce", commune="51272", team=(("10", 2), ("60", 1)))
    leave(fell, "10", date(2026, 9, 1))  # 1 doctor and 1 nurse: below, and too few for a grace period
    found = {f.msp_id: f for f in detection._composition(TODAY)}
    assert found[never.pk].kind == SignalKind.COMPOSITION_BELOW_MINIMUM
    assert found[never.pk].reason == (
        "La MSP n'a jamais atteint la composition minimale (1 médecin et 2 auxiliaires médicaux associés)."
    )
    assert found[fell.pk].kind == SignalKind.COMPOSITION_BELOW_MINIMUM
    assert found[fell.pk].reason.startswith("Composition en dessous du minimum depuis le 01/09/2026")
    assert found[fell.pk].started_at.date() == date(2026, 9, 1)


def test_departures_announced_that_would_take_it_below_within_six_months(world):
    msp = make_msp("MSP aux départs annoncés", commune="51272", team=(("10", 2), ("60", 1)))
    leave(msp, "10", date(2027, 3, 31))  # announced: in four months it would have one doctor left
    far = make_msp("MSP au départ lointain", commune="51272", team=(("10", 2), ("60", 1)))
    leave(far, "10", date(2027, 9, 30))  # in ten months: not yet
    enough = make_msp("MSP qui reste au minimum", commune="51272", team=(("10", 3), ("60", 1)))
    leave(enough, "10", date(2027, 1, 31))  # two doctors remain
    found = detection._composition(TODAY)
    assert kinds(found) == [(SignalKind.DEPARTURES_ANNOUNCED, msp.pk)]
    assert found[0].reason == (
        "1 départ d'associé annoncé : le 31/03/2027, la MSP n'aurait plus que 1 médecin et 1 auxiliaire médical "
        "associés, en dessous du minimum."
    )
    assert "recruter avant le 31/03/2027" in found[0].action_prefix


def test_an_approved_hub_below_the_rule_is_followed_then_proposed_for_suspension(world):
    grace = make_msp("Tête de pont en délai de grâce", commune="51272", team=(("10", 2), ("60", 2)))
    leave(grace, "10", date(2026, 6, 1))
    grace_hub = make_hub(grace)
    over = make_msp("Tête de pont hors délai", commune="51272", team=(("10", 2), ("60", 2)))
    leave(over, "10", date(2023, 6, 1))  # grace over on 01/06/2026
    over_hub = make_hub(over)
    found = [f for f in detection._composition(TODAY) if f.kind == SignalKind.HUB_BELOW_COMPOSITION]
    by_hub = {f.hub_id: f for f in found}
    assert set(by_hub) == {grace_hub.pk, over_hub.pk}
    assert "délai de grâce court jusqu'au 01/06/2029" in by_hub[grace_hub.pk].reason
    assert "au terme du délai de grâce, le 01/06/2029, proposer la suspension" in by_hub[grace_hub.pk].action
    assert by_hub[over_hub.pk].action == "Proposer à la Cnam la suspension de la désignation de tête de pont."
    assert "délai de grâce échu le 01/06/2026" in by_hub[over_hub.pk].reason
    # Through the scan, each is a signal of its region, with the hub named.
    weak_signals.refresh(NOW)
    signal = WeakSignal.objects.get(kind=SignalKind.HUB_BELOW_COMPOSITION, hub=over_hub)
    assert signal.region_id == "44" and signal.status == SignalStatus.OPEN


def test_an_msp_that_lost_its_only_doctor_or_a_third_of_its_members(world):
    lone = make_msp("MSP au seul médecin", commune="51272", team=(("10", 1), ("60", 3)))
    leave(lone, "10", date(2026, 9, 1))
    shrinking = make_msp("MSP qui se vide", commune="51272", team=(("10", 3), ("60", 3)))
    leave(shrinking, "60", date(2026, 7, 1))
    leave(shrinking, "60", date(2026, 10, 5))  # 2 of the 6 members on 26/05/2026: a third, reached 05/10
    steady = make_msp("MSP stable", commune="51272", team=(("10", 3), ("60", 3)))
    leave(steady, "60", date(2026, 8, 1))  # 1 of 6: not a third
    old = make_msp("MSP départ ancien", commune="51272", team=(("10", 1), ("60", 2)))
    leave(old, "10", date(2026, 4, 1))  # before the 6 months (26/05/2026)

    found = {f.msp_id: f for f in detection._members_lost(TODAY)}
    assert set(found) == {lone.pk, shrinking.pk}
    assert found[lone.pk].reason.startswith("Plus aucun médecin depuis le départ du 01/09/2026")
    assert found[lone.pk].started_at.date() == date(2026, 9, 1)
    assert found[shrinking.pk].reason == "2 départ(s) en 6 mois sur 6 membres au 26/05/2026."
    assert found[shrinking.pk].started_at.date() == date(2026, 10, 5)


def test_a_role_change_is_not_a_departure(world):
    from network.models import MembershipRole

    msp = make_msp("MSP où l'on change de rôle", commune="51272", team=(("10", 2), ("60", 1)))
    membership = leave(msp, "10", date(2026, 10, 1))
    Membership.objects.create(
        msp=msp,
        practitioner=membership.practitioner,
        role=MembershipRole.COORDINATOR,
        start_date=date(2026, 10, 1),
    )
    assert detection._members_lost(TODAY) == []


def test_hubs_over_capacity_and_inactive(world):
    busy = make_hub(make_msp("MSP tête de pont débordée", commune="51272"), hours="10")
    for hours in ("6", "5"):  # 11 h a month committed for 10 h lent
        Mentorship.objects.create(
            hub=busy, mentee=make_practitioner(), starts_on=date(2026, 9, 1), hours_per_month=Decimal(hours)
        )
    given = make_hub(make_msp("MSP tête de pont qui donne trop", commune="51272"), hours="2")
    mentorship = Mentorship.objects.create(
        hub=given, mentee=make_practitioner(), starts_on=date(2026, 9, 1), hours_per_month=Decimal("1")
    )
    for day, minutes in ((3, 60), (10, 45), (20, 30)):  # 1 h, 1 h 45, 2 h 15 > 2 h on the 20th
        CoordinationSession.objects.create(
            mentorship=mentorship, date=date(2026, 11, day), duration_minutes=minutes
        )
    quiet = make_hub(make_msp("MSP tête de pont endormie", commune="51272"))
    HubStatusDates = {"approved_at": at(2025, 12, 1, 9)}
    type(quiet).objects.filter(pk=quiet.pk).update(**HubStatusDates)
    CoordinationSession.objects.create(
        mentorship=Mentorship.objects.create(
            hub=quiet, mentee=make_practitioner(), starts_on=date(2026, 1, 1), hours_per_month=Decimal("1"),
            status="ENDED", ended_on=date(2026, 6, 1),
        ),
        date=date(2026, 5, 12),
        duration_minutes=60,
    )  # fmt: skip
    recent = make_hub(make_msp("MSP tête de pont récente", commune="51272"))
    type(recent).objects.filter(pk=recent.pk).update(approved_at=at(2026, 10, 1, 9))  # not 3 months yet

    found = detection._hubs(NOW)
    by_key = {f.key: f for f in found}
    assert by_key[f"HUB_OVER_CAPACITY:{busy.pk}:committed"].reason.startswith("11 h par mois engagées")
    month = by_key[f"HUB_OVER_CAPACITY:{given.pk}:2026-11"]
    assert month.started_at.date() == date(2026, 11, 20) and month.reason.startswith("2,25 h de coordination")
    inactive = by_key[f"HUB_INACTIVE:{quiet.pk}:2026-05-12"]
    assert inactive.started_at.date() == date(2026, 8, 12)
    assert "depuis le 12/05/2026" in inactive.reason
    assert {f.hub_id for f in found} == {busy.pk, given.pk, quiet.pk}


def test_a_mentoring_request_unanswered_after_ten_business_days(world):
    requester = make_practitioner(commune="51272")

    def sent(when):
        return MentoringRequest.objects.create(
            requester=requester, topics=["SISA"], message="Aide", commune_id="51272",
            status=RequestStatus.SENT, hub=world.hub, sent_at=when,
        )  # fmt: skip

    late = sent(at(2026, 11, 6, 15))  # 10 business days later (11/11 is a holiday): 23/11 at 15:00
    on_time = sent(at(2026, 11, 13, 15))  # due on 27/11
    found = detection._unanswered(NOW)
    assert [f.key.split(":")[1] for f in found] == [str(late.pk)]
    assert found[0].started_at == at(2026, 11, 23, 15)
    assert found[0].hub_id == world.hub.pk and found[0].msp_id == world.msp.pk
    assert on_time.pk


def test_a_breached_question_of_an_msp_in_project(world):
    project = make_msp("Projet de MSP en retard", commune="51272", status=MspStatus.PROJECT, team=())
    question = submit_at(at(2026, 11, 2, 10))
    AcceleratorRequest.objects.filter(pk=question.pk).update(msp=project, sla_status=SlaStatus.BREACHED)
    operating = submit_at(at(2026, 11, 2, 10))
    AcceleratorRequest.objects.filter(pk=operating.pk).update(msp=world.msp, sla_status=SlaStatus.BREACHED)

    (found,) = detection._accelerator(NOW)
    assert (found.msp_id, found.kind) == (project.pk, SignalKind.ACCELERATOR_BREACHED)
    assert "délai de première réponse" in found.reason


def test_the_action_names_the_nearest_hubs_with_time_left(world):
    msp = make_msp("MSP au seul médecin (Châlons)", commune="51108", team=(("10", 1), ("60", 3)))
    leave(msp, "10", date(2026, 9, 1))
    full = make_hub(make_msp("MSP tête de pont pleine", commune="51108"), hours="1")
    Mentorship.objects.create(
        hub=full, mentee=make_practitioner(), starts_on=date(2026, 9, 1), hours_per_month=Decimal("1")
    )
    far = make_hub(make_msp("MSP tête de pont lointaine", commune="89387"), radius=200)

    (finding,) = [f for f in weak_signals.detect(NOW) if f.msp_id == msp.pk]
    assert finding.suggested_hub_ids == [world.hub.pk]  # the full one has no time; Sens is too far
    assert (
        "MSP de Saint-Martin-sur-le-Pré (test) (" in finding.action and "20 h disponibles" in finding.action
    )
    assert far.pk not in finding.suggested_hub_ids


def lone_doctor_msp(left=date(2026, 9, 1)):
    msp = make_msp("MSP au seul médecin", commune="51108", team=(("10", 1), ("60", 3)))  # Châlons
    return msp, leave(msp, "10", left)


def test_a_signals_life_opened_kept_ended_reopened_and_closed_by_hand(world):
    msp, membership = lone_doctor_msp()
    assert weak_signals.refresh(NOW).opened == 1
    assert weak_signals.refresh(NOW).kept == 1  # a second scan changes nothing
    signal = WeakSignal.objects.get(msp=msp)
    assert (signal.kind, signal.status, signal.region_id, signal.department_id) == (
        SignalKind.MEMBERS_LOST, SignalStatus.OPEN, "44", "51",
    )  # fmt: skip

    membership.end_date = None  # the doctor came back: the situation ends
    membership.save()
    assert weak_signals.refresh(NOW).closed == 1
    signal.refresh_from_db()
    assert signal.status == SignalStatus.CLOSED and signal.closed_by is None

    membership.end_date = date(2026, 9, 1)  # the same departure holds again: the same episode reopens
    membership.save()
    assert weak_signals.refresh(NOW).opened == 1
    signal.refresh_from_db()
    assert signal.status == SignalStatus.OPEN

    weak_signals.acknowledge(signal, world.user("ars_agent"), "Appel à la coordinatrice prévu lundi.")
    weak_signals.close(signal, world.user("ars_agent"), "Un médecin remplaçant arrive en janvier.")
    assert weak_signals.refresh(NOW).opened == 0  # closed by hand: the scan leaves this episode closed
    signal.refresh_from_db()
    assert signal.status == SignalStatus.CLOSED
    assert [(n.action, n.note) for n in signal.history.all()][1:] == [
        (SignalAction.CONDITION_ENDED, "La situation ne remplit plus la condition du signal."),
        (SignalAction.REOPENED, signal.reason),
        (SignalAction.ACKNOWLEDGED, "Appel à la coordinatrice prévu lundi."),
        (SignalAction.CLOSED, "Un médecin remplaçant arrive en janvier."),
    ]


def test_transitions_and_notes_are_checked():
    from django.core.exceptions import ValidationError

    msp, _ = lone_doctor_msp()
    weak_signals.refresh(NOW)
    signal = WeakSignal.objects.get(msp=msp)
    with pytest.raises(ValidationError) as empty:
        weak_signals.acknowledge(signal, None, "  ")
    assert empty.value.message_dict["note"] == ["La note est obligatoire."]
    weak_signals.close(signal, None, "Vu.")
    with pytest.raises(ValidationError) as twice:
        weak_signals.close(signal, None, "Encore.")
    assert twice.value.messages == ["Ce signal est déjà clos."]


# --- The API, per role ----------------------------------------------------------------------------------

SIGNALS = """query($level: ObservatoryLevel!, $code: String, $kinds: [WeakSignalKind!]) {
    weakSignals(scope: {level: $level, code: $code}, kinds: $kinds, first: 20) {
        totalCount edges { node { id kind status reason suggestedAction regionCode departmentCode
            msp { name } suggestedHubs { msp { name } } history { action note } } } } }"""
ACKNOWLEDGE = f"""mutation($id: ID!, $note: String!) {{ acknowledgeWeakSignal(id: $id, note: $note) {{
    signal {{ status history {{ action note authorName }} }} {ERRORS} }} }}"""
CLOSE = f"""mutation($id: ID!, $note: String!) {{ closeWeakSignal(id: $id, note: $note) {{
    signal {{ status closedAt }} {ERRORS} }} }}"""


@pytest.fixture
def signals(world):
    """A Grand Est signal (Marne) and a La Réunion one."""
    marne, _ = lone_doctor_msp()
    reunion = make_msp("MSP de Saint-Denis (test)", commune="97411", team=(("10", 1), ("60", 3)))
    leave(reunion, "10", date(2026, 10, 1))
    weak_signals.refresh(NOW)
    return WeakSignal.objects.get(msp=marne), WeakSignal.objects.get(msp=reunion)


def names(result):
    return sorted(edge["node"]["msp"]["name"] for edge in result["data"]["weakSignals"]["edges"])


@pytest.mark.parametrize("role", ROLES)
def test_reading_a_regions_signals_per_role(gql, world, signals, role):
    result = gql.execute(SIGNALS, {"level": "REGION", "code": "44"}, user=world.user(role))
    if role in ("ars_agent", "cnam_staff", "admin"):
        assert names(result) == ["MSP au seul médecin"]
        (edge,) = result["data"]["weakSignals"]["edges"]
        node = edge["node"]
        assert (node["kind"], node["status"], node["regionCode"], node["departmentCode"]) == (
            "MEMBERS_LOST", "OPEN", "44", "51",
        )  # fmt: skip
        assert node["suggestedHubs"] == [{"msp": {"name": "MSP de Saint-Martin-sur-le-Pré (test)"}}]
        assert node["history"] == [{"action": "OPENED", "note": node["reason"]}]
    elif role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
    else:  # practitioners, coordinators: not theirs; La Réunion's ARS: not its region
        assert top_codes(result) == ["FORBIDDEN"] and result["data"]["weakSignals"] is None


@pytest.mark.parametrize("role", ROLES)
def test_reading_the_nations_signals_per_role(gql, world, signals, role):
    result = gql.execute(SIGNALS, {"level": "NATION"}, user=world.user(role))
    if role in ("cnam_staff", "admin"):
        assert names(result) == ["MSP au seul médecin", "MSP de Saint-Denis (test)"]
    elif role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
    else:  # an ARS agent reads their region, not the nation
        assert top_codes(result) == ["FORBIDDEN"]


def test_an_ars_agent_sees_nothing_of_another_region(gql, world, signals):
    marne, _ = signals
    other = world.user("other_ars_agent")
    own = gql.execute(SIGNALS, {"level": "REGION", "code": "04"}, user=other)
    assert names(own) == ["MSP de Saint-Denis (test)"]
    department = gql.execute(SIGNALS, {"level": "DEPARTMENT", "code": "51"}, user=other)
    assert top_codes(department) == ["FORBIDDEN"]
    node = gql.execute("query($id: ID!) { node(id: $id) { id } }", {"id": gid(marne)}, user=other)
    assert node["data"]["node"] is None
    for mutation, name in ((ACKNOWLEDGE, "acknowledgeWeakSignal"), (CLOSE, "closeWeakSignal")):
        result = gql.execute(mutation, {"id": gid(marne), "note": "Vu."}, user=other)
        assert error_codes(result, name) == ["NOT_FOUND"]
    marne.refresh_from_db()
    assert marne.status == SignalStatus.OPEN
    agent = gql.execute(SIGNALS, {"level": "DEPARTMENT", "code": "51"}, user=world.user("ars_agent"))
    assert names(agent) == ["MSP au seul médecin"]


def test_filters_by_kind_and_unknown_territories(gql, world, signals):
    staff = world.user("cnam_staff")
    none = gql.execute(SIGNALS, {"level": "NATION", "kinds": ["HUB_INACTIVE"]}, user=staff)
    assert names(none) == []
    unknown = gql.execute(SIGNALS, {"level": "REGION", "code": "99"}, user=staff)
    assert (
        top_codes(unknown) == ["BAD_USER_INPUT"]
        and "Code de région inconnu" in unknown["errors"][0]["message"]
    )


@pytest.mark.parametrize("role", ROLES)
def test_acknowledging_and_closing_per_role(gql, world, signals, role):
    marne, _ = signals
    acknowledged = gql.execute(ACKNOWLEDGE, {"id": gid(marne), "note": "Appel prévu."}, user=world.user(role))
    closed = gql.execute(CLOSE, {"id": gid(marne), "note": "Remplaçant trouvé."}, user=world.user(role))
    marne.refresh_from_db()
    if role in ("ars_agent", "cnam_staff", "admin"):
        payload = acknowledged["data"]["acknowledgeWeakSignal"]
        assert payload["errors"] == [] and payload["signal"]["status"] == "ACKNOWLEDGED"
        assert payload["signal"]["history"][-1]["note"] == "Appel prévu."
        assert payload["signal"]["history"][-1]["authorName"]
        assert closed["data"]["closeWeakSignal"]["signal"]["status"] == "CLOSED"
        assert marne.status == SignalStatus.CLOSED and marne.closed_by == world.user(role)
    else:
        expected = "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
        if role == "other_ars_agent":
            assert error_codes(acknowledged, "acknowledgeWeakSignal") == ["NOT_FOUND"]
        else:
            assert top_codes(acknowledged) == [expected] and top_codes(closed) == [expected]
        assert marne.status == SignalStatus.OPEN and marne.history.count() == 1


def test_a_note_is_required_in_french(gql, world, signals):
    marne, _ = signals
    result = gql.execute(CLOSE, {"id": gid(marne), "note": " "}, user=world.user("ars_agent"))
    (error,) = result["data"]["closeWeakSignal"]["errors"]
    assert (error["code"], error["field"], error["message"]) == (
        "REQUIRED",
        "note",
        "La note est obligatoire.",
    )
    again = gql.execute(CLOSE, {"id": gid(marne), "note": "Vu."}, user=world.user("ars_agent"))
    assert again["data"]["closeWeakSignal"]["errors"] == []
    twice = gql.execute(CLOSE, {"id": gid(marne), "note": "Vu."}, user=world.user("ars_agent"))
    assert error_codes(twice, "closeWeakSignal") == ["INVALID_SIGNAL_TRANSITION"]


def test_suspended_hubs_are_never_suggested(world):
    msp, _ = lone_doctor_msp()
    type(world.hub).objects.filter(pk=world.hub.pk).update(status=HubStatus.SUSPENDED)
    (finding,) = [f for f in weak_signals.detect(NOW) if f.msp_id == msp.pk]
    assert finding.suggested_hub_ids == [] and "Aucune MSP tête de pont" in finding.action


# --- The hourly job, the command, live events through real servers ----------------------------------------


def test_the_command_and_the_hourly_job_refresh_the_signals(territories):
    from io import StringIO

    from django.core.management import call_command
    from procrastinate.contrib.django import app

    from observatory.tasks import refresh_weak_signals
    from tests.helpers import run_worker

    msp = make_msp("MSP au seul médecin", commune="51108", team=(("10", 1), ("60", 3)))
    leave(msp, "10", date.today() - timedelta(days=30))
    refresh_weak_signals.defer(timestamp=0)
    run_worker()
    assert WeakSignal.objects.get(msp=msp, kind=SignalKind.MEMBERS_LOST).status == SignalStatus.OPEN
    Membership.objects.filter(msp=msp, end_date__isnull=False).update(end_date=None)
    out = StringIO()
    call_command("refresh_weak_signals", stdout=out)
    # The doctor is back: the departure's signal closes; with one doctor, the MSP is below the minimum it never
    # met — that signal, held back while the departure's said it, opens.
    assert "1 ouvert(s), 1 clos" in out.getvalue()
    assert WeakSignal.objects.get(msp=msp, kind=SignalKind.MEMBERS_LOST).status == SignalStatus.CLOSED
    assert (
        WeakSignal.objects.get(msp=msp, kind=SignalKind.COMPOSITION_BELOW_MINIMUM).status == SignalStatus.OPEN
    )
    periodic = {task.periodic_id: task for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["weak-signals"].task.name.endswith("refresh_weak_signals")


EVENTS = """subscription($level: ObservatoryLevel!, $code: String) {
    weakSignalEvents(scope: {level: $level, code: $code}) { kind signal { status msp { name } } } }"""


async def test_signal_events_reach_the_regions_ars_and_the_cnam_through_real_servers(servers, territories):
    """DEBUG=0, two server processes behind one port, Redis: the Grand Est agent (region and department)
    and Cnam staff (nation) receive a signal's closing; La Réunion's agent is refused Grand Est and hears
    nothing of it on its own region."""
    import asyncio
    import os

    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import Group

    from backend.accounts.services import issue_token
    from network.permissions import CNAM_STAFF_GROUP
    from tests.factories import make_ars_agent, make_user
    from tests.helpers import first_event, subscribed

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (set by .ci/run): several processes share events only through Redis")

    def scene():
        msp = make_msp("MSP au seul médecin", commune="51108", team=(("10", 1), ("60", 3)))
        leave(msp, "10", date.today() - timedelta(days=30))
        weak_signals.refresh()
        staff = make_user()
        staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
        users = (make_ars_agent("44"), make_ars_agent("04"), staff, make_practitioner(user=True).user)
        return WeakSignal.objects.get(msp=msp), [issue_token(u).token for u in users]

    signal, (agent, other, staff, practitioner) = await sync_to_async(scene)()
    server = await sync_to_async(servers)(
        redis_url, workers=2, DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1"
    )
    grand_est = {"level": "REGION", "code": "44"}
    listeners = [
        await subscribed(first_event(server.ws_url, EVENTS, variables, token))
        for variables, token in (
            (grand_est, agent),
            ({"level": "DEPARTMENT", "code": "51"}, agent),
            ({"level": "NATION"}, staff),
        )
    ]
    silent = await subscribed(first_event(server.ws_url, EVENTS, {"level": "REGION", "code": "04"}, other))
    for variables, token in ((grand_est, other), (grand_est, practitioner), (grand_est, None)):
        with pytest.raises(Exception) as refused:
            await asyncio.wait_for(first_event(server.ws_url, EVENTS, variables, token), 15)
        assert any(code in str(refused.value) for code in ("FORBIDDEN", "UNAUTHENTICATED")), refused.value

    close = (
        f"""mutation($id: ID!) {{ closeWeakSignal(id: $id, note: "Remplaçant trouvé.") {{ {ERRORS} }} }}"""
    )
    result = await sync_to_async(server.post)(close, {"id": gid(signal)}, agent)
    assert result == {"data": {"closeWeakSignal": {"errors": []}}}
    events = await asyncio.wait_for(asyncio.gather(*listeners), 20)
    expected = {"kind": "CLOSED", "signal": {"status": "CLOSED", "msp": {"name": "MSP au seul médecin"}}}
    assert [event["weakSignalEvents"] for _, event in events] == [expected] * 3
    await asyncio.sleep(0.5)
    assert not silent.done()
    silent.cancel()


def test_a_page_of_signals_takes_the_same_queries_however_long(gql, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            result = gql.execute(SIGNALS, {"level": "NATION"}, user=world.user("cnam_staff"))
        assert result["data"]["weakSignals"]["edges"]
        return len(captured.captured_queries)

    lone_doctor_msp()
    weak_signals.refresh(NOW)
    few = queries()
    for _ in range(5):
        lone_doctor_msp()
    weak_signals.refresh(NOW)
    assert WeakSignal.objects.count() == 6 and queries() == few


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("disconnect_sockets")
@pytest.mark.parametrize("role", ROLES)
async def test_following_a_regions_signals_per_role(territories, role):
    """Every role subscribes to Grand Est's signals over the WebSocket; a signal closes there. Its ARS, Cnam
    staff and administrators receive it; La Réunion's ARS is refused; the others are refused too."""
    from channels.db import database_sync_to_async
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from backend.accounts.services import issue_token
    from network.permissions import CNAM_STAFF_GROUP
    from tests.factories import make_ars_agent, make_coordinator, make_user
    from tests.helpers import TIMEOUT, ready_socket, settle, subscribe

    def scene():
        msp, _ = lone_doctor_msp()
        weak_signals.refresh(NOW)
        staff = make_user(is_staff=True)
        staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
        users = {
            "anonymous": None,
            "practitioner": make_practitioner(user=True).user,
            "other_coordinator": make_coordinator(make_msp(commune="89387")).user,
            "coordinator": make_coordinator(msp).user,
            "ars_agent": make_ars_agent("44"),
            "other_ars_agent": make_ars_agent("04"),
            "cnam_staff": staff,
            "admin": get_user_model().objects.create_superuser(
                email="admin.signals@test.invalid", password="x"
            ),
        }
        user = users[role]
        return WeakSignal.objects.get(msp=msp), (issue_token(user).token if user else None)

    signal, token = await database_sync_to_async(scene)()
    socket = await ready_socket(token)
    await subscribe(socket, "1", EVENTS, {"level": "REGION", "code": "44"})
    if role in ("ars_agent", "cnam_staff", "admin"):
        await settle()
        await database_sync_to_async(weak_signals.close)(signal, None, "Remplaçant trouvé.")
        event = (await socket.receive_json_from(TIMEOUT))["payload"]["data"]["weakSignalEvents"]
        assert event == {
            "kind": "CLOSED",
            "signal": {"status": "CLOSED", "msp": {"name": "MSP au seul médecin"}},
        }
    else:
        refused = await socket.receive_json_from(TIMEOUT)
        expected = "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
        assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == expected


def test_the_database_keeps_a_closed_signal_coherent_and_every_step_noted():
    from django.db import IntegrityError, transaction

    from observatory.models import WeakSignalNote

    msp, _ = lone_doctor_msp()
    weak_signals.refresh(NOW)
    signal = WeakSignal.objects.get(msp=msp)
    with pytest.raises(IntegrityError), transaction.atomic():
        WeakSignal.objects.filter(pk=signal.pk).update(status=SignalStatus.CLOSED)  # closed without a date
    with pytest.raises(IntegrityError), transaction.atomic():
        WeakSignalNote.objects.create(signal=signal, action=SignalAction.CLOSED, note="  ")
