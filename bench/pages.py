"""Benchmark: the web application's pages on the scale data, in process through Django's whole request path
(middleware, session, CSRF, the page's GraphQL documents through the door, the template).

Same database as `network_queries.py` (DATABASE_URL name + "_bench", 4,000 MSPs, 40,000 practitioners, and the
accelerator's 100,000 requests of `accelerator_queue.py`). Prints, per page, the server time's median and p99
(targets: p50 < 100 ms, p99 < 300 ms; the Cnam agent's queue p50 < 150 ms) and the SQL queries per page, which
must not grow with the data: `--small` runs the same pages on a tenth of it, in a database of its own.

    python bench/pages.py --runs 50
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import open_scale_database, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--msps", type=int, default=4000)
    parser.add_argument("--practitioners", type=int, default=40_000)
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help="accelerator requests in the queue (default 100,000; a tenth with --small)",
    )
    parser.add_argument(
        "--small",
        action="store_true",
        help="a tenth of the data, in a database of its own (<name>_bench_small)",
    )
    args = parser.parse_args()
    if args.small:
        open_scale_database(args.msps // 10, args.practitioners // 10, suffix="_bench_small")
    else:
        open_scale_database(args.msps, args.practitioners)

    from accelerator_queue import fill
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from graphql_relay import to_global_id

    from mentoring.accelerator.models import AcceleratorRequest
    from mentoring.models import Slot, SlotStatus
    from network.models import (
        ArsAgent,
        Commune,
        HubDesignation,
        HubStatus,
        Membership,
        MembershipRole,
        Msp,
        Practitioner,
    )

    settings.ALLOWED_HOSTS = ["*"]
    settings.RATE_LIMIT = {**getattr(settings, "RATE_LIMIT", {}), "RATES": "off"}
    rng = random.Random(7)
    hubs = list(
        HubDesignation.objects.filter(status=HubStatus.APPROVED).values_list("pk", "msp__sites__commune_id")
    )
    hub_pk, hub_commune = rng.choice(hubs)
    slot = Slot.objects.filter(offer__hub_id=hub_pk, status=SlotStatus.OPEN).order_by(
        "starts_at"
    ).first() or (Slot.objects.filter(status=SlotStatus.OPEN).order_by("starts_at").first())
    practitioner = Practitioner.objects.filter(user__isnull=False).first()
    if practitioner is None:  # the scale data has no accounts: one practitioner gets one for the bench
        practitioner = Practitioner.objects.order_by("pk").first()
        practitioner.user = get_user_model().objects.create_user(
            email="bench.pages@example.invalid", password="bench-pages-2026"
        )
        practitioner.save(update_fields=["user"])
    communes = [
        Commune.objects.get(pk=hub_commune).code,
        *rng.sample(list(Commune.objects.values_list("code", flat=True)), 20),
    ]

    agents = fill(args.requests if args.requests is not None else (10_000 if args.small else 100_000))
    coordination = (
        Membership.objects.current()
        .filter(msp__hub__pk=hub_pk)
        .select_related("practitioner")
        .order_by("pk")
        .first()
    )
    if coordination.role != MembershipRole.COORDINATOR:
        Membership.objects.filter(pk=coordination.pk).update(role=MembershipRole.COORDINATOR)
    coordinator_user = coordination.practitioner.user
    if coordinator_user is None:
        coordinator_user = get_user_model().objects.create_user(
            email=f"bench.coordination.{hub_pk}@example.invalid", password="bench-pages-2026"
        )
        Practitioner.objects.filter(pk=coordination.practitioner_id).update(user=coordinator_user)
    ars_user, _ = get_user_model().objects.get_or_create(email="bench.ars@example.invalid")
    ArsAgent.objects.get_or_create(user=ars_user, defaults={"region_id": "44"})
    queued = AcceleratorRequest.objects.order_by("-pk").first()

    visitor = Client()
    member = Client()
    member.force_login(practitioner.user)
    pages = [
        ("accueil", visitor, lambda i: "/"),
        (
            "trouver (commune, 50 km)",
            visitor,
            lambda i: f"/trouver/?commune={communes[i % len(communes)]}&rayon=50",
        ),
        ("page d'une MSP tête de pont", visitor, lambda i: f"/hubs/{to_global_id('Hub', hub_pk)}/"),
        ("connexion", visitor, lambda i: "/connexion/"),
        ("inscription", visitor, lambda i: "/inscription/"),
        ("accueil, connecté", member, lambda i: "/"),
        ("trouver, connecté", member, lambda i: "/trouver/"),
        ("mes rendez-vous", member, lambda i: "/rendez-vous/"),
        ("mon accompagnement", member, lambda i: "/accompagnement/"),
        ("demander un accompagnement", member, lambda i: "/accompagnement/demander/"),
        ("mes questions à la Cnam", member, lambda i: "/questions/"),
        ("poser une question", member, lambda i: "/questions/poser/"),
        ("mon compte", member, lambda i: "/compte/"),
        ("mon projet de MSP", member, lambda i: "/mon-projet/"),
    ]
    agent = Client()
    agent.force_login(agents[0])
    coordinator = Client()
    coordinator.force_login(coordinator_user)
    ars = Client()
    ars.force_login(ars_user)
    regions = ["44", "84", "11", "76", "75"]
    pages += [
        ("file de l'accélérateur", agent, lambda i: "/accelerateur/"),
        ("file, mes demandes", agent, lambda i: "/accelerateur/?vue=mes-demandes"),
        (
            "file, région et recherche",
            agent,
            lambda i: f"/accelerateur/?region={regions[i % 5]}&q=statuts+sisa",
        ),
        ("file, hors délai, page 3", agent, lambda i: "/accelerateur/?vue=hors-delai&page=3"),
        (
            "une demande (agent)",
            agent,
            lambda i: f"/accelerateur/demandes/{to_global_id('AcceleratorRequest', queued.pk)}/",
        ),
        ("statistiques (6 mois)", agent, lambda i: "/accelerateur/statistiques/"),
        ("tableau de bord (tête de pont)", coordinator, lambda i: "/coordination/"),
        ("tours de garde", coordinator, lambda i: "/coordination/tours/"),
        ("offres et réglages", coordinator, lambda i: "/coordination/ma-tete-de-pont/"),
        ("ARS : sa région", ars, lambda i: "/ars/"),
        ("observatoire (région)", ars, lambda i: "/observatoire/"),
    ]
    if slot is not None:
        pages.append(
            ("réserver un créneau", member, lambda i: f"/creneaux/{to_global_id('Slot', slot.pk)}/reserver/")
        )

    print(
        f"Data: {Msp.objects.count()} MSPs, {len({pk for pk, _ in hubs})} approved hubs, {Practitioner.objects.count()} "
        f"practitioners, {AcceleratorRequest.objects.count()} accelerator requests. {args.runs} requests per page "
        "after 3 to warm up; server time in process.",
        flush=True,
    )
    print(f"{'page':<30} {'p50':>9} {'p99':>9}   SQL queries per page")
    for label, client, path in pages:
        for i in range(3):
            response = client.get(path(i))
            assert response.status_code == 200, (label, response.status_code)
        durations, queries = [], set()
        for i in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(path(i))
                durations.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (label, response.status_code)
            queries.add(len(captured.captured_queries))
        print(
            f"{label:<30} {statistics.median(durations):6.1f} ms {percentile(durations, 99):6.1f} ms   {sorted(queries)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
