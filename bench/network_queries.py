"""Benchmark: `nearbyHubs` and a 100-item `hubs` page on the scale data, in process.

Uses its own database (the DATABASE_URL database name + "_bench"), migrated and
filled once with `generate_scale_data` (4,000 MSPs, 40,000 practitioners).
Prints median, p95 and p99 time and the SQL query count of each operation.

    make bench                      # or: python bench/network_queries.py --runs 200
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")


def bench_database_url(suffix: str = "_bench") -> str:
    """DATABASE_URL with the database name + suffix (created if missing)."""
    from psycopg.conninfo import conninfo_to_dict

    from backend.localdb import ensure_database_exists

    info = conninfo_to_dict(os.environ["DATABASE_URL"])
    name = f"{info.get('dbname', 'tetedepont')}{suffix}"
    user = info.get("user", "postgres") + (f":{info['password']}" if info.get("password") else "")
    host = info.get("host", "127.0.0.1")
    if host.startswith("/"):
        url = f"postgresql://{user}@/{name}?host={host}"
    else:
        url = f"postgresql://{user}@{host}:{info.get('port', 5432)}/{name}"
    ensure_database_exists(url)
    return url


def open_scale_database(msps: int = 4000, practitioners: int = 40_000, suffix: str = "_bench") -> None:
    """Point Django at the bench database (`suffix` after DATABASE_URL's name), migrate it, and generate the
    scale data once."""
    os.environ["DATABASE_URL"] = bench_database_url(suffix)  # a dedicated database
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.exceptions import InconsistentMigrationHistory

    from network.models import Msp

    try:
        call_command("migrate", verbosity=0)
    except InconsistentMigrationHistory:
        # A bench database migrated by another branch's history (a migration since rewritten before it
        # landed): it holds only generated data, so it starts again empty.
        print("Bench database from another migration history: emptied and migrated again.", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        call_command("migrate", verbosity=0)
    call_command("load_territories", if_empty=True, verbosity=0)
    if Msp.objects.count() < msps:
        print(f"Generating scale data ({msps} MSPs, {practitioners} practitioners)…", flush=True)
        call_command("generate_scale_data", msps=msps, practitioners=practitioners, verbosity=0)
    # The tables as autovacuum leaves a database read more than written: statistics, and the visibility map
    # that lets a covering index be read alone (network.Membership's `membership_by_msp`).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def measure(run, runs):
    from django.db import connection, reset_queries

    durations, query_counts = [], set()
    for i in range(runs):
        reset_queries()
        start = time.perf_counter()
        result = run(i)
        durations.append((time.perf_counter() - start) * 1000)
        query_counts.add(len(connection.queries))
        assert not result.errors, result.errors
    return (
        statistics.median(durations),
        percentile(durations, 95),
        percentile(durations, 99),
        sorted(query_counts),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--msps", type=int, default=4000)
    parser.add_argument("--practitioners", type=int, default=40_000)
    args = parser.parse_args()

    open_scale_database(args.msps, args.practitioners)
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from backend.schema import schema
    from network.models import Commune, HubDesignation, HubStatus, Msp

    settings.DEBUG = True  # record queries
    print(
        f"Data: {Msp.objects.count()} MSPs, {HubDesignation.objects.filter(status=HubStatus.APPROVED).count()} approved "
        f"hubs, {Commune.objects.count()} communes. {args.runs} runs each, warm cache.",
        flush=True,
    )

    request = RequestFactory().post("/graphql")
    request.user = AnonymousUser()
    rng = random.Random(1)
    communes = list(Commune.objects.values_list("code", "population"))
    points = rng.choices(
        [c for c, _ in communes], weights=[max(p, 100) for _, p in communes], k=max(args.runs, 60)
    )

    nearby = """query($code: String!) { nearbyHubs(near: {communeCode: $code}, radiusKm: 50, first: 20) {
        distanceKm hub { id offerKinds serviceRadiusKm msp { name sites { commune { name } } } } } }"""
    page = """{ hubs(first: 100) { totalCount edges { node { id status offerKinds serviceRadiusKm
        msp { name finess composition { state } sites { address commune { name department { name } } }
              memberships { role practitioner { fullName profession { label } } } } } } } }"""

    def run_nearby(i):
        return schema.execute(nearby, variable_values={"code": points[i]}, context_value=request)

    def run_page(i):
        return schema.execute(page, context_value=request)

    found = [len(run_nearby(i).data["nearbyHubs"]) for i in range(min(args.runs, 50))]
    print(f"nearbyHubs finds on average {statistics.mean(found):.1f} hubs within 50 km of a random commune")
    for label, run in (("nearbyHubs (50 km, 20 max)", run_nearby), ("hubs page of 100", run_page)):
        measure(run, 10)  # warm-up
        median, p95, p99, queries = measure(run, args.runs)
        print(
            f"{label:<28} median {median:7.2f} ms   p95 {p95:7.2f} ms   p99 {p99:7.2f} ms   "
            f"SQL queries per request: {queries}"
        )


if __name__ == "__main__":
    main()
