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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    from backend.mail.models import OutgoingEmail

    OutgoingEmail.objects.all().delete()


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
        "SECRET_KEY": "bench",
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
    Booking.objects.bulk_create(bookings, batch_size=5000)
    return len(bookings)


def timed(label, run):
    from django.db import connection, reset_queries, transaction

    reset_queries()
    with transaction.atomic():
        start = time.perf_counter()
        result = run()
        elapsed = (time.perf_counter() - start) * 1000
        queries = len(connection.queries)
        transaction.set_rollback(True)  # the data stays as it was for the next run
    print(f"  {label}: {elapsed:.0f} ms, {result} found, {queries} SQL statements", flush=True)


def scans(total: int):
    from django.conf import settings
    from django.utils import timezone

    from mentoring.services import reminders

    count = ensure_bookings(total)
    settings.DEBUG = True  # to count statements
    now = timezone.now()
    print(f"Reminder scans over {count} confirmed bookings:", flush=True)
    timed(
        "bookings, catch-up run (a whole day's reminders due)", lambda: reminders.queue_booking_reminders(now)
    )

    def steady():
        reminders.queue_booking_reminders(now)
        from django.db import reset_queries

        reset_queries()
        start = time.perf_counter()
        found = reminders.queue_booking_reminders(now + timedelta(minutes=5))
        print(
            f"    (the run 5 minutes later alone: {(time.perf_counter() - start) * 1000:.0f} ms)", flush=True
        )
        return found

    timed("bookings, catch-up then the run 5 minutes later", steady)
    timed("unstaffed advanced consultations (7 days ahead)", lambda: reminders.announce_unstaffed_turns(now))
    timed("requests digest", lambda: reminders.send_request_digests(now))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=100_000)
    args = parser.parse_args()
    open_scale_database()
    emails(args.emails)
    scans(args.bookings)


if __name__ == "__main__":
    main()
