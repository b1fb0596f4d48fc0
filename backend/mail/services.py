"""Queueing and delivering e-mails.

`queue_email` writes the message and defers its job in the caller's transaction: a change that rolls
back sends nothing, a change that commits cannot lose its e-mail. `deliver` is what the job does, and is
idempotent: the row is locked while the mail server is asked, and a message it accepted is marked sent
in the same transaction, so a retried or duplicated job finds it sent and does nothing.

The one window left is a worker that dies after the server accepted the message and before that
transaction commits: the job then runs again and the message goes out twice, with the same Message-ID
(which lets receiving servers and clients recognise the copy).
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.module_loading import import_string
from procrastinate.contrib.django import app

from backend.accounts.models import normalize_email

from .models import EmailStatus, OutgoingEmail
from .rendering import render_email
from .tasks import send_email

logger = logging.getLogger("backend.mail")


class DeliveryFailed(Exception):
    """The mail server did not take the message; the job is retried later (see tasks.EmailRetry)."""


def _message_id() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


_local = threading.local()


# E-mails a stranger can make us send to an address: a sign-up's code, the notice that the address already has
# an account, an invitation to join an MSP. At most MAIL_UNSOLICITED_PER_DAY (3) a day to one address, all
# kinds together, so nobody floods a mailbox from our address.
UNSOLICITED = ("registration.code", "registration.account_exists", "msp.invitation")


def may_send_unsolicited(to: str) -> bool:
    """Whether `to` may still receive one of the UNSOLICITED e-mails in the last 24 hours. Takes a lock on the
    address until the end of the transaction, so simultaneous requests cannot each find the allowance unspent;
    call it in the transaction that queues the e-mail."""
    address = normalize_email(to)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 11))", [f"mail:{address}"])
    since = timezone.now() - timedelta(days=1)
    sent = (
        OutgoingEmail.objects.annotate(address=Lower("to"))
        .filter(address=address, kind__in=UNSOLICITED, created_at__gte=since)
        .count()
    )
    return sent < getattr(settings, "MAIL_UNSOLICITED_PER_DAY", 3)


def queue_email(
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    still_due: str = "",
    still_due_args: dict | None = None,
    html: str = "",
    calendar: str = "",
) -> OutgoingEmail | None:
    """Queue one message to one address, in the current transaction (nothing without an address).

    `still_due`: the dotted path of a function called with `still_due_args` just before sending; when it
    returns False the message is dropped (for reminders: the slot was cancelled or moved meanwhile).
    Inside `batch()`, the message is written with the others when the block ends.
    """
    to = (to or "").strip()
    if not to:
        return None
    email = OutgoingEmail(
        kind=kind,
        to=to,
        subject=subject[:300],
        body=body,
        html_body=html,
        calendar=calendar,
        message_id=_message_id(),
        still_due=still_due,
        still_due_args=still_due_args or {},
    )
    pending = getattr(_local, "batch", None)
    if pending is not None:
        pending.append(email)
    else:
        _write([email])
    return email


def queue_templated_email(to: str, template: str, context: dict, *, kind: str, calendar: str = "", **options):
    """`queue_email` of the e-mail written by `template` (backend/mail/rendering.py): its subject, text and
    HTML rendered with `context`, with an iCalendar invitation when `calendar` is given."""
    rendered = render_email(template, context)
    return queue_email(
        to, rendered.subject, rendered.text, kind=kind, html=rendered.html, calendar=calendar, **options
    )


@contextmanager
def batch():
    """Queue the e-mails of a block together, in three statements however many there are (for the scans
    that queue thousands). Nothing is written if the block fails."""
    if getattr(_local, "batch", None) is not None:  # already inside a batch: the outer one writes
        yield
        return
    _local.batch = []
    try:
        yield
        emails = _local.batch
    finally:
        _local.batch = None
    _write(emails)


def _write(emails: list[OutgoingEmail]) -> None:
    """The rows and their jobs together, even when called outside a transaction."""
    if not emails:
        return

    with transaction.atomic():
        OutgoingEmail.objects.bulk_create(emails)
        job_ids = send_email.batch_defer(*({"email_id": email.pk} for email in emails))
        for email, job_id in zip(emails, job_ids, strict=True):
            email.job_id = job_id
        OutgoingEmail.objects.bulk_update(emails, ["job_id"])


def _still_due(email: OutgoingEmail) -> bool:
    if not email.still_due:
        return True
    return bool(import_string(email.still_due)(**email.still_due_args))


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    """The MIME message: the text, its HTML alternative, and an invitation as both a `text/calendar`
    alternative carrying its METHOD (what Outlook and Gmail act on) and an `invitation.ics` attachment."""
    message = EmailMultiAlternatives(
        email.subject,
        email.body,
        settings.DEFAULT_FROM_EMAIL,
        [email.to],
        headers={"Message-ID": email.message_id},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if email.calendar:
        method = "CANCEL" if "\nMETHOD:CANCEL" in email.calendar.replace("\r", "") else "REQUEST"
        message.attach_alternative(email.calendar, f"text/calendar; method={method}; charset=utf-8")
        message.attach("invitation.ics", email.calendar, "application/ics")
    return message


def deliver(email_id: int, *, last_attempt: bool = False) -> str:
    """Send a queued message once; return its status. Raise DeliveryFailed when the server refuses it."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status in {EmailStatus.SENT, EmailStatus.DROPPED}:
            return email.status if email else "MISSING"  # sent (or dropped) by an earlier run
        if not _still_due(email):
            email.status = EmailStatus.DROPPED
            email.body = email.html_body = email.calendar = ""
            email.save(update_fields=["status", "body", "html_body", "calendar"])
            return email.status
        message = _message(email)
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:  # whatever the backend raises: kept on the row, retried by the job
            error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.body = email.html_body = email.calendar = ""  # delivered: no need to keep what it said
            email.last_error = ""
            email.save(
                update_fields=["status", "sent_at", "body", "html_body", "calendar", "attempts", "last_error"]
            )
            return email.status
        email.last_error = error
        if last_attempt:
            email.status = EmailStatus.FAILED
        email.save(update_fields=["status", "attempts", "last_error"])
    logger.warning("E-mail %s (%s) not accepted, attempt %s: %s", email.pk, email.kind, email.attempts, error)
    raise DeliveryFailed(error)


def retry_failed(emails) -> int:
    """Send failed e-mails again (an admin's action): their jobs go back to the queue."""
    count = 0
    for email in emails.filter(status=EmailStatus.FAILED).exclude(job_id=None):
        with transaction.atomic():
            OutgoingEmail.objects.filter(pk=email.pk).update(status=EmailStatus.QUEUED)
            app.job_manager.retry_job_by_id(email.job_id, timezone.now())
        count += 1
    return count


def purge_old(now=None) -> int:
    """Forget sent and dropped e-mails after EMAIL_KEPT_DAYS; queued and failed ones are kept."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EMAIL_KEPT_DAYS)
    deleted, _ = OutgoingEmail.objects.filter(
        status__in=[EmailStatus.SENT, EmailStatus.DROPPED], created_at__lt=cutoff
    ).delete()
    return deleted
