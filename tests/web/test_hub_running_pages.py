"""Running a hub through the pages (issue 27, journey 2): the hub's settings, an offer published, a weekly series
with the public holiday it skips said, occurrences changed alone or with the following ones, a slot cancelled,
turns assigned and swapped on the rota grid, members answering and taking turns on their own page, attendance
after a slot, coordination time logged. Other roles are refused each page, and the API refuses what they
would post."""

import html
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mentoring.models import (
    Booking,
    BookingRole,
    BookingStatus,
    CoordinationSession,
    Mentorship,
    MentorshipStatus,
    OfferKind,
    Slot,
    SupportOffer,
)
from network.models import HubDesignation, Membership
from tests.factories import make_hub, make_practitioner, make_user
from tests.helpers import gid, offer_for, slot_for

pytestmark = pytest.mark.django_db
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def member_with_account(world):
    """A member of the hub's MSP who can sign in."""
    membership = Membership.objects.filter(msp=world.msp, practitioner__user__isnull=True).first()
    practitioner = membership.practitioner
    practitioner.user = make_user(first_name=practitioner.first_name, last_name=practitioner.last_name)
    practitioner.save()
    return practitioner


def test_settings_an_offer_and_a_weekly_series_that_skips_christmas(world):
    coordinator = signed_in(world.users["coordinator"])
    page = text_of(coordinator.get("/coordination/ma-tete-de-pont/"))
    assert "Ce que la MSP propose" in page and "Publier une offre" in page
    refused = coordinator.post("/coordination/ma-tete-de-pont/", {"action": "settings", "serviceRadiusKm": "900",
                                                                   "monthlyCoordinationHours": "30", "offerKinds": ["ADVANCED_CONSULTATION"]})  # fmt: skip
    assert refused.status_code == 400 and 'id="erreur-serviceRadiusKm"' in refused.content.decode()
    saved = coordinator.post("/coordination/ma-tete-de-pont/", {"action": "settings", "serviceRadiusKm": "45",
                                                                 "monthlyCoordinationHours": "30,5",
                                                                 "offerKinds": ["ADVANCED_CONSULTATION", "COORDINATION_TIME"]})  # fmt: skip
    assert saved.status_code == 302
    hub = HubDesignation.objects.get(pk=world.hub.pk)
    assert (hub.service_radius_km, float(hub.monthly_coordination_hours)) == (45, 30.5)

    site = world.msp.sites.get(is_main=True)
    published = coordinator.post("/coordination/ma-tete-de-pont/", {
        "action": "publish", "kind": "ADVANCED_CONSULTATION", "title": "Consultations avancées à Givry",
        "locationKind": "HUB_SITE", "siteId": gid(site)})  # fmt: skip
    assert published.status_code == 302
    offer = SupportOffer.objects.get(title="Consultations avancées à Givry")

    christmas = date(timezone.localdate().year + 1, 12, 25)
    members = list(Membership.objects.filter(msp=world.msp).values_list("practitioner", flat=True)[:2])
    form = coordinator.get(f"/coordination/offres/{gid(offer)}/serie/")
    assert form.status_code == 200 and "Garder les jours fériés" in text_of(form)
    none = coordinator.post(f"/coordination/offres/{gid(offer)}/serie/", {"startTime": "09:00"})
    assert none.status_code == 400 and "Cochez au moins un jour de la semaine." in text_of(none)
    created = coordinator.post(f"/coordination/offres/{gid(offer)}/serie/", {
        "days": [DAYS[christmas.weekday()]], "startTime": "09:00", "durationMinutes": "240", "capacity": "6",
        "startsOn": (christmas - timedelta(days=14)).isoformat(), "until": (christmas + timedelta(days=6)).isoformat(),
        "rota": [to_gid("Practitioner", pk) for pk in members]})  # fmt: skip
    result = text_of(created)
    assert created.status_code == 200 and "2 créneaux ouverts" in result
    assert "Jours fériés sautés" in result and "Noël" in result and "<s>" in created.content.decode()
    slots = list(Slot.objects.filter(offer=offer).order_by("starts_at"))
    assert len(slots) == 2 and christmas not in {timezone.localtime(s.starts_at).date() for s in slots}
    staffed = [
        b.practitioner_id
        for b in Booking.objects.filter(slot__in=slots, role=BookingRole.STAFF).order_by("starts_at")
    ]
    assert staffed == members  # by turns, in the order ticked

    grid = text_of(
        coordinator.get(
            "/coordination/tours/", {"hub": gid(world.hub), "semaine": str(weeks_until(slots[0]))}
        )
    )
    assert "créneau sauté : Noël (férié)" in grid  # the skipped holiday said on its day of the grid


def to_gid(name, pk):
    from graphql_relay import to_global_id

    return to_global_id(name, pk)


def weeks_until(slot) -> int:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return (timezone.localtime(slot.starts_at).date() - monday).days // 7


def a_series(world, coordinator, weeks=3):
    offer = offer_for(world.hub)
    first = timezone.localdate() + timedelta(days=14)
    coordinator.post(f"/coordination/offres/{gid(offer)}/serie/", {
        "days": [DAYS[first.weekday()]], "startTime": "09:00", "durationMinutes": "180", "capacity": "4",
        "startsOn": first.isoformat(), "until": (first + timedelta(weeks=weeks - 1)).isoformat(),
        "keepHolidays": "on"})  # fmt: skip
    return list(Slot.objects.filter(offer=offer).order_by("starts_at"))


def test_occurrences_changed_cancelled_staffed_and_swapped(world):
    coordinator = signed_in(world.users["coordinator"])
    slots = a_series(world, coordinator)
    assert len(slots) == 3
    url = f"/coordination/creneaux/{gid(slots[1])}/"
    page = text_of(coordinator.get(url))
    assert "Celui-ci et les suivants" in page and "Personne n'est inscrit." in page

    coordinator.post(url, {"action": "change", "scope": "FOLLOWING", "startTime": "10:30"})
    hours = [timezone.localtime(Slot.objects.get(pk=s.pk).starts_at).strftime("%H:%M") for s in slots]
    assert hours == ["09:00", "10:30", "10:30"]
    coordinator.post(
        f"/coordination/creneaux/{gid(slots[0])}/", {"action": "change", "scope": "ONE", "capacity": "8"}
    )
    assert [Slot.objects.get(pk=s.pk).capacity for s in slots] == [8, 4, 4]

    members = list(Membership.objects.filter(msp=world.msp).select_related("practitioner")[:2])
    coordinator.post(url, {"action": "staff", "staff": [gid(members[0].practitioner)]})
    grid_url = f"/coordination/tours/?hub={gid(world.hub)}&semaine={weeks_until(slots[0])}"
    grid = coordinator.get(grid_url).content.decode()
    assert members[0].practitioner.last_name in grid and 'class="tdp-nobody"' in grid
    swapped = coordinator.post(grid_url, {"first": gid(slots[1]), "second": gid(slots[2])})
    assert swapped.status_code == 302
    holders = lambda slot: set(  # noqa: E731
        Booking.objects.filter(slot=slot, role=BookingRole.STAFF, status=BookingStatus.CONFIRMED).values_list(
            "practitioner", flat=True
        )
    )
    assert holders(slots[1]) == set() and holders(slots[2]) == {members[0].practitioner_id}

    missing = coordinator.post(
        f"/coordination/creneaux/{gid(slots[2])}/",
        {"action": "cancel", "scope": "ONE", "reason": ""},
        follow=True,
    )
    assert Slot.objects.get(pk=slots[2].pk).status == "OPEN" and "fr-alert" in missing.content.decode()
    coordinator.post(
        f"/coordination/creneaux/{gid(slots[2])}/",
        {"action": "cancel", "scope": "ONE", "reason": "Médecin malade."},
    )
    assert Slot.objects.get(pk=slots[2].pk).status == "CANCELLED"
    assert "Annulé : « Médecin malade. »" in text_of(
        coordinator.get(f"/coordination/creneaux/{gid(slots[2])}/")
    )


def test_attendance_after_a_slot(world):
    offer = offer_for(world.hub)
    past = slot_for(offer, days=-1)
    booking = Booking.objects.create(
        slot=past, practitioner=make_practitioner(), status=BookingStatus.CONFIRMED,
        starts_at=past.starts_at, ends_at=past.ends_at,
    )  # fmt: skip
    coordinator = signed_in(world.users["coordinator"])
    url = f"/coordination/creneaux/{gid(past)}/"
    assert "Présent" in text_of(coordinator.get(url))
    coordinator.post(url, {"action": "NO_SHOW", "booking": gid(booking)})
    booking.refresh_from_db()
    assert booking.attendance == "NO_SHOW"
    assert "Absent" in text_of(coordinator.get(url))
    future = slot_for(offer, days=5)
    Booking.objects.create(slot=future, practitioner=make_practitioner(), status=BookingStatus.CONFIRMED,
                           starts_at=future.starts_at, ends_at=future.ends_at)  # fmt: skip
    assert "Les présences se notent une fois le créneau commencé." in text_of(
        coordinator.get(f"/coordination/creneaux/{gid(future)}/")
    )


def test_members_answer_and_take_their_turns(world):
    coordinator = signed_in(world.users["coordinator"])
    slots = a_series(world, coordinator, weeks=2)
    member = member_with_account(world)
    colleague = member_with_account(world)
    coordinator.post(f"/coordination/creneaux/{gid(slots[0])}/", {"action": "staff", "staff": [gid(member)]})
    mine = signed_in(member.user)
    page = text_of(mine.get("/mes-tours/"))
    assert "À confirmer" in page and "Tours à prendre" in page
    assert 'href="/mes-tours/"' in mine.get("/").content.decode()  # in the menu of a hub's member
    turn = Booking.objects.get(slot=slots[0], role=BookingRole.STAFF)
    mine.post("/mes-tours/", {"action": "accept", "turn": gid(turn)})
    turn.refresh_from_db()
    assert turn.turn_response == "ACCEPTED" and "Confirmé" in text_of(mine.get("/mes-tours/"))
    mine.post("/mes-tours/", {"action": "decline", "turn": gid(turn), "reason": "Congés."})
    turn.refresh_from_db()
    assert turn.turn_response == "DECLINED"

    other = signed_in(colleague.user)
    open_turns = other.get("/mes-tours/").content.decode()
    assert gid(slots[1]) in open_turns  # nobody holds it
    other.post("/mes-tours/", {"action": "take", "slot": gid(slots[1])})
    assert Booking.objects.filter(slot=slots[1], role=BookingRole.STAFF, practitioner=colleague,
                                  status=BookingStatus.CONFIRMED).exists()  # fmt: skip

    outsider = signed_in(world.users["practitioner"])  # a member of no hub
    assert "Vous n'êtes membre d'aucune MSP tête de pont." in text_of(outsider.get("/mes-tours/"))
    outsider.post("/mes-tours/", {"action": "take", "slot": gid(slots[0])})
    assert not Booking.objects.filter(
        slot=slots[0], practitioner=world.users["practitioner"].practitioner
    ).exists()


def test_coordination_time_logged_on_a_mentorship(world):
    mentee = make_practitioner(user=True)
    mentorship = Mentorship.objects.create(
        hub=world.hub, mentee=mentee, starts_on=date.today() - timedelta(days=10), hours_per_month=4,
        status=MentorshipStatus.ACTIVE,
    )  # fmt: skip
    coordinator = signed_in(world.users["coordinator"])
    url = f"/accompagnement/suivi/{gid(mentorship)}/"
    assert "Temps de coordination donné" in text_of(coordinator.get(url))
    coordinator.post(url, {"action": "log", "date": date.today().isoformat(), "durationMinutes": "90",
                           "topic": "SISA_LEGAL", "notes": "Relu les statuts."})  # fmt: skip
    session = CoordinationSession.objects.get(mentorship=mentorship)
    assert (session.duration_minutes, session.notes) == (90, "Relu les statuts.")
    assert "Ce mois-ci : 1,5 h donnés sur 4 h prévus." in text_of(coordinator.get(url))
    too_long = coordinator.post(
        url, {"action": "log", "date": date.today().isoformat(), "durationMinutes": "900"}
    )
    assert too_long.status_code == 400
    mentee_page = text_of(signed_in(mentee.user).get(url))
    assert "Relu les statuts." not in mentee_page and "Noter ce temps" not in mentee_page


@pytest.mark.parametrize(
    "role", ["anonymous", "practitioner", "other_coordinator", "ars_agent", "cnam_staff"]
)
def test_running_a_hub_is_its_coordinators(world, role):
    make_hub(world.other_msp)  # the other coordinator runs a hub too, not this one
    offer = offer_for(world.hub, kind=OfferKind.ADVANCED_CONSULTATION)
    slot = slot_for(offer)
    client = Client()
    if world.users[role]:
        client.force_login(world.users[role])
    for url in ("/coordination/ma-tete-de-pont/", f"/coordination/offres/{gid(offer)}/serie/",
                f"/coordination/creneaux/{gid(slot)}/", "/coordination/tours/"):  # fmt: skip
        response = client.get(url, {"hub": gid(world.hub)})
        if role == "anonymous":
            assert response.status_code == 302, url
        elif role == "other_coordinator" and url in (
            "/coordination/ma-tete-de-pont/",
            "/coordination/tours/",
        ):
            page = text_of(response)  # their own hub's page: asking for this one's changes nothing
            assert world.other_msp.name in page and world.msp.name not in page, url
        else:
            assert response.status_code == 403, url
    client.post(
        f"/coordination/creneaux/{gid(slot)}/", {"action": "cancel", "scope": "ONE", "reason": "Intrusion"}
    )
    client.post("/coordination/ma-tete-de-pont/", {"action": "settings", "hub": gid(world.hub), "serviceRadiusKm": "1",
                                                   "monthlyCoordinationHours": "1", "offerKinds": ["COORDINATION_TIME"]})  # fmt: skip
    assert Slot.objects.get(pk=slot.pk).status == "OPEN"
    assert HubDesignation.objects.get(pk=world.hub.pk).service_radius_km == world.hub.service_radius_km
