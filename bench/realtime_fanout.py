"""Benchmark: one mutation, N subscribers — time until every subscriber has the event.

Starts Daphne on loopback (one process; then two behind Redis), opens N WebSocket
clients speaking graphql-transport-ws, each subscribed to `hubUpdated` of the demo's
Saint-Martin-sur-le-Pré hub, then sends `applyForHub` over HTTP (a real mutation,
committed, published after commit) and records when each client receives its
`next`. Latency = receipt time - the moment the HTTP request was sent, so it
includes the mutation itself. Several rounds; prints median, p99 and max.

    python bench/realtime_fanout.py                     # 100 and 1,000 subscribers, 1 then 2 processes
    python bench/realtime_fanout.py --subscribers 1000 --rounds 5 --auth   # one token per subscriber
    python bench/realtime_fanout.py --scenario slots --auth   # 1,000 distinct practitioners watching a hub's
                                                               # slots; each round a booking changes one

Uses its own database (DATABASE_URL name + "_bench") with the demo data; needs REDIS_URL for the
two-process run. Loopback only; every loop is bounded.
"""

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import bench_database_url  # noqa: E402

VERBOSE = False
HUB_UPDATED = "subscription($id: ID!) { hubUpdated(hubId: $id) { id status serviceRadiusKm } }"
SLOT_UPDATED = "subscription($id: ID!) { slotUpdated(hubId: $id) { id seatsLeft status } }"
BOOK = "mutation($slot: ID!) { bookSlot(slotId: $slot) { errors { code } } }"
APPLY = """mutation($msp: ID!, $radius: Int!) { applyForHub(mspId: $msp, input: {serviceRadiusKm: $radius,
    monthlyCoordinationHours: 24, offerKinds: [COORDINATION_TIME, ADVANCED_CONSULTATION, PEER_FACILITATION]}) {
    errors { code } } }"""


def prepare(database_url: str, auth_users: int, scenario: str = "hub", rounds: int = 0):
    """Demo data in the bench database; the hub, the coordinator's token, and tokens for subscribers.

    Scenario "slots": the subscribers' tokens are of distinct practitioners, and the returned "MSP" is a
    slot of the hub (10,000 seats) with the tokens of the practitioners who book it, one per round.
    """
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from graphql_relay import to_global_id

    from backend.accounts.services import issue_token
    from network.models import Msp

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    msp = Msp.objects.get(name="MSP de Saint-Martin-sur-le-Pré")
    coordinator = get_user_model().objects.get(email="coordination.saint-martin@demo.tetedepont.fr")
    User = get_user_model()
    tokens = []
    if scenario == "slots":
        return _prepare_slots(msp, auth_users, rounds)
    for i in range(auth_users):
        user, _ = User.objects.get_or_create(email=f"abonne{i}@bench.invalid")
        tokens.append(issue_token(user).token)
    return (
        to_global_id("Hub", msp.hub.pk),
        to_global_id("Msp", msp.pk),
        issue_token(coordinator).token,
        tokens,
    )


def _prepare_slots(msp, subscribers: int, rounds: int):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from graphql_relay import to_global_id

    from backend.accounts.services import issue_token
    from mentoring.models import LocationKind, Slot, SupportOffer
    from network.models import OfferKind, Practitioner

    User = get_user_model()
    offer = SupportOffer.objects.create(
        hub=msp.hub,
        kind=OfferKind.PEER_FACILITATION,
        title="Bench fan-out",
        location_kind=LocationKind.REMOTE,
    )
    # Far from the other benches' slots (30 days ahead), which would make some bookers' seats overlap.
    starts = timezone.now() + timedelta(days=90)
    slot = Slot.objects.create(
        offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=10_000
    )

    def practitioner_tokens(count, prefix):
        found = []
        for i, practitioner in enumerate(
            # Without an account yet, and without any booking (the other benches book at various times,
            # which would make a booker's seat overlap and the round fail).
            Practitioner.objects.filter(user__isnull=True, bookings__isnull=True).order_by("pk")[:count]
        ):
            user, _ = User.objects.get_or_create(email=f"{prefix}{i}-{practitioner.pk}@bench.invalid")
            practitioner.user = user
            practitioner.save(update_fields=["user"])
            found.append(issue_token(user).token)
        return found

    tokens = practitioner_tokens(subscribers, "praticien")
    bookers = practitioner_tokens(rounds, "reservant")
    return to_global_id("Hub", msp.hub.pk), to_global_id("Slot", slot.pk), bookers, tokens


class Server:
    """A server on a port of its own: one uvicorn process as production runs it (Daphne with WEB_SERVER=daphne),
    or `command` (e.g. the production launcher)."""

    def __init__(self, port: int, env: dict, command: list[str] | None = None):
        self.port = port
        self.log = Path(tempfile.gettempdir()) / f"bench-server-{port}.log"
        if command is None and env.get("WEB_SERVER", "uvicorn") == "uvicorn":  # as production runs it
            command = [sys.executable, "-m", "backend.serve_uvicorn", "--port", str(port)]
        command = command or [sys.executable, "-m", "daphne", "-v", "1", "-b", "127.0.0.1", "-p", str(port)]
        if command[-1] != "backend.asgi:application" and "backend.serve" not in command:
            command = [*command, "backend.asgi:application"]
        self.process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=self.log.open("w")
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"The server did not start; see {self.log}")

    def stop(self):
        self.process.terminate()
        self.process.wait(20)


async def subscriber(
    url, hub_id, token, ready: asyncio.Event, inbox: asyncio.Queue, stop: asyncio.Event, query
):
    import websockets

    async with websockets.connect(
        url, subprotocols=["graphql-transport-ws"], max_queue=None, open_timeout=60, ping_interval=None
    ) as ws:
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}}
            )
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "type": "subscribe",
                    "id": "1",
                    "payload": {"query": query, "variables": {"id": hub_id}},
                }
            )
        )
        ready.set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 1)
            except TimeoutError:
                continue
            received = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "next":
                inbox.put_nowait(received)


def post(port, query, variables, token):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


async def run(ports, n, rounds, hub_id, msp_id, coordinator_token, tokens, scenario="hub"):
    inbox: asyncio.Queue = asyncio.Queue()
    stop = asyncio.Event()
    readies, tasks = [], []
    for i in range(n):
        ready = asyncio.Event()
        readies.append(ready)
        url = f"ws://127.0.0.1:{ports[i % len(ports)]}/graphql"
        token = tokens[i] if tokens else None
        query = SLOT_UPDATED if scenario == "slots" else HUB_UPDATED
        tasks.append(asyncio.create_task(subscriber(url, hub_id, token, ready, inbox, stop, query)))
        if i % 50 == 49 or i == n - 1:
            # Open the sockets in waves of 50, each acknowledged before the next (Twisted's listen backlog is 50).
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies[-50:])), 60)
    await asyncio.sleep(2 + n / 500)  # let every subscription join its group
    latencies, last = [], []
    for round_number in range(rounds):
        start = time.perf_counter()
        if scenario == "slots":  # msp_id is the slot, coordinator_token the bookers' tokens
            result = await asyncio.to_thread(
                post,
                ports[0],
                BOOK,
                {"slot": msp_id},
                coordinator_token.pop(),  # a new booker each round
            )
            assert result["data"]["bookSlot"]["errors"] == [], result
        else:
            result = await asyncio.to_thread(
                post, ports[0], APPLY, {"msp": msp_id, "radius": 40 + round_number % 20}, coordinator_token
            )
            assert result["data"]["applyForHub"]["errors"] == [], result
        mutation_ms = (time.perf_counter() - start) * 1000
        times = [await asyncio.wait_for(inbox.get(), 60) for _ in range(n)]
        ms = [(t - start) * 1000 for t in times]
        latencies.extend(ms)
        last.append(max(ms))
        if VERBOSE:
            ms.sort()
            print(
                f"  round {round_number + 1}: mutation answered {mutation_ms:.1f} ms, first {ms[0]:.1f} ms, median {ms[len(ms) // 2]:.1f} ms, last {ms[-1]:.1f} ms",
                flush=True,
            )
        await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    return statistics.median(latencies), p99, statistics.median(last), max(last)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--auth", action="store_true", help="one user and token per subscriber (no shared work)"
    )
    parser.add_argument("--processes", type=int, nargs="*", default=[1, 2])
    parser.add_argument(
        "--scenario",
        choices=["hub", "slots"],
        default="hub",
        help="hub: hubUpdated, changed by applyForHub; slots: slotUpdated of the hub, changed by bookings",
    )
    parser.add_argument("--verbose", action="store_true", help="print each round")
    parser.add_argument(
        "--server",
        choices=["daphne", "uvicorn"],
        default=os.environ.get("WEB_SERVER") or "uvicorn",
        help="the ASGI server, as WEB_SERVER chooses it in production (backend/serve_uvicorn.py)",
    )
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose

    database_url = bench_database_url()
    hub_id, msp_id, coordinator_token, tokens = prepare(
        database_url,
        max(args.subscribers) if args.auth else 0,
        args.scenario,
        args.rounds * len(args.subscribers) * len(args.processes),
    )
    redis_url = os.environ.get("REDIS_URL")
    base_env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": "bench-" + "0123456789abcdef" * 3,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Every client here comes from 127.0.0.1, standing for as many addresses as subscribers.
                "WS_MAX_SOCKETS_PER_ADDRESS": "5000", "RATE_LIMITS": "off"}  # fmt: skip
    print(
        f"{'subscribers':>11}  {'processes':>9}  {'layer':<12} {'median':>9} {'p99':>9} {'last (median round)':>20} {'last (worst)':>13}"
    )
    for processes in args.processes:
        if processes > 1 and not redis_url:
            print(f"(skipping {processes} processes: set REDIS_URL)")
            continue
        env = dict(base_env)
        if processes > 1 or redis_url:
            env["REDIS_URL"] = redis_url
        layer = "redis-pubsub" if env.get("REDIS_URL") else "in-memory"
        servers = [Server(18100 + i, {**env, "WEB_SERVER": args.server}) for i in range(processes)]
        try:
            for n in args.subscribers:
                median, p99, last_median, last_worst = asyncio.run(
                    run(
                        [s.port for s in servers],
                        n,
                        args.rounds,
                        hub_id,
                        msp_id,
                        coordinator_token,
                        tokens[:n] if args.auth else None,
                        args.scenario,
                    )
                )
                print(
                    f"{n:>11}  {processes:>9}  {layer:<12} {median:>7.1f}ms {p99:>7.1f}ms {last_median:>18.1f}ms {last_worst:>11.1f}ms",
                    flush=True,
                )
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
