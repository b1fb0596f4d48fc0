"""Benchmark: the job queue.

1. 10,000 e-mail jobs (queued through the outbox, as the services queue them) drained by 1 worker, then by
   2 workers (`manage.py procrastinate worker --one-shot --queues emails`, DEBUG=0, Django's dummy e-mail
   backend: the figure is the queue's own cost, not a mail server's): jobs per second.
2. The reminder scan over the scale data with 100,000 confirmed bookings over 8 weeks: the catch-up run
   that finds a day's reminders, a steady run 5 minutes later, and the unstaffed-turn and digest scans
   (each run in a transaction rolled back, so the data stays as it is).

Own database (DATABASE_URL name + "_bench", shared with the other benches; scale data generated once).

    python bench/jobs.py [--emails 10000 --bookings 100000]
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import open_scale_database  # noqa: E402


def empty_queue():
    """No jobs, no e-mails, and the tables vacuumed: each run starts from the same state."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM mail_outgoingemail")
        cursor.execute("VACUUM ANALYZE procrastinate_jobs, procrastinate_events, mail_outgoingemail")


def queue_emails(count: int) -> float:
    from django.db import transaction

    from backend.mail.services import queue_email

    start = time.perf_counter()
    for batch in range(0, count, 500):
        with transaction.atomic():
            for i in range(batch, min(batch + 500, count)):
                queue_email(
                    f"pro{i}@bench.invalid",
                    "Réservation confirmée",
                    "Bonjour,\n\nVotre place est réservée.\n",
                    kind="bench",
                )
    return time.perf_counter() - start


def drain(workers: int, concurrency: int) -> float:
    """Start the workers at once; return the seconds until the last one found the queue empty and exited."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "0123456789abcdef" * 3,
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    command = [sys.executable, "manage.py", "procrastinate", "worker", "--one-shot", "--queues", "emails",
               "--concurrency", str(concurrency)]  # fmt: skip
    start = time.perf_counter()
    processes = [
        subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(workers)
    ]
    for process in processes:
        _, err = process.communicate(timeout=1800)
        if process.returncode:
            raise SystemExit(f"worker failed: {err.decode()[-2000:]}")
    return time.perf_counter() - start


def emails(count: int):
    from backend.mail.models import EmailStatus, OutgoingEmail

    for workers, concurrency in ((1, 1), (2, 1), (2, 4)):
        empty_queue()
        queued = queue_emails(count)
        elapsed = drain(workers, concurrency)
        sent = OutgoingEmail.objects.filter(status=EmailStatus.SENT).count()
        print(
            f"{count} e-mails queued in {queued:.1f} s ({count / queued:.0f}/s); drained by {workers} worker(s) "
            f"× concurrency {concurrency} in {elapsed:.1f} s: {sent / elapsed:.0f} jobs/s ({sent} sent)",
            flush=True,
        )
    empty_queue()


def ensure_bookings(total: int):
    """One offer per approved hub with a 1-hour slot every day for 8 weeks (hours varying by hub), and
    `total` confirmed bookings spread over them, no practitioner twice the same day."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from mentoring.models import Booking, BookingStatus, LocationKind, Slot, SupportOffer
    from network.models import HubDesignation, HubStatus, OfferKind, Practitioner

    existing = Booking.objects.filter(slot__offer__title="Bench reminders").count()
    if existing >= total:
        return existing
    print(f"Generating {total} bookings…", flush=True)
    Slot.objects.filter(offer__title="Bench reminders").delete()
    paris, today = ZoneInfo("Europe/Paris"), timezone.localdate()
    slots = []
    for index, hub in enumerate(HubDesignation.objects.filter(status=HubStatus.APPROVED).order_by("pk")):
        offer = SupportOffer.objects.create(
            hub=hub,
            kind=OfferKind.ADVANCED_CONSULTATION,
            title="Bench reminders",
            location_kind=LocationKind.REMOTE,
        )
        for day in range(1, 57):
            starts = datetime.combine(today + timedelta(days=day), time(8 + index % 10), paris)
            slots.append(
                Slot(offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=20)
            )
    slots = Slot.objects.bulk_create(slots, batch_size=5000)
    practitioners = list(Practitioner.objects.order_by("pk").values_list("pk", flat=True))
    per_slot = -(-total // len(slots))
    by_day = {}
    bookings, booked_at = [], timezone.now() - timedelta(days=30)
    for slot in slots:
        offset = by_day.setdefault(slot.starts_at.date(), [0])
        for _ in range(per_slot):
            if len(bookings) == total:
                break
            practitioner = practitioners[offset[0] % len(practitioners)]
            offset[0] += 1
            bookings.append(Booking(slot=slot, practitioner_id=practitioner, status=BookingStatus.CONFIRMED,
                                    starts_at=slot.starts_at, ends_at=slot.ends_at, confirmed_at=booked_at))  # fmt: skip
    # A practitioner already booked at that hour by another bench (booking.py's series) is skipped: the
    # exclusion constraint refuses the overlap, and ON CONFLICT DO NOTHING leaves that one row out.
    Booking.objects.bulk_create(bookings, batch_size=5000, ignore_conflicts=True)
    return Booking.objects.filter(slot__offer__title="Bench reminders").count()


def ensure_requests(total: int = 2000):
    """`total` mentoring requests waiting for hubs' answers, sent over the last 10 days."""
    from django.utils import timezone

    from mentoring.models import MentoringRequest, MentoringRequestEvent, RequestEventKind, RequestStatus
    from network.models import HubDesignation, HubStatus, Membership, MembershipRole, Practitioner

    # The scale data has associates only: each hub gets a coordinator, who receives the digest.
    for hub in HubDesignation.objects.filter(status=HubStatus.APPROVED):
        members = Membership.objects.filter(msp_id=hub.msp_id)
        if not members.filter(role=MembershipRole.COORDINATOR).exists():
            members.filter(pk=members.order_by("pk").values("pk")[:1]).update(role=MembershipRole.COORDINATOR)
    existing = MentoringRequest.objects.filter(message="Bench digest").count()
    if existing >= total:
        return existing
    hubs = list(HubDesignation.objects.filter(status=HubStatus.APPROVED).select_related("msp"))
    requesters = list(Practitioner.objects.order_by("-pk").values_list("pk", "commune_id")[:total])
    now = timezone.now()
    requests = MentoringRequest.objects.bulk_create(
        [
            MentoringRequest(
                requester_id=pk,
                commune_id=commune,
                topics=["HEALTH_PROJECT"],
                message="Bench digest",
                status=RequestStatus.SENT,
                hub=hubs[i % len(hubs)],
                sent_at=now,
            )
            for i, (pk, commune) in enumerate(requesters)
        ]
    )
    events = MentoringRequestEvent.objects.bulk_create(
        [MentoringRequestEvent(request=r, kind=RequestEventKind.SENT, hub_id=r.hub_id) for r in requests]
    )
    for i, event in enumerate(events):  # auto_now_add: backdated afterwards
        MentoringRequestEvent.objects.filter(pk=event.pk).update(
            created_at=now - timedelta(hours=5 * (i % 48))
        )
    return len(requests)


def timed(label, run, before=None):
    """Time `run` (after `before`, untimed) in a transaction rolled back: the data stays as it was."""
    from django.db import connection, reset_queries, transaction

    with transaction.atomic():
        if before is not None:
            before()
        reset_queries()
        start = time.perf_counter()
        result = run()
        elapsed = (time.perf_counter() - start) * 1000
        queries = len(connection.queries)
        transaction.set_rollback(True)
    print(f"  {label}: {elapsed:.0f} ms, {result} found, {queries} SQL statements", flush=True)


def scans(total: int):
    from django.conf import settings
    from django.utils import timezone

    from mentoring.services import reminders

    count = ensure_bookings(total)
    waiting = ensure_requests()
    settings.DEBUG = True  # to count statements
    # The evening before the first day of slots: that whole day's reminders (24 h before) are due.
    from datetime import datetime
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    first_day = timezone.localdate() + timedelta(days=1)
    now = datetime.combine(first_day, clock(18), ZoneInfo("Europe/Paris")) - timedelta(hours=24)
    print(f"Reminder scans over {count} confirmed bookings, {waiting} requests waiting:", flush=True)
    timed(
        "bookings, catch-up run (a whole day's reminders due)", lambda: reminders.queue_booking_reminders(now)
    )
    timed(
        "bookings, the next run 5 minutes later",
        lambda: reminders.queue_booking_reminders(now + timedelta(minutes=5)),
        before=lambda: reminders.queue_booking_reminders(now),
    )
    timed("unstaffed advanced consultations (7 days ahead)", lambda: reminders.announce_unstaffed_turns(now))
    digest_morning = datetime.combine(
        first_day + timedelta(days=(7 - first_day.weekday()) % 7), clock(7), ZoneInfo("Europe/Paris")
    )
    timed("requests digest (a Monday morning)", lambda: reminders.send_request_digests(digest_morning))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--scans-only", action="store_true", help="skip the e-mail drain")
    args = parser.parse_args()
    open_scale_database()
    if not args.scans_only:
        emails(args.emails)
    scans(args.bookings)


if __name__ == "__main__":
    main()
