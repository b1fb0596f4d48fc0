"""Benchmark: the accelerator queue with 100,000 requests, filtered and sorted by SLA due.

Fills the bench database (DATABASE_URL name + "_bench", shared with the other scripts; scale data
generated if missing) with N requests spread over two years, every state, priority, department and
staff member, with due times computed as the service does, then runs through GraphQL in process, as a
Cnam agent:

  1. the open queue, soonest due first (`states: [NEW, TRIAGED, IN_PROGRESS]`, `orderBy: SLA_DUE`);
  2. the same in one region, at risk or breached only;
  3. one agent's requests;

with each request's clocks and assignee, 50 per page. Prints median, p95 and p99 time and SQL queries.
Then (issue 17): full-text searches ranked by relevance, `acceleratorStats` over a year, and the CSV export
of the whole queue (time, peak Python memory).

    python bench/accelerator_queue.py [--requests 100000 --runs 100]
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import open_scale_database, percentile

# Questions as project holders write them: searches find some, not all.
SUBJECTS = [
    (
        "Statuts de la SISA : qui peut être associé ?",
        "Une psychologue peut-elle être associée de notre Sisa ?",
    ),
    ("Bail des locaux de la future MSP", "Quelles clauses de résiliation prévoir dans le bail commercial ?"),
    (
        "Signature de l'ACI avant l'ouverture",
        "Peut-on signer l'accord conventionnel interprofessionnel tôt ?",
    ),
    ("Financement du poste de coordinateur", "Quel montant pour la coordination la première année ?"),
    ("Projet de santé : modèle et délais", "Existe-t-il un modèle de projet de santé validé par l'ARS ?"),
    ("Système d'information labellisé", "Quel logiciel partagé choisir pour le dossier patient ?"),
    ("Protocole de coopération infirmier", "Comment mettre en place un protocole de suivi du diabète ?"),
    (
        "Rémunération des réunions de concertation",
        "Les réunions pluriprofessionnelles sont-elles rémunérées ?",
    ),
]
SEARCHES = ["statuts sisa", "résiliation bail", "coordinateur", '"projet de santé"', "diabete protocole"]

QUERY = """query($f: AcceleratorFilter) { acceleratorRequests(first: 50, filter: $f, orderBy: SLA_DUE) {
    totalCount edges { node { id subject state priority slaStatus category assignee { fullName }
    department { name } firstResponse { dueAt leftHours atRisk breached } resolution { dueAt leftHours } } } } }"""


def fill(count: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from mentoring.accelerator import services
    from mentoring.accelerator.models import AcceleratorRequest, Category, Level, SlaStatus, State
    from network.models import Commune, Practitioner
    from network.permissions import CNAM_STAFF_GROUP

    User = get_user_model()
    group = Group.objects.get(name=CNAM_STAFF_GROUP)
    agents = []
    for n in range(20):
        agent, created = User.objects.get_or_create(email=f"agent{n}@bench.invalid")
        if created:
            agent.groups.add(group)
        agents.append(agent)
    existing = AcceleratorRequest.objects.count()
    if existing >= count:
        return agents
    print(f"Creating {count - existing} accelerator requests…", flush=True)
    rng = random.Random(42)
    practitioners = list(Practitioner.objects.values_list("pk", flat=True)[:20000])
    communes = list(Commune.objects.filter(population__gte=2000).values_list("code", "department_id"))
    targets = services.all_targets()
    now = timezone.now()
    states = [State.NEW] * 10 + [State.TRIAGED] * 10 + [State.IN_PROGRESS] * 15 + [State.WAITING_ON_REQUESTER] * 5 + [
        State.ANSWERED] * 10 + [State.CLOSED] * 45 + [State.ROUTED_TO_ARS] * 5  # fmt: skip
    batch = []
    for i in range(existing, count):
        code, department = rng.choice(communes)
        request = AcceleratorRequest(
            requester_id=rng.choice(practitioners), subject=SUBJECTS[i % len(SUBJECTS)][0],
            body=SUBJECTS[i % len(SUBJECTS)][1],
            category=rng.choice(Category.values), department_id=department, commune_id=code,
            state=rng.choice(states), urgency=rng.choice(Level.values), impact=rng.choice(Level.values),
            assignee=rng.choice(agents + [None] * 5),
        )  # fmt: skip
        request.priority = services.MATRIX[(Level(request.urgency), Level(request.impact))]
        request.created_at = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        first, resolution = targets[request.priority]
        if request.state in services.RESOLVED_STATES:
            request.resolved_at = request.created_at + timedelta(days=rng.randrange(1, 20))
            request.resolution_seconds = rng.randrange(resolution * 2)
            request.first_response_at = request.created_at + timedelta(hours=rng.randrange(1, 48))
            request.first_response_seconds = rng.randrange(first * 2)
        elif request.state == State.WAITING_ON_REQUESTER:
            request.paused_since = now - timedelta(hours=rng.randrange(1, 100))
        services.refresh_due(request)
        request.sla_status = rng.choice([SlaStatus.ON_TRACK] * 6 + [SlaStatus.AT_RISK, SlaStatus.BREACHED])
        batch.append(request)
        if len(batch) == 5000:
            _create(batch)
            batch = []
            print(f"  {i + 1}", flush=True)
    if batch:
        _create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE mentoring_acceleratorrequest")
    return agents


def _create(batch):
    """bulk_create applies auto_now_add (on the instances too): the spread-out reception times, noted before,
    are put back after."""
    from django.db import connection

    from mentoring.accelerator.models import AcceleratorRequest

    received = [r.created_at for r in batch]
    created = AcceleratorRequest.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE mentoring_acceleratorrequest SET created_at = %s WHERE id = %s",
            [(when, r.pk) for when, r in zip(received, created, strict=True)],
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    open_scale_database()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import RequestFactory
    from graphql_relay import to_global_id

    from backend.schema import schema

    agents = fill(args.requests)
    settings.DEBUG = True
    open_states = ["NEW", "TRIAGED", "IN_PROGRESS"]
    cases = [
        ("open queue, soonest due first", {"states": open_states}),
        ("one region (Grand Est), at risk or breached", {"states": open_states, "regionCode": "44", "slaStatus": "BREACHED"}),
        ("one agent's open requests", {"states": open_states, "assigneeId": to_global_id("StaffMember", agents[0].pk)}),
    ]  # fmt: skip
    from mentoring.accelerator.models import AcceleratorRequest

    print(f"{AcceleratorRequest.objects.count()} requests in the database")
    for label, filters in cases:
        request = RequestFactory().post("/graphql")
        request.user = agents[0]
        durations, counts, total = [], set(), 0
        for i in range(args.runs + 5):
            reset_queries()
            t0 = time.perf_counter()
            result = schema.execute(QUERY, variable_values={"f": filters}, context_value=request)
            elapsed = (time.perf_counter() - t0) * 1000
            assert not result.errors, result.errors
            if i >= 5:  # warm-up
                durations.append(elapsed)
                counts.add(len(connection.queries))
            total = result.data["acceleratorRequests"]["totalCount"]
        print(
            f"{label}: {total} match; first 50 in median {statistics.median(durations):.1f} ms, "
            f"p95 {percentile(durations, 95):.1f} ms, p99 {percentile(durations, 99):.1f} ms, SQL queries {sorted(counts)}"
        )
    settings.DEBUG = False
    issue_17(agents, args.runs)


def issue_17(agents, runs: int) -> None:
    """Search ranked by relevance, the statistics of a year, the whole queue as CSV."""
    import tracemalloc
    from datetime import date

    from django.db import connection
    from django.test import RequestFactory

    from backend.schema import schema
    from mentoring.accelerator.exports import queue_csv

    request = RequestFactory().post("/graphql")
    request.user = agents[0]
    search = """query($q: String!) { acceleratorRequests(first: 20, filter: {search: $q}, orderBy: RELEVANCE) {
        totalCount edges { node { id subject searchHighlight } } } }"""
    for words in SEARCHES:
        durations = []
        for i in range(runs + 3):
            t0 = time.perf_counter()
            result = schema.execute(search, variable_values={"q": words}, context_value=request)
            assert not result.errors, result.errors
            if i >= 3:
                durations.append((time.perf_counter() - t0) * 1000)
        total = result.data["acceleratorRequests"]["totalCount"]
        print(f"search {words!r}: {total} match; first 20 by relevance in median {statistics.median(durations):.1f} ms, "
              f"p95 {percentile(durations, 95):.1f} ms")  # fmt: skip
    stats = """query($s: Date!, $u: Date!) { acceleratorStats(since: $s, until: $u) { total medianFirstResponseHours
        medianResolutionHours breachRate byCategory { count } satisfactionByAgent { count } } }"""
    today = date.today()
    from django.test.utils import CaptureQueriesContext

    durations, counts = [], set()
    for i in range(max(runs // 5, 3) + 2):
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            result = schema.execute(
                stats, variable_values={"s": today.replace(year=today.year - 1).isoformat(), "u": today.isoformat()},
                context_value=request,
            )  # fmt: skip
        assert not result.errors, result.errors
        if i >= 2:
            durations.append((time.perf_counter() - t0) * 1000)
            counts.add(len(captured.captured_queries))
    print(f"acceleratorStats over a year ({result.data['acceleratorStats']['total']} requests): median "
          f"{statistics.median(durations):.1f} ms, SQL queries {sorted(counts)}")  # fmt: skip
    tracemalloc.start()
    t0 = time.perf_counter()
    size = lines = 0
    for line in queue_csv({}, "NEWEST"):
        size += len(line.encode())
        lines += 1
    elapsed = (time.perf_counter() - t0) * 1000
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"CSV export of the whole queue: {lines - 1} rows, {size / 1024:.0f} KiB in {elapsed:.0f} ms, "
          f"peak {peak / 1024:.0f} KiB")  # fmt: skip


if __name__ == "__main__":
    main()
