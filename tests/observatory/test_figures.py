"""The observatory's territory figures (issue 15), checked against values counted by hand on a small world:
the Marne (51, Grand Est) and the Yonne (89, Bourgogne-Franche-Comté)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mentoring.models import MentoringTopic, SupportOffer
from mentoring.services import requests as mentoring
from mentoring.services.coordination import log_session
from network.models import HubStatus, MspStatus
from observatory import selectors
from tests.factories import ROLES, make_hub, make_msp, make_practitioner
from tests.helpers import at, offer_for, submit_at, top_codes

pytestmark = pytest.mark.django_db

QUERY = """query($scope: ObservatoryScopeInput!) { observatory(scope: $scope) {
    level code name mspsOperating mspsInProject mspsClosed nationalTarget shareOfTarget
    membersByProfession { code count } hubsApproved hubsCandidate offersByKind { kind count }
    monthlyHoursOffered hoursGivenByMonth { month hoursGiven } mentoringRequestsSubmitted
    mentoringRequestsAccepted accelerator { total } } }"""


@pytest.fixture
def territory(db):
    """Marne: 2 operating MSPs (one a hub with 20 h/month and 2 active offers), 1 in project, 1 closed, a
    candidate hub; Yonne: 1 operating MSP, an approved hub of 10 h. A mentee in the Marne mentored 90 min."""
    marne_hub = make_msp("Marne 1", "51504", team=(("10", 3), ("60", 2)))
    hub = make_hub(marne_hub, hours="20")
    offer_for(hub)
    SupportOffer.objects.create(
        hub=hub, kind="PEER_FACILITATION", title="Groupe de pairs", location_kind="REMOTE"
    )
    offer_for(hub, is_active=False)  # not counted
    candidate = make_msp("Marne 2", "51108", team=(("10", 1), ("50", 1)))
    make_hub(candidate, status=HubStatus.CANDIDATE, hours="5")
    make_msp("Marne projet", "51272", status=MspStatus.PROJECT, team=(("10", 2),))  # members not counted
    make_msp("Marne fermée", "51649", status=MspStatus.CLOSED, team=(("10", 1),))
    yonne = make_msp("Yonne 1", "89387", team=(("10", 1), ("70", 1)))
    make_hub(yonne, hours="10")
    mentee = make_practitioner("10", "51272", user=True)
    request = mentoring.submit_request(
        mentee,
        mentoring.RequestData(
            topics=[MentoringTopic.HEALTH_PROJECT], message="Projet ?", commune_code="51108"
        ),
    )
    mentorship = mentoring.accept_request(mentoring.send_request(request, hub), 6)
    log_session(mentorship, timezone.localdate(), 90)
    submit_at(at(2026, 9, 1, 10), commune_code="51108")  # an accelerator question from the Marne
    return hub


def test_a_department_counted_by_hand(territory):
    figures = selectors.figures(selectors.scope_of("DEPARTMENT", "51"))
    assert (figures.msps_operating, figures.msps_project, figures.msps_closed) == (2, 1, 1)
    assert figures.members_by_profession[:2] == [("10", "Médecin", 4), ("60", "Infirmier", 2)]
    assert sorted((code, n) for code, _, n in figures.members_by_profession) == [
        ("10", 4),
        ("50", 1),
        ("60", 2),
    ]
    assert (figures.hubs_approved, figures.hubs_candidate, figures.hours_capacity) == (1, 1, Decimal("20"))
    assert figures.offers_by_kind == [("ADVANCED_CONSULTATION", 1), ("PEER_FACILITATION", 1)]
    this_month = timezone.localdate().replace(day=1)
    assert figures.hours_given_by_month[-1] == (this_month, Decimal("1.50"))
    assert len(figures.hours_given_by_month) == 12 and sum(
        h for _, h in figures.hours_given_by_month
    ) == Decimal("1.5")
    assert (figures.mentoring_submitted, figures.mentoring_accepted) == (1, 1)
    assert figures.accelerator.total == 1


def test_region_and_nation_add_up(territory):
    grand_est = selectors.figures(selectors.scope_of("REGION", "44"))
    yonne = selectors.figures(selectors.scope_of("DEPARTMENT", "89"))
    nation = selectors.figures(selectors.scope_of("NATION", None))
    assert grand_est.msps_operating == 2 and yonne.msps_operating == 1
    assert nation.msps_operating == 3 and nation.hubs_approved == 2 and nation.hours_capacity == Decimal("30")
    assert yonne.accelerator.total == 0 and nation.accelerator.total == 1
    assert yonne.mentoring_submitted == 0 and yonne.hours_given_by_month[-1][1] == 0


@pytest.mark.parametrize("role", ROLES)
def test_the_figures_are_public_and_the_same_for_every_role(gql, world, role):
    result = gql.execute(QUERY, {"scope": {"level": "DEPARTMENT", "code": "51"}}, user=world.user(role))
    observatory = result["data"]["observatory"]
    anonymous = gql.execute(QUERY, {"scope": {"level": "DEPARTMENT", "code": "51"}})["data"]["observatory"]
    assert observatory == anonymous
    assert observatory["name"] == "Marne" and observatory["mspsOperating"] == 1  # the world's MSP
    assert observatory["nationalTarget"] == 4000 and observatory["shareOfTarget"] == 0.0003


def test_an_unknown_territory_is_a_clear_error(gql):
    for scope, words in (
        ({"level": "REGION", "code": "99"}, "Code de région inconnu"),
        ({"level": "DEPARTMENT"}, "Code de département inconnu"),
    ):
        result = gql.execute(QUERY, {"scope": scope})
        assert top_codes(result) == ["BAD_USER_INPUT"] and words in result["errors"][0]["message"]


def test_the_national_figures_take_a_constant_number_of_queries(territory, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        selectors.figures(selectors.scope_of("NATION", None))
    make_msp("Encore une", "51504", team=(("10", 5),))
    with django_assert_max_num_queries(12):
        selectors.figures(selectors.scope_of("NATION", None), today=timezone.localdate() + timedelta(days=40))


def test_the_median_time_to_answer_a_mentoring_request(world):
    """From the first sending to the first answer of a hub (accepted, declined or details asked), by hand:
    Marne 10 h and 30 h (median 20 h), an unanswered one left out; the Yonne 100 h; the nation 30 h."""
    from mentoring.models import MentoringRequest, MentoringRequestEvent, RequestStatus

    sent = at(2026, 10, 5, 9)

    def request(commune, *steps):
        made = MentoringRequest.objects.create(
            requester=make_practitioner(commune=commune), topics=["SISA"], message="Aide ?", commune_id=commune,
            status=RequestStatus.SENT, hub=world.hub, sent_at=sent,
        )  # fmt: skip
        for kind, hours in (("SENT", 0), *steps):
            event = MentoringRequestEvent.objects.create(request=made, kind=kind, hub=world.hub)
            MentoringRequestEvent.objects.filter(pk=event.pk).update(created_at=sent + timedelta(hours=hours))

    request("51108", ("ACCEPTED", 10))
    request("51272", ("INFO_REQUESTED", 30), ("INFO_PROVIDED", 40), ("ACCEPTED", 50))
    request("51504")  # unanswered
    request("89387", ("DECLINED", 100))
    median = {
        (level, code): selectors.figures(selectors.scope_of(level, code)).mentoring_median_answer_hours
        for level, code in (("DEPARTMENT", "51"), ("DEPARTMENT", "89"), ("NATION", None), ("REGION", "04"))
    }
    assert median == {
        ("DEPARTMENT", "51"): 20.0,
        ("DEPARTMENT", "89"): 100.0,
        ("NATION", None): 30.0,
        ("REGION", "04"): None,
    }
