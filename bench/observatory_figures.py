"""Benchmark: the observatory on the scale data (4,000 MSPs, 40,000 practitioners), in process.

Same database as `network_queries.py` (DATABASE_URL name + "_bench"). Prints, for the nation and one
region (Grand Est), the figures' median / p95 time and SQL query count, the coverage (every commune
against every approved hub's sites) and the monthly snapshot of all 120 territories.

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


if __name__ == "__main__":
    main()
