"""Benchmark: the observatory on the scale data (4,000 MSPs, 40,000 practitioners), in process.

Same database as `network_queries.py` (DATABASE_URL name + "_bench"). Prints, for the nation and one
region (Grand Est), the figures' median / p95 time and SQL query count, the coverage (every commune
against every approved hub's sites), the monthly snapshot of all 120 territories, the weak signals' scan
and `weakSignals` through the GraphQL view (national and regional, as Cnam staff), and the streamed CSV
export of all MSPs. The scale data has no departures: the weak-signals part gives one operating MSP in
twenty a departure (its doctors left two months ago) inside a transaction it rolls back.

    python bench/observatory_figures.py --runs 20
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import open_scale_database, percentile


def timed(run, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    durations, counts = [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            run()
            durations.append((time.perf_counter() - start) * 1000)
        counts.add(len(captured.captured_queries))
    return statistics.median(durations), percentile(durations, 95), sorted(counts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    open_scale_database()
    from observatory import selectors
    from observatory.services.snapshots import take_snapshots

    nation = selectors.scope_of(selectors.Level.NATION, None)
    grand_est = selectors.scope_of(selectors.Level.REGION, "44")
    print(f"{'operation':<34} {'median ms':>10} {'p95 ms':>9} {'SQL':>6}")
    for label, run, runs in (
        ("figures, nation", lambda: selectors.figures(nation), args.runs),
        ("figures, Grand Est", lambda: selectors.figures(grand_est), args.runs),
        ("coverage, nation", lambda: selectors.coverage(nation), max(1, args.runs // 4)),
        ("coverage, Grand Est", lambda: selectors.coverage(grand_est), args.runs),
        ("snapshot of all 120 territories", take_snapshots, 1),
    ):
        median, p95, queries = timed(run, runs)
        print(f"{label:<34} {median:>10.1f} {p95:>9.1f} {','.join(map(str, queries)):>6}", flush=True)

    weak_signals_figures(args.runs)

    # The national CSV export of MSPs, streamed as the view does: time, size and peak Python memory.
    import tracemalloc

    from observatory.exports import msps

    tracemalloc.start()
    start = time.perf_counter()
    size = lines = 0
    for line in msps(nation):
        size += len(line.encode())
        lines += 1
    elapsed = (time.perf_counter() - start) * 1000
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"CSV export of all MSPs: {lines - 1} rows, {size / 1024:.0f} KiB in {elapsed:.0f} ms, peak {peak / 1024:.0f} KiB"
    )


def weak_signals_figures(runs: int) -> None:
    import json
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from backend.core.permissions import CNAM_STAFF_GROUP
    from network.models import Membership, Msp, MspStatus
    from observatory.models import WeakSignal
    from observatory.services import weak_signals

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]  # the in-process client
    with transaction.atomic():
        operating = list(
            Msp.objects.filter(status=MspStatus.OPERATING).order_by("pk").values_list("pk", flat=True)
        )
        Membership.objects.filter(msp_id__in=operating[::20], practitioner__profession_id="10").update(
            end_date=timezone.localdate() - timedelta(days=60)
        )
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            result = weak_signals.refresh()
            elapsed = (time.perf_counter() - start) * 1000
        print(
            f"{'weak signals scan (refresh)':<34} {elapsed:>10.1f} {'':>9} {len(captured.captured_queries):>6}"
            f"   {result.opened} opened, {WeakSignal.objects.count()} in all",
            flush=True,
        )
        staff, _ = get_user_model().objects.get_or_create(email="bench.cnam@bench.invalid")
        staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
        client = Client()
        client.force_login(staff)
        query = """query($scope: ObservatoryScopeInput!) { weakSignals(scope: $scope, first: 50) { totalCount
            edges { node { id kind status reason suggestedAction startedAt regionCode departmentCode
                msp { name } hub { id } suggestedHubs { msp { name } } } } } }"""

        def ask(scope):
            body = json.dumps({"query": query, "variables": {"scope": scope}})
            answer = client.post("/graphql", body, content_type="application/json").json()
            assert not answer.get("errors"), answer
            return answer

        for label, scope in (
            ("weakSignals, nation (first 50)", {"level": "NATION"}),
            ("weakSignals, Grand Est (first 50)", {"level": "REGION", "code": "44"}),
        ):
            ask(scope)  # warm: the first request through the view loads the schema's lazy parts
            median, p95, queries = timed(lambda scope=scope: ask(scope), runs)
            print(f"{label:<34} {median:>10.1f} {p95:>9.1f} {','.join(map(str, queries)):>6}", flush=True)
        transaction.set_rollback(True)  # the bench database keeps its scale data as generated


if __name__ == "__main__":
    main()
