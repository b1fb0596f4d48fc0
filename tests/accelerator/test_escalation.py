"""Escalation (issue 17): a request that breaches its service level is flagged, reassigned by the most
specific rule (a region's referent), and the team lead is told by e-mail through the outbox."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from mentoring.accelerator import services
from mentoring.accelerator.models import EscalationRule, SlaStatus
from network.permissions import CNAM_STAFF_GROUP
from tests.factories import ROLES, make_user
from tests.helpers import at, deliver_queued_mail, gid, submit_at

pytestmark = pytest.mark.django_db

BREACH = at(2027, 7, 13, 17, 30)  # a question of 12 July, 9:00, unanswered: its first response is late


def agent(email):
    user = make_user(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    return user


def test_a_breach_is_escalated_reassigned_to_the_regions_referent_and_the_lead_told(settings):
    settings.ACCELERATOR_TEAM_LEAD_EMAIL = "responsable.accelerateur@test.invalid"
    referent, specialist, anyone = (
        agent("referent.ge@test.invalid"),
        agent("sisa@test.invalid"),
        agent("x@test.invalid"),
    )
    EscalationRule.objects.create(region_id="44", reassign_to=referent)  # Grand Est
    EscalationRule.objects.create(category="ACI_FUNDING", reassign_to=specialist)
    EscalationRule.objects.create(reassign_to=anyone)  # everything else
    request = submit_at(at(2027, 7, 12, 9))  # Châlons-en-Champagne, Marne: Grand Est, SISA_LEGAL
    services.check_service_levels(at(2027, 7, 12, 10))
    assert request.__class__.objects.get(pk=request.pk).escalated_at is None
    mail.outbox.clear()
    services.check_service_levels(BREACH)
    request.refresh_from_db()
    assert request.sla_status == SlaStatus.BREACHED and request.escalated_at == BREACH
    assert request.assignee == referent  # the region's rule is more specific than the catch-all
    assert request.changes.filter(
        field="assignee", to_value=referent.email, reason__startswith="Escalade"
    ).exists()
    deliver_queued_mail()
    (notice,) = [m for m in mail.outbox if m.subject.startswith("Escalade")]
    assert notice.to == ["responsable.accelerateur@test.invalid"] and "réattribuée" in notice.body
    services.check_service_levels(at(2027, 7, 20, 9))  # escalated once
    assert request.changes.filter(field="escalation").count() == 1


def test_without_a_rule_the_request_is_flagged_and_kept_by_its_assignee(settings):
    settings.ACCELERATOR_TEAM_LEAD_EMAIL = ""
    holder = agent("holder@test.invalid")
    request = submit_at(at(2027, 7, 12, 9))
    services.assign(request, holder, holder)
    services.check_service_levels(BREACH)
    request.refresh_from_db()
    assert request.escalated_at is not None and request.assignee == holder


QUEUE = """query { acceleratorRequests(first: 10, filter: {escalated: true}) { edges { node { escalatedAt } } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_escalation(gql, world, role):
    request = submit_at(at(2027, 7, 12, 9), requester=world.user("practitioner").practitioner)
    services.check_service_levels(BREACH)
    result = gql.execute(
        "query($id: ID!) { node(id: $id) { ... on AcceleratorRequest { escalatedAt } } }",
        {"id": gid(request)},
        user=world.user(role),
    )
    node = result["data"]["node"]
    if role in ("cnam_staff", "admin"):
        assert node["escalatedAt"] is not None
        listed = gql.execute(QUEUE, user=world.user(role))["data"]["acceleratorRequests"]["edges"]
        assert len(listed) == 1
    elif node is not None:  # the requester sees their question, not that it was escalated
        assert node["escalatedAt"] is None
