"""Reminders (24 h and 1 h before a booking or a rota turn, in the place's local time), unstaffed turns
announced a week before, the coordinators' digest of waiting requests, service-level alerts, and the
notification preferences that govern them.

The scans are called with an explicit `now`; the e-mails are then delivered as the e-mail job does
(`deliver_queued_mail`). The last tests run every job kind on a real worker.
"""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection

from backend.accounts.models import NotificationPreferences
from backend.mail.models import EmailStatus, OutgoingEmail
from mentoring.accelerator import services as accelerator
from mentoring.models import (
    Booking,
    LocationKind,
    MentoringRequestEvent,
    RequestEventKind,
    Slot,
    SupportOffer,
)
from mentoring.services import requests as request_service
from mentoring.services.booking import book_slot, cancel_slot
from mentoring.services.reminders import (
    announce_unstaffed_turns,
    queue_booking_reminders,
    send_request_digests,
)
from mentoring.services.rota import assign_staff
from mentoring.services.series import SeriesScope, update_occurrences
from network.models import Membership, OfferKind
from network.permissions import CNAM_STAFF_GROUP
from tests.factories import make_coordinator, make_hub, make_msp, make_practitioner, make_user
from tests.helpers import deliver_queued_mail, run_worker

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")


def at(*args, tz=PARIS):
    return datetime(*args, tzinfo=tz)


def make_slot(hub, starts_at, kind=OfferKind.COORDINATION_TIME, title="Atelier projet de santé", capacity=4):
    offer = SupportOffer.objects.create(hub=hub, kind=kind, title=title, location_kind=LocationKind.REMOTE)
    return Slot.objects.create(
        offer=offer, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), capacity=capacity
    )


@pytest.fixture
def hub():
    hub = make_hub(make_msp("MSP de Saint-Martin-sur-le-Pré (test)", "51504"))
    make_coordinator(hub.msp)
    return hub


def delivered():
    """(recipient, subject) of every e-mail sent so far, once the queued ones are delivered."""
    deliver_queued_mail()
    return [(m.to[0], m.subject) for m in mail.outbox]


def sent_messages():
    deliver_queued_mail()
    return list(mail.outbox)


def forget_mail_so_far():
    """Deliver what is queued (confirmations of the set-up) and forget it: the test looks at what follows."""
    deliver_queued_mail()
    mail.outbox.clear()


# --- Bookings and rota turns ---------------------------------------------------------------------


def test_a_booking_is_reminded_24_hours_then_1_hour_before_in_local_time(hub):
    slot = make_slot(hub, at(2030, 3, 12, 9))
    holder = make_practitioner(user=True)
    book_slot(slot, holder)
    forget_mail_so_far()

    assert queue_booking_reminders(at(2030, 3, 10, 9)) == 0  # two days before: not yet
    assert queue_booking_reminders(at(2030, 3, 11, 10)) == 1  # 23 h before
    assert queue_booking_reminders(at(2030, 3, 11, 10, 5)) == 0  # once
    assert queue_booking_reminders(at(2030, 3, 12, 8, 5)) == 1  # 55 min before
    assert queue_booking_reminders(at(2030, 3, 12, 8, 10)) == 0
    assert delivered() == [
        (holder.email, "Rappel : votre rendez-vous le 12/03/2030 à 09:00 (Europe/Paris)"),
        (holder.email, "Rappel : votre rendez-vous le 12/03/2030 à 09:00 (Europe/Paris)"),
    ]
    assert "annulez votre réservation" in mail.outbox[0].body


def test_a_rota_turn_in_la_reunion_is_reminded_in_reunion_time():
    hub = make_hub(make_msp("MSP Sakisoigne (test)", "97408"))
    slot = make_slot(
        hub, at(2030, 3, 12, 9, tz=REUNION), kind=OfferKind.ADVANCED_CONSULTATION, title="Consultations"
    )
    doctor = Membership.objects.filter(msp=hub.msp).first().practitioner
    assign_staff(slot, [doctor])
    assert queue_booking_reminders(at(2030, 3, 11, 12, tz=REUNION)) == 1
    (message,) = [m for m in sent_messages() if m.to == [doctor.email]]
    assert message.subject == "Rappel : votre tour de garde le 12/03/2030 à 09:00 (Indian/Reunion)"
    assert "Vous assurez « Consultations » pour MSP Sakisoigne (test)" in message.body


def test_nobody_is_reminded_of_a_cancelled_slot_even_when_the_reminder_was_already_queued(hub):
    slot = make_slot(hub, at(2030, 3, 12, 9))
    holder = make_practitioner()
    book_slot(slot, holder)
    queue_booking_reminders(at(2030, 3, 11, 10))
    cancel_slot(slot, "Médecin absent")  # before the reminder's job ran
    subjects = [subject for _, subject in delivered()]
    assert "Créneau annulé : le 12/03/2030 à 09:00 (Europe/Paris)" in subjects
    assert not [s for s in subjects if s.startswith("Rappel")]
    assert OutgoingEmail.objects.get(kind="reminder.booking").status == EmailStatus.DROPPED
    assert queue_booking_reminders(at(2030, 3, 12, 8, 5)) == 0  # nor later


def test_a_moved_slot_is_reminded_at_its_new_time_only(hub, world):
    from datetime import date, time

    from mentoring.services.series import create_series

    offer = SupportOffer.objects.create(
        hub=hub, kind=OfferKind.COORDINATION_TIME, title="Point mensuel", location_kind=LocationKind.REMOTE
    )
    series = create_series(
        offer, "FREQ=WEEKLY;BYDAY=TU", date(2030, 3, 12), date(2030, 3, 12), time(9), 60, 4
    )
    slot = Slot.objects.get(series=series)
    holder = make_practitioner()
    book_slot(slot, holder)
    queue_booking_reminders(at(2030, 3, 11, 10))  # reminded for 09:00
    update_occurrences(slot, SeriesScope.ONE, start_time=time(14), include_booked=True)
    assert queue_booking_reminders(at(2030, 3, 11, 14, 30)) == 1  # and again for 14:00
    reminders = [m for m in sent_messages() if m.subject.startswith("Rappel")]
    assert [m.subject for m in reminders] == [
        "Rappel : votre rendez-vous le 12/03/2030 à 14:00 (Europe/Paris)"
    ]


def test_a_booking_made_after_a_reminder_was_due_gets_only_the_next_one(hub):
    slot = make_slot(hub, at(2030, 3, 12, 9))
    booking = book_slot(slot, make_practitioner())
    Booking.objects.filter(pk=booking.pk).update(confirmed_at=at(2030, 3, 11, 20))  # booked 13 h before
    assert queue_booking_reminders(at(2030, 3, 11, 21)) == 0
    assert queue_booking_reminders(at(2030, 3, 12, 8, 5)) == 1


def test_waitlisted_and_cancelled_bookings_are_not_reminded(hub):
    slot = make_slot(hub, at(2030, 3, 12, 9), capacity=1)
    book_slot(slot, make_practitioner())
    book_slot(slot, make_practitioner(), waitlist=True)
    from mentoring.services.booking import cancel_booking

    cancel_booking(book_slot(make_slot(hub, at(2030, 3, 12, 14)), make_practitioner()))
    assert queue_booking_reminders(at(2030, 3, 11, 15)) == 1  # the confirmed seat only


def test_reminders_follow_the_practitioners_choice(hub):
    slot = make_slot(hub, at(2030, 3, 12, 9))
    quiet, changed_mind = make_practitioner(user=True), make_practitioner(user=True)
    NotificationPreferences.objects.create(user=quiet.user, reminders=False)
    book_slot(slot, quiet)
    book_slot(slot, changed_mind)
    assert queue_booking_reminders(at(2030, 3, 11, 10)) == 1  # not the one who turned them off
    NotificationPreferences.objects.create(user=changed_mind.user, reminders=False)  # before it is sent
    assert OutgoingEmail.objects.filter(kind="reminder.booking").count() == 1
    deliver_queued_mail()
    assert OutgoingEmail.objects.get(kind="reminder.booking").status == EmailStatus.DROPPED
    # Confirmations are sent whatever the preferences.
    assert {m.to[0] for m in mail.outbox if m.subject.startswith("Réservation confirmée")} == {
        quiet.email,
        changed_mind.email,
    }


# --- Unstaffed turns -----------------------------------------------------------------------------


def test_advanced_consultations_unstaffed_a_week_before_are_announced_once_to_the_coordinators(hub):
    second = make_coordinator(hub.msp)
    now = at(2030, 3, 5, 8)
    make_slot(hub, at(2030, 3, 8, 9), kind=OfferKind.ADVANCED_CONSULTATION, title="Consultations Givry")
    staffed = make_slot(hub, at(2030, 3, 9, 9), kind=OfferKind.ADVANCED_CONSULTATION)
    assign_staff(staffed, [Membership.objects.filter(msp=hub.msp).first().practitioner])
    make_slot(hub, at(2030, 3, 20, 9), kind=OfferKind.ADVANCED_CONSULTATION)  # more than 7 days away
    make_slot(hub, at(2030, 3, 8, 14), kind=OfferKind.COORDINATION_TIME)  # nobody staffs these
    forget_mail_so_far()

    assert announce_unstaffed_turns(now) == 1
    assert announce_unstaffed_turns(now + timedelta(hours=1)) == 0
    coordinators = {m.practitioner.email for m in hub.msp.memberships.filter(role="COORDINATOR")}
    assert second.email in coordinators and len(coordinators) == 2
    assert {to for to, subject in delivered()} == coordinators
    assert all(m.subject == "1 créneau(x) sans intervenant dans les 7 jours" for m in mail.outbox)
    assert "Consultations Givry : 08/03/2030 à 09:00 (Europe/Paris)" in mail.outbox[0].body


# --- The requests digest -------------------------------------------------------------------------


def waiting_since(request, when):
    MentoringRequestEvent.objects.filter(request=request, kind=RequestEventKind.SENT).update(created_at=when)


def test_the_morning_digest_lists_requests_waiting_more_than_three_business_days(hub):
    coordinator = hub.msp.memberships.get(role="COORDINATOR").practitioner
    quiet = make_coordinator(hub.msp)
    NotificationPreferences.objects.create(user=quiet.user, digest=False)

    def sent_request(commune="51272"):
        data = request_service.RequestData(
            topics=["HEALTH_PROJECT"], message="Par où commencer ?", commune_code=commune
        )
        return request_service.open_for_hub(make_practitioner(), data, hub)

    old, recent, asked = sent_request(), sent_request(), sent_request()
    waiting_since(old, at(2030, 3, 4, 10))  # Monday: 4 business days by Friday morning
    waiting_since(recent, at(2030, 3, 6, 10))  # Wednesday: 2 business days
    waiting_since(asked, at(2030, 3, 1, 10))
    request_service.ask_for_info(asked, "Combien de professionnels ?")  # the requester's turn, not the hub's
    forget_mail_so_far()

    assert send_request_digests(at(2030, 3, 8, 7)) == 1  # Friday morning: one coordinator wants it
    ((to, subject),) = delivered()
    assert (to, subject) == (coordinator.email, "1 demande(s) d'accompagnement attendent votre réponse")
    assert (
        f"{old.requester.full_name} (Givry-en-Argonne), en attente depuis le 04/03/2030"
        in mail.outbox[0].body
    )
    assert send_request_digests(at(2030, 3, 9, 7)) == 0  # Saturday
    assert send_request_digests(at(2030, 5, 1, 7)) == 0  # 1 May


# --- Service levels ----------------------------------------------------------------------------------


def test_service_level_alerts_go_to_the_assignee_or_else_the_cnam_team(world, settings):
    from tests.helpers import submit_at

    agent, other_agent = world.user("cnam_staff"), make_user()
    other_agent.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    unassigned = submit_at(at(2027, 7, 12, 9))
    assigned = submit_at(at(2027, 7, 12, 9))
    accelerator.assign(assigned, agent, agent)
    forget_mail_so_far()

    assert accelerator.check_service_levels(at(2027, 7, 13, 14)) == 2  # at risk
    sent = delivered()
    assert (agent.email, f"Délai à risque : demande #{assigned.pk}") in sent
    team = {to for to, subject in sent if f"#{unassigned.pk}" in subject}
    assert team == {agent.email, other_agent.email}
    assert "Personne ne l'a encore prise en charge." in next(
        m.body for m in mail.outbox if m.to == [other_agent.email]
    )
    mail.outbox.clear()
    settings.ACCELERATOR_TEAM_EMAIL = "accelerateur@cnam.test"
    accelerator.check_service_levels(at(2027, 7, 13, 17, 30))  # breached
    assert sorted(delivered()) == sorted([
        (agent.email, f"Délai dépassé : demande #{assigned.pk}"),
        ("accelerateur@cnam.test", f"Délai dépassé : demande #{unassigned.pk}"),
        # …and each is escalated: the team lead (here the team's address) is told.
        ("accelerateur@cnam.test", f"Escalade : demande #{assigned.pk}"),
        ("accelerateur@cnam.test", f"Escalade : demande #{unassigned.pk}"),
    ])  # fmt: skip
    accelerator.check_service_levels(at(2027, 7, 14, 10))
    assert OutgoingEmail.objects.filter(kind="accelerator.sla_breached").count() == 2  # recorded once


# --- Every job kind on a real worker -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_each_periodic_job_kind_runs_on_a_real_worker(territories):
    from mentoring.accelerator.tasks import watch_service_levels
    from mentoring.tasks import announce_unstaffed_turns as unstaffed_task
    from mentoring.tasks import queue_booking_reminders as reminders_task
    from mentoring.tasks import send_request_digests as digests_task
    from tests.helpers import submit_at

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    now = at(2030, 3, 8, 7)  # a Friday morning, for every job of this run
    hub = make_hub(make_msp("MSP de Saint-Martin-sur-le-Pré (worker)", "51504"))
    coordinator = make_coordinator(hub.msp)
    holder = make_practitioner()
    book_slot(make_slot(hub, now + timedelta(hours=20)), holder)
    make_slot(hub, now + timedelta(days=3), kind=OfferKind.ADVANCED_CONSULTATION)
    data = request_service.RequestData(
        topics=["HEALTH_PROJECT"], message="Par où commencer ?", commune_code="51272"
    )
    waiting = request_service.open_for_hub(make_practitioner(), data, hub)
    waiting_since(waiting, now - timedelta(days=6))
    agent = make_user()
    agent.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    submit_at(now - timedelta(days=30))
    run_worker()  # the confirmation and the other e-mails so far
    mail.outbox.clear()

    with mock.patch("django.utils.timezone.now", return_value=now):
        for task in (reminders_task, unstaffed_task, digests_task, watch_service_levels):
            task.defer(timestamp=0)
        run_worker()
    assert sorted(delivered()) == sorted([
        (holder.email, "Rappel : votre rendez-vous le 09/03/2030 à 03:00 (Europe/Paris)"),
        (coordinator.email, "1 créneau(x) sans intervenant dans les 7 jours"),
        (coordinator.email, "1 demande(s) d'accompagnement attendent votre réponse"),
        (agent.email, next(e.subject for e in OutgoingEmail.objects.filter(kind="accelerator.sla_breached"))),
        (agent.email, next(e.subject for e in OutgoingEmail.objects.filter(kind="accelerator.escalated"))),
    ])  # fmt: skip
