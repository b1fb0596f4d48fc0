"""ARS agents (issue 15): accounts scoped to one region, created by an administrator, known to the Viewer."""

import pytest
from django.contrib.auth.models import Group

from network.models import ArsAgent
from network.permissions import CNAM_STAFF_GROUP, FactRecorder, Viewer, viewer_facts
from tests.factories import make_coordinator, make_msp, make_practitioner, make_user

pytestmark = pytest.mark.django_db

GRAND_EST, LA_REUNION = "44", "04"


def agent(region):
    user = make_user()
    ArsAgent.objects.create(user=user, region_id=region)
    return user


def test_an_agent_works_for_one_region_and_nobody_else_is_an_agent():
    grand_est, reunion = agent(GRAND_EST), agent(LA_REUNION)
    staff = make_user()
    staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    others = [None, make_user(), make_practitioner(user=True).user, make_coordinator(make_msp()).user, staff]
    assert Viewer(grand_est).ars_region_code == GRAND_EST
    assert Viewer(grand_est).is_ars_agent_of(GRAND_EST) and not Viewer(grand_est).is_ars_agent_of(LA_REUNION)
    assert Viewer(reunion).is_ars_agent_of(LA_REUNION) and not Viewer(reunion).is_ars_agent_of(GRAND_EST)
    for user in others:  # Cnam staff see the nation through their rights, not as an ARS
        viewer = Viewer(user)
        assert viewer.ars_region_code is None
        assert not viewer.is_ars_agent_of(GRAND_EST) and not viewer.is_ars_agent_of(None)


def test_bulk_facts_answer_as_the_queries_do_and_a_shared_result_keeps_regions_apart():
    grand_est, second_grand_est, reunion = agent(GRAND_EST), agent(GRAND_EST), agent(LA_REUNION)
    plain = make_user()
    users = [grand_est, second_grand_est, reunion, plain]
    facts = viewer_facts(users)
    for user in users:
        assert Viewer(user, facts[user.pk]).ars_region_code == Viewer(user).ars_region_code
    # A resolution that asked whether its viewer works for the Grand Est ARS serves the other Grand Est
    # agent, never La Réunion's or a user who is no agent.
    viewer = Viewer(grand_est)
    viewer.recorder = recorder = FactRecorder()
    assert viewer.is_ars_agent_of(GRAND_EST)
    viewer.recorder = None
    assert recorder.matches(Viewer(second_grand_est, facts[second_grand_est.pk]))
    assert not recorder.matches(Viewer(reunion, facts[reunion.pk]))
    assert not recorder.matches(Viewer(plain, facts[plain.pk]))


def test_an_administrator_creates_agents_in_the_back_office_and_cnam_staff_cannot(client):
    admin = make_user(is_staff=True, is_superuser=True)
    future_agent = make_user()
    client.force_login(admin)
    assert client.get("/admin/network/arsagent/add/").status_code == 200
    response = client.post("/admin/network/arsagent/add/", {"user": future_agent.pk, "region": GRAND_EST})
    assert response.status_code == 302, response.content[:500]
    assert ArsAgent.objects.get(user=future_agent).region_id == GRAND_EST
    # One region per account.
    client.post("/admin/network/arsagent/add/", {"user": future_agent.pk, "region": LA_REUNION})
    assert list(ArsAgent.objects.filter(user=future_agent).values_list("region_id", flat=True)) == [GRAND_EST]

    staff = make_user(is_staff=True)
    staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    client.force_login(staff)
    assert client.get("/admin/network/arsagent/add/").status_code == 403
    assert client.get("/admin/network/arsagent/").status_code == 403
