"""A project's milestones (issue 28, item 5): recorded by its coordinators, each with its date and who recorded
it; read by its members, the region's ARS and the Cnam through the MSP, and by the hub mentoring one of its
members through the mentorship; counted by stage by the observatory; a project with no new step for six months
is a weak signal; the pages show them."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mentoring.models import Mentorship, MentorshipStatus
from network.models import Membership, MembershipRole, MspStatus, ProjectMilestone
from observatory.models import SignalKind
from observatory.services import detection
from tests.factories import ROLES, make_coordinator, make_msp
from tests.helpers import gid, top_codes

pytestmark = pytest.mark.django_db

RECORD = """mutation($msp: ID!, $kind: MilestoneKind!, $on: Date!, $note: String) {
  recordProjectMilestone(mspId: $msp, kind: $kind, reachedOn: $on, note: $note) {
    msp { projectStage milestones { kind reachedOn note recordedBy } } errors { field code message } } }"""
READ = "query($id: ID!) { node(id: $id) { ... on Msp { projectStage milestones { kind } } } }"


def project(world):
    """An MSP in project in the Marne, its coordinator world's practitioner's colleague."""
    msp = make_msp(
        "Projet de MSP de Givry (test)", commune="51272", status=MspStatus.PROJECT, team=(("10", 1),)
    )
    coordinator = make_coordinator(msp)
    return msp, coordinator.user


def test_recorded_by_the_coordinators_with_the_rules(gql, world):
    msp, coordinator = project(world)
    done = gql.execute(RECORD, {"msp": gid(msp), "kind": "HEALTH_PROJECT_WRITTEN", "on": "2026-10-01",
                                "note": "Version 2"}, user=coordinator)["data"]["recordProjectMilestone"]  # fmt: skip
    assert done["errors"] == [] and done["msp"]["projectStage"] == "HEALTH_PROJECT_WRITTEN"
    assert done["msp"]["milestones"][0]["note"] == "Version 2"
    assert ProjectMilestone.objects.get(msp=msp).recorded_by == coordinator  # who recorded it, kept
    future = gql.execute(RECORD, {"msp": gid(msp), "kind": "ACI_SIGNED",
                                  "on": (date.today() + timedelta(days=3)).isoformat()}, user=coordinator)  # fmt: skip
    assert future["data"]["recordProjectMilestone"]["errors"][0]["field"] == "reachedOn"
    sisa = gql.execute(
        RECORD, {"msp": gid(msp), "kind": "SISA_CREATED", "on": "2026-10-02"}, user=coordinator
    )
    assert sisa["data"]["recordProjectMilestone"]["errors"][0]["message"] == (
        "Renseignez d'abord le SIRET de la Sisa de la MSP."
    )
    again = gql.execute(RECORD, {"msp": gid(msp), "kind": "HEALTH_PROJECT_WRITTEN", "on": "2026-09-15"},
                        user=coordinator)  # fmt: skip
    assert again["data"]["recordProjectMilestone"]["msp"]["milestones"] == [
        {"kind": "HEALTH_PROJECT_WRITTEN", "reachedOn": "2026-09-15", "note": None,
         "recordedBy": again["data"]["recordProjectMilestone"]["msp"]["milestones"][0]["recordedBy"]}
    ]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_who_records_and_who_reads(gql, world, role):
    msp, _ = project(world)
    ProjectMilestone.objects.create(msp=msp, kind="HEALTH_PROJECT_WRITTEN", reached_on=date(2026, 9, 1))
    result = gql.execute(
        RECORD, {"msp": gid(msp), "kind": "ACI_SIGNED", "on": "2026-10-01"}, user=world.user(role)
    )
    if role == "admin":
        assert result["data"]["recordProjectMilestone"]["errors"] == []
    else:
        assert top_codes(result)[0] == ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN")
    read = gql.execute(READ, {"id": gid(msp)}, user=world.user(role))
    node = (read.get("data") or {}).get("node") or {}
    readers = {"ars_agent", "cnam_staff", "admin"}  # the Marne is Grand Est's
    assert bool(node.get("milestones")) == (role in readers), role
    assert (node.get("projectStage") is not None) == (role in readers), role


def test_the_hub_mentoring_a_member_follows_them(gql, world):
    msp, _ = project(world)
    member = Membership.objects.get(msp=msp, role=MembershipRole.ASSOCIATE).practitioner
    ProjectMilestone.objects.create(msp=msp, kind="SISA_CREATED", reached_on=date(2026, 8, 1))
    mentorship = Mentorship.objects.create(hub=world.hub, mentee=member, starts_on=date.today(),
                                           hours_per_month=4, status=MentorshipStatus.ACTIVE)  # fmt: skip
    query = """query($id: ID!) { node(id: $id) { ... on Mentorship { projectName projectStage
               projectMilestones { kind } } } }"""
    node = gql.execute(query, {"id": gid(mentorship)}, user=world.user("coordinator"))["data"]["node"]
    assert node == {"projectName": msp.name, "projectStage": "SISA_CREATED",
                    "projectMilestones": [{"kind": "SISA_CREATED"}]}  # fmt: skip
    page = Client()
    page.force_login(world.users["coordinator"])
    assert "Sisa créée (SIRET)" in page.get(f"/accompagnement/suivi/{gid(mentorship)}/").content.decode()


def test_counted_by_stage_and_a_stalled_project_is_a_signal(gql, world):
    msp, _ = project(world)
    ProjectMilestone.objects.create(msp=msp, kind="HEALTH_PROJECT_WRITTEN", reached_on=date(2025, 12, 1))
    fresh = make_msp("Projet tout neuf (test)", commune="51272", status=MspStatus.PROJECT, team=())
    figures = gql.execute(
        '{ observatory(scope: {level: DEPARTMENT, code: "51"}) { projectsByStage { stage count } } }'
    )
    assert figures["data"]["observatory"]["projectsByStage"] == [
        {"stage": "IDEA", "count": 1}, {"stage": "HEALTH_PROJECT_WRITTEN", "count": 1}
    ]  # fmt: skip
    found = [f for f in detection._stalled(timezone.localdate()) if f.kind == SignalKind.PROJECT_STALLED]
    assert [f.msp_id for f in found] == [msp.pk]  # the new one is not stalled
    assert found[0].reason.startswith("Projet sans nouvelle étape depuis le 01/12/2025")
    assert fresh.pk not in {f.msp_id for f in found}


def test_the_project_page_records_a_step(world):
    msp, coordinator = project(world)
    client = Client()
    client.force_login(coordinator)
    page = client.get(f"/mon-projet/{gid(msp)}/").content.decode()
    assert "Les étapes du projet" in page and "L&#x27;idée : aucune étape franchie" in page
    client.post(f"/mon-projet/{gid(msp)}/", {"action": "milestone", "kind": "HEALTH_PROJECT_WRITTEN",
                                              "reachedOn": "2026-11-02", "note": "Relu par l'ARS"})  # fmt: skip
    assert ProjectMilestone.objects.get(msp=msp).note == "Relu par l'ARS"
    refused = client.post(
        f"/mon-projet/{gid(msp)}/", {"action": "milestone", "kind": "ACI_SIGNED", "reachedOn": "2099-01-01"}
    )
    assert refused.status_code == 400 and 'id="erreur-reachedOn"' in refused.content.decode()
