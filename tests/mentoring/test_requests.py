"""Mentoring requests in the domain: anti-spam limit, matching with reasons, workflow, capacity, e-mails."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentoring.models import (
    CoordinationSession,
    LocationKind,
    MentoringRequest,
    MentoringTopic,
    Mentorship,
    MentorshipStatus,
    RequestEventKind,
    RequestStatus,
    SupportOffer,
)
from mentoring.services import coordination
from mentoring.services import requests as service
from mentoring.services.matching import match_hubs
from network.models import Commune, HubStatus, Membership, MembershipRole, OfferKind, Zoning
from tests.factories import make_coordinator, make_hub, make_msp, make_practitioner
from tests.helpers import deliver_queued_mail, race

pytestmark = pytest.mark.django_db

T = MentoringTopic


def data(commune="51272", topics=(T.HEALTH_PROJECT, T.SISA_LEGAL), radius=50, kinds=(), message=None):
    return service.RequestData(
        topics=list(topics),
        message=message or "Nous montons une MSP à trois médecins : par où commencer le projet de santé ?",
        commune_code=commune,
        radius_km=radius,
        wanted_kinds=list(kinds),
    )


def hub_at(commune, radius=60, hours="20", topics=(), kinds=None, name=None):
    hub = make_hub(make_msp(name or f"MSP de {commune}", commune), radius=radius, hours=hours, offers=kinds)
    make_coordinator(hub.msp)
    if topics:
        SupportOffer.objects.create(
            hub=hub,
            kind=hub.offer_kinds[0],
            title="Temps de coordination partagé",
            location_kind=LocationKind.REMOTE,
            mentoring_topics=list(topics),
        )
    return hub


def codes(exc: ValidationError):
    return (
        {e.code for errors in exc.error_dict.values() for e in errors}
        if hasattr(exc, "error_dict")
        else {e.code for e in exc.error_list}
    )


# --- Submitting ------------------------------------------------------------------------------------


def test_a_request_is_validated_field_by_field():
    requester = make_practitioner()
    with pytest.raises(ValidationError) as caught:
        service.submit_request(requester, data(commune="99999", topics=[], radius=500, message="  "))
    assert set(caught.value.error_dict) == {"topics", "message", "commune_code", "radius_km"}
    assert not MentoringRequest.objects.exists()


def test_at_most_three_requests_in_progress_then_withdrawing_frees_one():
    requester = make_practitioner()
    requests = [service.submit_request(requester, data()) for _ in range(3)]
    with pytest.raises(ValidationError) as caught:
        service.submit_request(requester, data())
    assert codes(caught.value) == {"TOO_MANY_OPEN_REQUESTS"}
    service.withdraw_request(requests[0])
    assert service.submit_request(requester, data()).status == RequestStatus.OPEN


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_when_submissions_arrive_together(territories):
    requester = make_practitioner()
    results = race(*[lambda: service.submit_request(requester, data()) for _ in range(6)])
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert MentoringRequest.objects.filter(requester=requester).count() == 3
    assert len(refused) == 3 and all(codes(r) == {"TOO_MANY_OPEN_REQUESTS"} for r in refused)


# --- Matching --------------------------------------------------------------------------------------


@pytest.fixture
def hubs():
    """Around Givry-en-Argonne (51272): which hubs may take a request from there, and in what order."""
    full = hub_at("51507", radius=40, hours="10", topics=[T.HEALTH_PROJECT, T.SISA_LEGAL])  # ~16 km
    Mentorship.objects.create(
        hub=full, mentee=make_practitioner(), starts_on=date(2026, 1, 1), hours_per_month=Decimal(10)
    )
    return {
        "full": full,
        "best": hub_at("51108", radius=60, topics=[T.HEALTH_PROJECT, T.SISA_LEGAL]),  # Châlons, ~38 km
        "partial": hub_at("51649", radius=50, topics=[T.HEALTH_PROJECT]),  # Vitry-le-François, ~32 km
        "hub_radius_too_small": hub_at("51504", radius=20, topics=[T.HEALTH_PROJECT]),  # ~40 km
        "beyond_requester_radius": hub_at("51454", radius=200, topics=[T.HEALTH_PROJECT]),  # Reims, ~70 km
        "candidate": hub_at("51108", radius=200, topics=[T.HEALTH_PROJECT], name="MSP candidate"),
    }


def test_matching_ranks_by_time_left_topics_then_distance_with_reasons(hubs):
    hubs["candidate"].status = HubStatus.CANDIDATE
    hubs["candidate"].save()
    request = service.submit_request(make_practitioner("10", "51272"), data())
    matches = match_hubs(request)
    assert [m.hub for m in matches] == [hubs["best"], hubs["partial"], hubs["full"]]
    best, partial, full = matches
    assert best.topics_covered == [T.HEALTH_PROJECT, T.SISA_LEGAL] and best.topics_missing == []
    assert partial.topics_missing == [T.SISA_LEGAL]
    assert full.remaining_hours == 0 and not full.has_capacity
    assert best.reasons[0].startswith("À 39 km de Givry-en-Argonne (rayon d'intervention de la MSP : 60 km")
    assert "20 h de coordination disponibles par mois sur 20 h." in best.reasons
    assert "Thèmes non couverts : Sisa et questions juridiques." in partial.reasons
    assert any("toutes ses heures mensuelles sont allouées" in r for r in full.reasons)
    assert "Adaptée à votre profession (médecin)." in best.reasons


def test_matching_honours_wanted_kinds_profession_own_msp_and_past_declines(hubs):
    dietitian = make_practitioner("95", "51272")
    request = service.submit_request(dietitian, data(kinds=[OfferKind.PEER_FACILITATION]))
    assert match_hubs(request) == []  # the hubs offer coordination time and advanced consultations only

    request = service.submit_request(dietitian, data())
    assert not any(m.profession_fit for m in match_hubs(request))
    assert "Aucun membre ni offre pour votre profession (diététicien)." in match_hubs(request)[0].reasons

    member = Membership.objects.filter(msp=hubs["best"].msp).first().practitioner
    own = service.submit_request(member, data())
    assert hubs["best"] not in [m.hub for m in match_hubs(own)]

    sent = service.send_request(request)
    assert sent.hub == hubs["best"]
    service.decline_request(sent, "Nous n'avons pas de diététicien.")
    assert hubs["best"] not in [m.hub for m in match_hubs(sent)]


# --- Workflow --------------------------------------------------------------------------------------


def test_send_to_the_best_match_or_a_chosen_eligible_hub(hubs):
    requester = make_practitioner("10", "51272")
    request = service.send_request(service.submit_request(requester, data()))
    assert (request.status, request.hub) == (RequestStatus.SENT, hubs["best"])

    other = service.submit_request(requester, data())
    with pytest.raises(ValidationError) as caught:
        service.send_request(other, hubs["beyond_requester_radius"])
    assert codes(caught.value) == {"HUB_NOT_ELIGIBLE"}
    assert service.send_request(other, hubs["partial"]).hub == hubs["partial"]

    lonely = service.submit_request(requester, data(commune="97411", radius=10))
    with pytest.raises(ValidationError) as caught:
        service.send_request(lonely)
    assert codes(caught.value) == {"NO_MATCHING_HUB"}


def test_accept_creates_a_mentorship_within_the_hubs_capacity(hubs):
    hub = hubs["best"]  # 20 h a month
    first = service.send_request(service.submit_request(make_practitioner("10", "51272"), data()), hub)
    mentorship = service.accept_request(first, "12.5", date(2026, 12, 1))
    assert (mentorship.hub, mentorship.hours_per_month, mentorship.starts_on) == (
        hub, Decimal("12.50"), date(2026, 12, 1),
    )  # fmt: skip
    first.refresh_from_db()
    assert first.status == RequestStatus.ACCEPTED

    second = service.send_request(service.submit_request(make_practitioner("10", "51272"), data()), hub)
    with pytest.raises(ValidationError) as caught:
        service.accept_request(second, 8)
    assert codes(caught.value) == {"HUB_CAPACITY_EXCEEDED"}
    assert "il reste 7,5 h" in str(caught.value)
    assert service.accept_request(second, "7.5").hours_per_month == Decimal("7.50")
    assert [m.hub for m in match_hubs(service.submit_request(make_practitioner(), data()))][-1] == hub


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_together_cannot_exceed_the_capacity(territories):
    hub = hub_at("51108", radius=60, hours="10")
    requests = [
        service.send_request(service.submit_request(make_practitioner("10", "51272"), data()), hub)
        for _ in range(2)
    ]
    results = race(*[lambda r=r: service.accept_request(r, 6) for r in requests])
    assert Mentorship.objects.filter(hub=hub).count() == 1
    assert sum(isinstance(r, Mentorship) for r in results) == 1
    assert [codes(r) for r in results if isinstance(r, ValidationError)] == [{"HUB_CAPACITY_EXCEEDED"}]


def test_decline_ask_info_provide_withdraw_and_the_history(hubs):
    requester = make_practitioner("10", "51272")
    request = service.send_request(service.submit_request(requester, data()), hubs["best"])
    service.ask_for_info(request, "Combien de professionnels sont déjà engagés ?")
    with pytest.raises(ValidationError) as caught:
        service.ask_for_info(request, "Et encore ?")
    assert codes(caught.value) == {"INVALID_TRANSITION"}
    service.provide_info(request, "Trois médecins, deux infirmières et une kinésithérapeute.")
    service.decline_request(request, "Notre temps de coordination est réservé aux projets en ZIP.")
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    service.send_request(request, hubs["partial"])
    service.withdraw_request(request, "Accompagné par l'ARS finalement.")
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert [(e.kind, e.hub) for e in request.events.all()] == [
        (RequestEventKind.SUBMITTED, None),
        (RequestEventKind.SENT, hubs["best"]),
        (RequestEventKind.INFO_REQUESTED, hubs["best"]),
        (RequestEventKind.INFO_PROVIDED, hubs["best"]),
        (RequestEventKind.DECLINED, hubs["best"]),
        (RequestEventKind.SENT, hubs["partial"]),
        (RequestEventKind.WITHDRAWN, hubs["partial"]),
    ]
    assert request.events.get(kind=RequestEventKind.DECLINED).message.startswith("Notre temps")
    for action in (lambda: service.accept_request(request, 2), lambda: service.withdraw_request(request)):
        with pytest.raises(ValidationError) as caught:
            action()
        assert codes(caught.value) == {"INVALID_TRANSITION"}


def test_a_decline_needs_a_reason_and_an_open_request_cannot_be_accepted(hubs):
    request = service.submit_request(make_practitioner("10", "51272"), data())
    with pytest.raises(ValidationError) as caught:
        service.accept_request(request, 2)
    assert codes(caught.value) == {"INVALID_TRANSITION"}
    service.send_request(request)
    with pytest.raises(ValidationError) as caught:
        service.decline_request(request, "   ")
    assert codes(caught.value) == {"REQUIRED"}


def test_emails_for_request_received_accepted_and_declined(hubs, django_capture_on_commit_callbacks):
    requester = make_practitioner("10", "51272")
    coordinator = Membership.objects.get(msp=hubs["best"].msp, role=MembershipRole.COORDINATOR).practitioner
    with django_capture_on_commit_callbacks(execute=True):
        request = service.send_request(service.submit_request(requester, data()), hubs["best"])
    deliver_queued_mail()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([coordinator.email], "Nouvelle demande d'accompagnement")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        service.decline_request(request, "Pas de disponibilité avant l'été.")
        service.send_request(request, hubs["partial"])
        service.accept_request(request, 4)
    deliver_queued_mail()
    subjects = [(m.to, m.subject) for m in mail.outbox[1:]]
    assert ([requester.email], "Demande d'accompagnement déclinée") in subjects
    assert ([requester.email], "Demande d'accompagnement acceptée") in subjects
    assert "Pas de disponibilité avant l'été." in mail.outbox[1].body


# --- Ledger ----------------------------------------------------------------------------------------


def test_coordination_sessions_give_hours_allotted_against_given_per_month(hubs):
    hub = hubs["best"]
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = coordination.months_back(2)[0]
    mentorship = Mentorship.objects.create(
        hub=hub, mentee=make_practitioner(), starts_on=last_month, hours_per_month=Decimal(4)
    )
    coordination.log_session(
        mentorship, last_month + timedelta(days=3), 90, T.HEALTH_PROJECT, "Statuts de Sisa"
    )
    coordination.log_session(mentorship, this_month, 60)
    coordination.log_session(mentorship, this_month, 45, T.ACI_FUNDING)
    usage = coordination.usage([mentorship], [last_month, this_month])[mentorship.pk]
    assert [(u.month, u.hours_allotted, u.hours_given) for u in usage] == [
        (last_month, Decimal(4), Decimal("1.50")),
        (this_month, Decimal(4), Decimal("1.75")),
    ]
    month = coordination.hub_month(hub, today)
    assert (month.capacity_hours, month.hours_allotted, month.hours_given, month.hours_remaining) == (
        Decimal(20), Decimal(4), Decimal("1.75"), Decimal(16),
    )  # fmt: skip

    with pytest.raises(ValidationError) as caught:
        coordination.log_session(mentorship, today + timedelta(days=1), 30)
    assert set(caught.value.error_dict) == {"date"}
    with pytest.raises(ValidationError) as caught:
        coordination.log_session(mentorship, last_month - timedelta(days=1), 700)
    assert set(caught.value.error_dict) == {"date", "duration_minutes"}
    assert CoordinationSession.objects.count() == 3

    coordination.end_mentorship(mentorship, today, "MSP_OPENED")
    assert Mentorship.objects.get(pk=mentorship.pk).status == MentorshipStatus.ENDED
    assert coordination.hub_month(hub, today + timedelta(days=40)).hours_allotted == 0
    with pytest.raises(ValidationError) as caught:
        coordination.end_mentorship(mentorship, outcome="MSP_OPENED")
    assert codes(caught.value) == {"MENTORSHIP_ENDED"}


def test_zip_communes_come_first_in_a_hubs_inbox(hubs, gql):
    from graphql_relay import to_global_id

    Commune.objects.filter(code="51649").update(zoning=Zoning.ZIP)
    plain = service.send_request(service.submit_request(make_practitioner(), data("51108")), hubs["best"])
    priority = service.send_request(service.submit_request(make_practitioner(), data("51649")), hubs["best"])
    coordinator = Membership.objects.get(msp=hubs["best"].msp, role=MembershipRole.COORDINATOR).practitioner
    result = gql.execute(
        "query($h: ID!) { mentoringRequests(hubId: $h, first: 10) { edges { node { id isPriority } } } }",
        {"h": to_global_id("Hub", hubs["best"].pk)},
        user=coordinator.user,
    )
    nodes = [e["node"] for e in result["data"]["mentoringRequests"]["edges"]]
    assert nodes == [
        {"id": to_global_id("MentoringRequest", priority.pk), "isPriority": True},
        {"id": to_global_id("MentoringRequest", plain.pk), "isPriority": False},
    ]
