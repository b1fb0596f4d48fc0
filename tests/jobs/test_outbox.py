"""E-mails through the outbox and real workers, against the real PostgreSQL (no mock of the queue).

A committed change's e-mail is delivered by a worker; a rolled-back mutation defers nothing; a mail
server that fails is retried until it accepts, and the message is delivered once; one that never accepts
leaves the e-mail failed, visible and retryable in the admin.
"""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.mail.models import EmailStatus, OutgoingEmail
from backend.mail.services import queue_email
from backend.mail.tasks import send_email
from mentoring.models import Booking, Slot
from mentoring.services.booking import book_slot
from mentoring.services.series import create_series
from tests.factories import make_hub, make_msp, make_practitioner, make_user
from tests.helpers import ERRORS, gid, offer_for, run_worker, slot_for
from tests.mail_backends import FlakyBackend

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_queue(territories):
    """The queue's tables are not Django-managed: transactional tests do not empty them."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")


@pytest.fixture
def quick_retries(settings):
    settings.EMAIL_RETRY_DELAYS = [0] * 7  # the same 8 attempts, without the hours between them
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    FlakyBackend.failures = 0
    yield settings
    FlakyBackend.failures = 0


def job_of(email: OutgoingEmail) -> ProcrastinateJob:
    return ProcrastinateJob.objects.get(pk=email.job_id)


def test_a_committed_booking_is_confirmed_by_e_mail_through_a_worker(territories):
    hub = make_hub(make_msp(commune="51504"))
    slot = slot_for(offer_for(hub, title="Atelier Sisa"))
    practitioner = make_practitioner()
    book_slot(slot, practitioner)  # commits: the e-mail is a row and a job, nothing is sent yet
    email = OutgoingEmail.objects.get()
    assert (email.status, email.to, mail.outbox) == (EmailStatus.QUEUED, practitioner.email, [])
    assert job_of(email).status == "todo"

    run_worker()

    (message,) = mail.outbox
    assert message.subject.startswith("Réservation confirmée le ") and "Atelier" not in message.subject
    assert message.extra_headers["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert (email.status, email.attempts, email.body) == (
        EmailStatus.SENT,
        1,
        "",
    )  # delivered: body forgotten
    assert job_of(email).status == "succeeded"


UPDATE_SERIES = f"""mutation($slot: ID!) {{ updateSlotSeries(slotId: $slot, scope: ALL, startTime: "13:00:00",
    includeBooked: true) {{ changed {{ id }} {ERRORS} }} }}"""


def test_a_rolled_back_mutation_defers_nothing(gql, world):
    """The first occurrence moves (its practitioner's e-mail is queued), the second cannot (someone's other
    booking): the mutation rolls back, and with it the e-mail and its job."""
    series = create_series(
        offer_for(world.hub), "FREQ=WEEKLY;BYDAY=TU", date(2030, 3, 5), date(2030, 3, 26), time(9), 180, 4
    )
    first, second, *_ = Slot.objects.filter(series=series).order_by("starts_at")
    book_slot(first, make_practitioner())
    busy = make_practitioner()
    book_slot(second, busy)
    elsewhere = second.starts_at.replace(hour=12)  # 13:00 in Paris (UTC+1): where `second` would move
    other = Slot.objects.create(
        offer=offer_for(world.hub), starts_at=elsewhere, ends_at=elsewhere + timedelta(hours=2), capacity=2
    )
    book_slot(other, busy)
    emails, jobs = OutgoingEmail.objects.count(), ProcrastinateJob.objects.count()

    result = gql.execute(UPDATE_SERIES, {"slot": gid(first)}, user=world.user("coordinator"))

    assert [e["code"] for e in result["data"]["updateSlotSeries"]["errors"]] == ["OVERLAPPING_BOOKING"]
    assert (OutgoingEmail.objects.count(), ProcrastinateJob.objects.count()) == (emails, jobs)
    # The same change without the conflict does queue the moved practitioners' e-mails.
    Booking.objects.filter(slot=other).delete()
    result = gql.execute(UPDATE_SERIES, {"slot": gid(first)}, user=world.user("coordinator"))
    assert result["data"]["updateSlotSeries"]["errors"] == []
    assert OutgoingEmail.objects.filter(kind="slot.moved").count() == 2


def test_a_mail_server_that_fails_twice_then_accepts_delivers_exactly_one_message(quick_retries):
    FlakyBackend.failures = 2
    email = queue_email("medecin@test.invalid", "Rappel", "Bonjour", kind="test")

    run_worker()

    assert [m.to for m in mail.outbox] == [["medecin@test.invalid"]]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 3, "")
    job = job_of(email)
    assert (job.status, job.attempts) == ("succeeded", 3)  # the job counts its attempts too
    assert [e.type for e in job.procrastinateevent_set.order_by("id")].count("started") == 3


def test_a_retried_job_never_sends_again_what_was_accepted(quick_retries):
    email = queue_email("medecin@test.invalid", "Rappel", "Bonjour", kind="test")
    run_worker()
    # The same e-mail's job again (a stalled job recovered, an admin's retry, a duplicate deferral).
    send_email.defer(email_id=email.pk)
    run_worker()
    assert len(mail.outbox) == 1
    assert ProcrastinateJob.objects.filter(status="succeeded").count() == 2


def test_the_schedule_is_eight_attempts_over_about_eleven_hours(settings):
    from procrastinate.jobs import Job

    from backend.mail.tasks import EmailRetry

    strategy, error = EmailRetry(), RuntimeError("refused")

    def wait(attempts):
        decision = strategy.get_retry_decision(exception=error, job=Job(id=1, queue="emails", lock=None,
                                                                         queueing_lock=None, task_name="t",
                                                                         attempts=attempts))  # fmt: skip
        return decision

    waits = [wait(n) for n in range(8)]
    assert waits[7] is None  # the eighth attempt is the last
    total = sum(settings.EMAIL_RETRY_DELAYS)
    assert len(settings.EMAIL_RETRY_DELAYS) == 7 and 10 * 3600 < total < 13 * 3600


def test_a_server_that_never_accepts_leaves_the_e_mail_failed_then_the_admin_sends_it_again(quick_retries):
    FlakyBackend.failures = 100
    email = queue_email("medecin@test.invalid", "Votre réservation", "Bonjour", kind="booking.confirmed")
    run_worker()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 8)
    assert "SMTPServerDisconnected" in email.last_error
    assert job_of(email).status == "failed"
    assert mail.outbox == []

    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    page = browser.get("/admin/mail/outgoingemail/?status__exact=FAILED")
    assert page.status_code == 200 and "Votre réservation" in page.content.decode()
    # Cnam staff (or anyone but administrators) never see the outbox: addresses are personal data.
    agent = make_user(is_staff=True)
    other = Client()
    other.force_login(agent)
    assert other.get("/admin/mail/outgoingemail/").status_code == 403

    FlakyBackend.failures = 0
    answer = browser.post(
        "/admin/mail/outgoingemail/", {"action": "retry", "_selected_action": [email.pk]}, follow=True
    )
    assert "remis dans la file" in answer.content.decode()
    assert job_of(email).status == "todo"
    run_worker()
    email.refresh_from_db()
    assert (email.status, [m.subject for m in mail.outbox]) == (EmailStatus.SENT, ["Votre réservation"])


def test_an_e_mail_no_longer_due_is_dropped_not_sent(settings):
    email = queue_email(
        "medecin@test.invalid", "Rappel", "Bonjour", kind="test",
        still_due="tests.jobs.test_outbox.never_due", still_due_args={"why": "cancelled"},
    )  # fmt: skip
    run_worker()
    email.refresh_from_db()
    assert (email.status, mail.outbox) == (EmailStatus.DROPPED, [])


def never_due(why: str) -> bool:
    return False


def test_sent_e_mails_are_purged_after_a_month_failed_ones_kept(settings):
    from django.utils import timezone

    from backend.mail.tasks import purge_sent_emails

    old_sent = queue_email("a@test.invalid", "Ancien", "x", kind="test")
    run_worker()
    failed = OutgoingEmail.objects.create(
        to="b@test.invalid", subject="En échec", kind="test", message_id="<b@test>", status=EmailStatus.FAILED
    )
    recent = queue_email("c@test.invalid", "Récent", "x", kind="test")
    OutgoingEmail.objects.filter(pk__in=[old_sent.pk, failed.pk]).update(
        created_at=timezone.now() - timedelta(days=settings.EMAIL_KEPT_DAYS + 1)
    )
    purge_sent_emails.defer(timestamp=0)
    run_worker()
    assert set(OutgoingEmail.objects.values_list("subject", flat=True)) == {"En échec", "Récent"}
    assert recent.pk in OutgoingEmail.objects.values_list("pk", flat=True)
