from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from network.models import Commune, HubDesignation, HubStatus, Membership, Msp, MspStatus, Practitioner
from network.services.composition import CompositionState, composition_of
from network.validators import is_valid_finess, is_valid_rpps, is_valid_siret

pytestmark = pytest.mark.django_db


def test_territory_file_has_real_coordinates_for_every_demo_commune():
    expected = {
        "51504": ("Saint-Martin-sur-le-Pré", 48.98, 4.34),
        "51272": ("Givry-en-Argonne", 48.95, 4.89),
        "89387": ("Sens", 48.20, 3.28),
        "89338": ("Saint-Clément", 48.22, 3.30),
        "97408": ("La Possession", -20.99, 55.40),  # the middle of its territory, up the mountain
        "2A004": ("Ajaccio", 41.93, 8.70),
    }
    for code, (name, lat, lon) in expected.items():
        commune = Commune.objects.get(code=code)
        assert commune.name == name
        assert commune.latitude == pytest.approx(lat, abs=0.02)
        assert commune.longitude == pytest.approx(lon, abs=0.02)
    assert Commune.objects.count() > 34_000
    assert Commune.objects.get(code="97408").department.region.name == "La Réunion"


def test_load_territories_reads_another_file_of_the_same_shape(tmp_path):
    extra = tmp_path / "communes.csv"
    extra.write_text(
        "code,name,department,postal_codes,latitude,longitude,population,zoning\n"
        "51504,Saint-Martin-sur-le-Pré,51,51520,48.97741,4.33911,800,ZIP\n"
        "51999,Commune d'essai,51,51000,48.9,4.3,10,\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("load_territories", communes=extra, stdout=out)
    assert "2 communes" in out.getvalue()
    assert Commune.objects.get(code="51504").zoning == "ZIP"
    assert Commune.objects.get(code="51999").search_name == "commune d essai"


def test_load_demo_builds_the_real_scenarios_and_is_idempotent():
    call_command("load_demo", stdout=StringIO())
    counts = (
        Msp.objects.count(),
        Practitioner.objects.count(),
        Membership.objects.count(),
        HubDesignation.objects.count(),
    )
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert (
        Msp.objects.count(),
        Practitioner.objects.count(),
        Membership.objects.count(),
        HubDesignation.objects.count(),
    ) == counts
    assert "coordination.saint-martin@demo.tetedepont.fr" in out.getvalue()

    saint_martin = Msp.objects.get(name="MSP de Saint-Martin-sur-le-Pré")
    members = (
        Membership.objects.current().filter(msp=saint_martin, role="ASSOCIATE").select_related("practitioner")
    )
    assert members.count() == 24
    assert members.filter(practitioner__profession_id="10").count() == 8
    assert saint_martin.hub.status == HubStatus.APPROVED
    givry = Msp.objects.get(name="Pôle de santé de Givry-en-Argonne")
    assert (
        composition_of(givry.memberships.select_related("practitioner__profession")).state
        == CompositionState.GRACE_PERIOD
    )
    sens = Msp.objects.get(name="MSP Sens – Champs Plaisants")
    assert sorted(s.commune.name for s in sens.sites.all()) == ["Saint-Clément", "Sens"]
    assert Membership.objects.current().filter(msp=sens, role="ASSOCIATE").count() == 27
    assert Msp.objects.get(name="MSP Sakisoigne").sites.get().commune.time_zone == "Indian/Reunion"
    assert Msp.objects.get(name="Projet de MSP de Pont-sur-Yonne").finess is None
    for practitioner in Practitioner.objects.select_related("profession"):
        if practitioner.profession.rpps_policy == "REQUIRED" or practitioner.rpps is not None:
            assert is_valid_rpps(practitioner.rpps)
    for msp in Msp.objects.exclude(finess=None):
        assert is_valid_finess(msp.finess) and is_valid_siret(msp.siret)

    # Mentoring: the Saint-Martin rota at Givry-en-Argonne, by turns among its 8 doctors, Tuesdays and Fridays.
    from zoneinfo import ZoneInfo

    from mentoring.models import BookingRole, Slot, SupportOffer

    rota = SupportOffer.objects.get(title__startswith="Consultations avancées au pôle de santé de Givry")
    slots = list(Slot.objects.filter(offer=rota).order_by("starts_at"))
    assert len(slots) >= 14
    assert {s.starts_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%a %H:%M") for s in slots} <= {
        "Tue 09:00",
        "Fri 09:00",
    }
    # Turns as the rota gave them (the first staff booking of each slot: one was declined and taken since).
    staff = [
        s.bookings.filter(role=BookingRole.STAFF).order_by("pk").first().practitioner_id for s in slots[:9]
    ]
    assert len(set(staff[:8])) == 8 and staff[8] == staff[0]
    reunion = Slot.objects.filter(offer__title__contains="surpoids").first()
    assert reunion.starts_at.astimezone(ZoneInfo("Indian/Reunion")).hour == 18
    sens_antenna = Slot.objects.filter(offer__title="Consultations à l'antenne de Saint-Clément")
    assert sens_antenna.exists() and sens.hub.status == HubStatus.APPROVED

    # Open requests in several states, and one mentorship with coordination time given.
    from mentoring.models import MentoringRequest, Mentorship

    assert sorted(MentoringRequest.objects.values_list("status", flat=True)) == [
        "ACCEPTED", "INFO_REQUESTED", "SENT", "SENT",
    ]  # fmt: skip
    mentorship = Mentorship.objects.get()
    assert (mentorship.hub.msp.name, mentorship.sessions.count()) == ("MSP Sakisoigne", 2)
    offers_before = SupportOffer.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert MentoringRequest.objects.count() == 4  # three, and the one the accelerator routed to Saint-Martin

    # The accelerator's queue: several states, one breached, one routed to Saint-Martin-sur-le-Pré.
    from mentoring.accelerator.models import AcceleratorRequest

    queue = AcceleratorRequest.objects.all()
    assert sorted(queue.values_list("state", flat=True)) == [
        "CLOSED", "NEW", "ROUTED_TO_HUB", "TRIAGED", "WAITING_ON_REQUESTER",
    ]  # fmt: skip
    assert queue.filter(sla_status="BREACHED").count() == 1
    assert queue.get(state="ROUTED_TO_HUB").routed_hub.msp.name == "MSP de Saint-Martin-sur-le-Pré"
    assert queue.get(state="WAITING_ON_REQUESTER").messages.filter(visibility="INTERNAL").exists()
    assert SupportOffer.objects.count() == offers_before and Slot.objects.filter(offer=rota).count() == len(
        slots
    )


def test_generate_scale_data_small():
    out = StringIO()
    call_command("generate_scale_data", msps=40, practitioners=400, stdout=out)
    assert "40 MSP, 400 professionnels" in out.getvalue()
    assert Msp.objects.count() == 40
    operating = Msp.objects.filter(status=MspStatus.OPERATING)
    assert all(is_valid_finess(m.finess) for m in operating)
    assert all(is_valid_rpps(p.rpps) for p in Practitioner.objects.all())
    assert Membership.objects.count() == 320
    # A second run adds more without clashing identifiers.
    call_command("generate_scale_data", msps=10, practitioners=50, seed=7, stdout=out)
    assert Msp.objects.count() == 50


def test_load_demo_lists_each_account_with_its_real_role_and_keeps_its_e_mails_unsent():
    from backend.mail.models import EmailStatus, OutgoingEmail

    out = StringIO()
    call_command("load_demo", stdout=out)
    lines = {line.split()[0]: line for line in out.getvalue().splitlines() if "@demo.tetedepont.fr" in line}
    assert len(lines) == 12  # each account once
    assert "agent de l'ARS La Réunion (sa région seulement)" in lines["ars.reunion@demo.tetedepont.fr"]
    assert lines["agent.cnam@demo.tetedepont.fr"].split()[1] == "oui"  # opens the admin
    assert "agent de la Cnam" in lines["agent.cnam@demo.tetedepont.fr"]
    assert lines["coordination.saint-martin@demo.tetedepont.fr"].split()[1] == "non"
    assert (
        "coordination de MSP de Saint-Martin-sur-le-Pré (tête de pont)"
        in lines["coordination.saint-martin@demo.tetedepont.fr"]
    )
    assert (
        "porteur du projet « Projet de MSP de Pont-sur-Yonne »" in lines["porteur.projet@demo.tetedepont.fr"]
    )
    assert "exercice isolé (Sainte-Menehould)" in lines["medecin.isole@demo.tetedepont.fr"]
    # The demo's e-mails, to fictitious addresses: one line, kept in the outbox, none left to send.
    (summary,) = [line for line in out.getvalue().splitlines() if "e-mail(s) de la démonstration" in line]
    assert OutgoingEmail.objects.exists()
    assert not OutgoingEmail.objects.filter(status=EmailStatus.QUEUED).exists()
    assert summary.startswith(f"{OutgoingEmail.objects.filter(status=EmailStatus.DROPPED).count()} e-mail(s)")


def test_the_demo_has_an_ars_agent_for_grand_est_and_one_for_la_reunion():
    from network.models import ArsAgent

    call_command("load_demo", stdout=StringIO())
    agents = dict(ArsAgent.objects.values_list("user__email", "region__name"))
    assert agents == {
        "ars.grand-est@demo.tetedepont.fr": "Grand Est",
        "ars.reunion@demo.tetedepont.fr": "La Réunion",
    }


def test_the_demo_lives_mentoring_as_its_users_do():
    """Issue 16 in the demo: the Saint-Martin rota skips holidays and has a declined turn a colleague took, at
    the Givry pôle de santé (a real MSP site); a Sakisoigne peer session with its agenda, two cases and
    attendance; a non-clinician coordinator without RPPS at Sens."""
    from mentoring.models import Booking, PeerCase, SlotSeries, SupportOffer, TurnResponse
    from network.services.holidays import public_holidays

    call_command("load_demo", stdout=StringIO())
    givry = SupportOffer.objects.get(title="Consultations avancées au pôle de santé de Givry-en-Argonne")
    assert givry.host_site.msp.name == "Pôle de santé de Givry-en-Argonne"
    series = SlotSeries.objects.get(offer=givry)
    days = [timezone.localtime(s.starts_at).date() for s in series.slots.all()]
    holidays = public_holidays("51", {d.year for d in days})
    assert not [d for d in days if d in holidays]  # 25 December and 1 January are not worked at Givry
    assert all(date.fromisoformat(h["date"]) in holidays for h in series.skipped_holidays)
    declined = Booking.objects.get(slot__offer=givry, turn_response=TurnResponse.DECLINED)
    taken = Booking.objects.get(slot=declined.slot, role="STAFF", status="CONFIRMED")
    assert taken.practitioner != declined.practitioner and taken.turn_response == TurnResponse.ACCEPTED
    session = PeerCase.objects.first().slot
    assert session.offer.hub.msp.name == "MSP Sakisoigne" and session.agenda.startswith("1. Tour de table")
    assert PeerCase.objects.filter(slot=session).count() == 2 and session.materials.count() == 1
    assert sorted(session.bookings.exclude(attendance="").values_list("attendance", flat=True)) == [
        "ATTENDED", "ATTENDED", "NO_SHOW",
    ]  # fmt: skip
    coordinator = Membership.objects.get(
        msp__name="MSP Sens – Champs Plaisants", practitioner__profession_id="X-COORD"
    )
    assert coordinator.role == "COORDINATOR" and coordinator.practitioner.rpps is None
