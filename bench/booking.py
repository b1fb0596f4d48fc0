"""Benchmark: booking under contention, and listing slots on the scale data.

1. 200 practitioners book a 10-seat slot at the same moment (queued at once, served by 16
   threads with a pooled connection each, as two server processes' GraphQL pools would, through
   the booking service): throughput, latency (from the moment all are queued), and correctness
   (exactly 10 confirmed, the rest SLOT_FULL, nothing else written).
2. `slots(first: 100)` through GraphQL in process, on the scale data with one slot series per
   approved hub: median, p95 and p99 time, SQL queries.

Uses its own database (DATABASE_URL name + "_bench", shared with network_queries.py).

    python bench/booking.py [--attempts 200 --capacity 10 --runs 50]
"""

import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import open_scale_database, percentile


def contention(attempts: int, capacity: int, workers: int):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from mentoring.models import Booking, BookingStatus, LocationKind, Slot, SupportOffer
    from mentoring.services.booking import book_slot
    from network.models import HubDesignation, HubStatus, OfferKind, Practitioner

    hub = HubDesignation.objects.filter(status=HubStatus.APPROVED).first()
    offer = SupportOffer.objects.create(
        hub=hub, kind=OfferKind.PEER_FACILITATION, title="Bench contention", location_kind=LocationKind.REMOTE
    )
    starts = timezone.now() + timedelta(days=30)
    slot = Slot.objects.create(
        offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=capacity
    )
    practitioners = list(Practitioner.objects.order_by("?")[:attempts])
    outcomes, latencies = [None] * attempts, [0.0] * attempts
    go = threading.Event()

    def attempt(i):
        go.wait()  # every attempt is queued before the first one starts
        t0 = time.perf_counter()
        try:
            outcomes[i] = book_slot(slot, practitioners[i]).status
        except ValidationError as exc:
            outcomes[i] = exc.error_list[0].code
        except Exception as exc:
            outcomes[i] = f"error: {type(exc).__name__}"
        finally:
            latencies[i] = (
                time.perf_counter() - t0
            ) * 1000  # the worker keeps its connection, as a pool would

    # Like an application server's connection pool: at most `workers` connections at once
    # (PostgreSQL allows 100 here).
    with ThreadPoolExecutor(max_workers=min(workers, attempts)) as pool:
        futures = [pool.submit(attempt, i) for i in range(attempts)]
        start = time.perf_counter()
        go.set()
        wait(futures, timeout=300)
    elapsed = time.perf_counter() - start
    confirmed = outcomes.count(BookingStatus.CONFIRMED)
    full = outcomes.count("SLOT_FULL")
    rows = Booking.objects.filter(slot=slot).count()
    correct = confirmed == capacity and full == attempts - capacity and rows == capacity
    others = [o for o in outcomes if o not in (BookingStatus.CONFIRMED, "SLOT_FULL")]
    print(
        f"{attempts} simultaneous attempts ({min(workers, attempts)} connections), {capacity} seats: "
        f"{confirmed} confirmed, {full} SLOT_FULL, {len(others)} other, {rows} rows written "
        f"-> {'correct' if correct else 'WRONG ' + str(others[:3])}"
    )
    print(
        f"  {attempts / elapsed:.0f} attempts/s over {elapsed * 1000:.0f} ms; latency median "
        f"{statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 95):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms"
    )
    offer.delete()


def listing(runs: int):
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection, reset_queries
    from django.test import RequestFactory

    from backend.schema import schema
    from mentoring.models import LocationKind, Slot, SupportOffer
    from mentoring.services.series import create_series
    from network.models import HubDesignation, HubStatus, OfferKind

    if not Slot.objects.filter(offer__title="Bench series").exists():
        start = date.today() + timedelta(days=1)
        for hub in HubDesignation.objects.filter(status=HubStatus.APPROVED):
            offer = SupportOffer.objects.create(
                hub=hub, kind=hub.offer_kinds[0] if hub.offer_kinds else OfferKind.COORDINATION_TIME,
                title="Bench series", location_kind=LocationKind.REMOTE,
            )  # fmt: skip
            create_series(
                offer, "FREQ=WEEKLY;BYDAY=TU,FR", start, start + timedelta(weeks=12), clock(9), 180, 6
            )
    total = Slot.objects.count()
    request = RequestFactory().post("/graphql")
    request.user = AnonymousUser()
    query = """{ slots(first: 100, filter: {offerKind: ADVANCED_CONSULTATION, onlyAvailable: true}) { totalCount
        edges { node { id localStartsAt timeZone seatsLeft staff { fullName }
        offer { title kind hub { msp { name } } } } } } }"""
    settings.DEBUG = True
    durations, counts = [], set()
    for i in range(runs + 5):
        reset_queries()
        t0 = time.perf_counter()
        result = schema.execute(query, context_value=request)
        if i >= 5:  # warm-up
            durations.append((time.perf_counter() - t0) * 1000)
            counts.add(len(connection.queries))
        assert not result.errors, result.errors
    print(
        f"slots(first: 100) among {total} slots: median {statistics.median(durations):.1f} ms, "
        f"p95 {percentile(durations, 95):.1f} ms, p99 {percentile(durations, 99):.1f} ms, SQL queries {sorted(counts)}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=10)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--workers",
        type=int,
        default=16,
        help="concurrent attempts, each with a pooled connection (16: two server processes of 8 GraphQL threads)",
    )
    args = parser.parse_args()
    # Django's connection pool (backend.settings) must lend one connection per worker thread.
    os.environ["DB_POOL_MAX_SIZE"] = str(args.workers + 2)  # and the main thread's
    open_scale_database()
    contention(args.attempts, args.capacity, args.workers)
    listing(args.runs)


if __name__ == "__main__":
    main()
