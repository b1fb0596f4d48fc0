"""The security review's abuse cases, replayed against a real Daphne started as production runs it.

DEBUG=0, its own database (DATABASE_URL name + "_bench") with the demo data, Redis when REDIS_URL is
set. For each case it prints whether it was refused, how long the answer took, the latency of an
ordinary client meanwhile (an HTTP query every 50 ms: median and worst), and at the end the server's
peak memory (VmHWM). Loopback only; every loop is bounded in count and time.

    python bench/abuse.py
"""

import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import bench_database_url  # noqa: E402
from realtime_fanout import Server, prepare  # noqa: E402

PORT = 18200
MAIL_DIR = Path(tempfile.mkdtemp(prefix="bench-abuse-mail-"))

NESTED = (
    "{ msps(first: 100) { edges { node { memberships { practitioner { memberships { msp { name "
    "memberships { practitioner { memberships { msp { name } } } } } } } } } } } }"
)
DEEPER = NESTED.replace("msp { name } }", "msp { name memberships { role } } }", 1)
ALIASES = (
    "{ "
    + " ".join(
        f'h{i}: nearbyHubs(near: {{communeCode: "51272"}}, radiusKm: 60) {{ distanceKm }}' for i in range(500)
    )
    + " }"
)
FRAGMENTS = (
    "{ msps(first: 100) { edges { node { ...F0 } } } }\n"
    + "\n".join(
        f"fragment F{i} on Msp {{ a{i}: hub {{ msp {{ ...F{i + 1} }} }} b{i}: hub {{ msp {{ ...F{i + 1} }} }} }}"
        for i in range(12)
    )
    + "\nfragment F12 on Msp { name }"
)
INTROSPECTION = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"


def post(query, variables=None, token=None, timeout=60):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Probe:
    """An ordinary client: `{ regions { code } }` every 50 ms; latencies recorded while a case runs."""

    def __init__(self):
        self.samples: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                post("{ regions { code } }", timeout=30)
                self.samples.append(time.perf_counter() - start)
            except OSError:
                self.samples.append(30.0)
            self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(35)

    def summary(self):
        if not self.samples:
            return "-"
        return f"{statistics.median(self.samples) * 1000:.0f} / {max(self.samples) * 1000:.0f} ms"


def codes(body):
    return [
        e.get("extensions", {}).get("limit") or e.get("extensions", {}).get("code")
        for e in body.get("errors", [])
    ]


ROWS = []


def case(name, run):
    with Probe() as probe:
        start = time.perf_counter()
        verdict = run()
        elapsed = time.perf_counter() - start
    ROWS.append((name, verdict, elapsed, probe.summary()))
    print(f"{name:<58} {verdict:<44} {elapsed * 1000:>9.0f} ms   {probe.summary():>16}", flush=True)


def http_case(query, concurrency=1):
    def run():
        with ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(lambda _: post(query), range(concurrency)))
        status, body = results[0]
        found = codes(body)
        return (
            f"refused ({', '.join(map(str, found))})"
            if found and body.get("data") is None
            else f"ANSWERED {status}"
        )

    return run


async def ws_open(url, init=None):
    import websockets

    ws = await websockets.connect(
        url, subprotocols=["graphql-transport-ws"], open_timeout=10, ping_interval=None
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": init or {}}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
    if reply.get("type") != "connection_ack":
        raise RuntimeError(reply)
    return ws


async def subscriptions_on_one_socket(hub_id, count=5000, distinct=False):
    ws = await ws_open(f"ws://127.0.0.1:{PORT}/graphql")
    query = "subscription($id: ID!) { hubUpdated(hubId: $id) { id status } }"
    for i in range(count):
        variables = {"id": hub_id, **({"x": i} if distinct else {})}
        await ws.send(
            json.dumps(
                {"type": "subscribe", "id": str(i), "payload": {"query": query, "variables": variables}}
            )
        )
    refused = 0
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 2))
            refused += message.get("type") == "error"
    except TimeoutError:
        pass
    await ws.close()
    return f"{count - refused} accepted, {refused} refused"


async def sockets_from_one_client(count=2000):
    import websockets

    opened, refused, sockets = 0, 0, []
    for _ in range(count):
        try:
            sockets.append(await ws_open(f"ws://127.0.0.1:{PORT}/graphql"))
            opened += 1
        except (RuntimeError, websockets.exceptions.WebSocketException, OSError, TimeoutError):
            refused += 1
    for ws in sockets:
        await ws.close()
    return f"{opened} accepted, {refused} refused"


async def oversized_message():
    import websockets

    ws = await ws_open(f"ws://127.0.0.1:{PORT}/graphql")
    await ws.send(
        json.dumps(
            {
                "type": "subscribe",
                "id": "1",
                "payload": {"query": "{ __typename }", "variables": {"x": "a" * 200_000}},
            }
        )
    )
    try:
        await asyncio.wait_for(ws.recv(), 5)
    except websockets.exceptions.ConnectionClosed as closed:
        return f"closed {closed.rcvd.code if closed.rcvd else '?'}"
    return "ANSWERED"


def last_code(address: str) -> str:
    """The confirmation code in the e-mail queued for `address` (the outbox: no worker runs here)."""
    from backend.mail.models import OutgoingEmail

    for body in OutgoingEmail.objects.filter(to=address).order_by("-pk").values_list("body", flat=True):
        found = re.findall(r"^(?=.*[A-Za-z0-9])([A-Za-z0-9_-]{20,})$", body, re.MULTILINE)
        if found:
            return found[-1]
    raise RuntimeError("no confirmation e-mail")


def harvest():
    """registerPractitioner → confirm → createMsp → invite 88 strangers → read their e-mail and RPPS."""
    from network.identifiers import rpps_with_key

    stamp = int(time.time() * 1000) % 100_000_000
    email = f"curieux{stamp}@bench.invalid"
    post(
        """mutation($i: RegisterPractitionerInput!) { registerPractitioner(input: $i) { accepted } }""",
        {"i": {"email": email, "password": "un-mot-de-passe-solide", "firstName": "Cu", "lastName": "Rieux",
               "professionCode": "10", "rpps": rpps_with_key(1_400_000_000 + stamp % 99_999_999), "communeCode": "51504"}},
    )  # fmt: skip
    time.sleep(0.2)
    confirmed = post(
        "mutation($c: String!) { confirmRegistration(code: $c) { errors { code message } } }",
        {"c": last_code(email)},
    )[1]
    if confirmed["data"]["confirmRegistration"]["errors"]:
        raise RuntimeError(confirmed)
    token = post(
        'mutation($e: String!) { tokenAuth(email: $e, password: "un-mot-de-passe-solide") { token } }',
        {"e": email},
    )[1]["data"]["tokenAuth"]["token"]
    msp = post(
        """mutation { createMsp(input: {name: "MSP fantôme", status: PROJECT, sites: [{address: "1 rue",
        communeCode: "51504", isMain: true}]}) { msp { id } } }""",
        token=token,
    )[1]["data"]["createMsp"]["msp"]["id"]
    people = post("{ practitioners(first: 88) { edges { node { id } } } }")[1]["data"]["practitioners"][
        "edges"
    ]
    for edge in people:
        post(
            "mutation($m: ID!, $p: ID!) { inviteMspMember(mspId: $m, practitionerId: $p, role: ASSOCIATE) { errors { code } } }",
            {"m": msp, "p": edge["node"]["id"]},
            token=token,
        )
    seen = post("{ practitioners(first: 88) { edges { node { id email rpps } } } }", token=token)[1]
    me = post("{ me { practitioner { id } } }", token=token)[1]["data"]["me"]["practitioner"]["id"]
    strangers = [e["node"] for e in seen["data"]["practitioners"]["edges"] if e["node"]["id"] != me]
    visible = sum(1 for node in strangers if node["email"] or node["rpps"])
    return f"{visible} of {len(strangers)} strangers' contacts visible"


def rpps_oracle():
    """Does inviting by RPPS tell a registered number from an unknown one?"""
    from network.identifiers import rpps_with_key

    token = post(
        'mutation { tokenAuth(email: "coordination.sens@demo.tetedepont.fr", password: "tetedepont-demo") { token } }'
    )[1]["data"]["tokenAuth"]["token"]
    msp = post("{ me { coordinatedMsps { id } } }", token=token)[1]["data"]["me"]["coordinatedMsps"][0]["id"]
    from network.models import Practitioner

    registered = Practitioner.objects.get(user__email="medecin.isole@demo.tetedepont.fr").rpps
    query = "mutation($m: ID!, $r: String!) { inviteMspMember(mspId: $m, rpps: $r, role: EMPLOYEE) { invitation { status practitioner { id } } errors { code } } }"
    answers = [
        post(query, {"m": msp, "r": rpps}, token=token)[1]
        for rpps in (registered, rpps_with_key(1_999_999_998))
    ]
    if any(answer.get("errors") for answer in answers):
        raise RuntimeError(answers)
    a, b = (answer["data"]["inviteMspMember"] for answer in answers)
    strip = lambda p: (p["errors"], p["invitation"] and {k: v for k, v in p["invitation"].items()})  # noqa: E731
    return "same answer" if strip(a) == strip(b) else f"DIFFERENT: {a} / {b}"


def throttle_spelling():
    email = "coordination.saint-martin@demo.tetedepont.fr"
    for _ in range(6):
        post('mutation($e: String!) { tokenAuth(email: $e, password: "faux") { token } }', {"e": email})
    other = email.replace("saint", "ſaint")
    token = post(
        'mutation($e: String!) { tokenAuth(email: $e, password: "tetedepont-demo") { token errors { code } } }',
        {"e": other},
    )[1]["data"]["tokenAuth"]
    return "refused" if not token["token"] else "LOGGED IN"


def throttle_concurrency():
    from backend.accounts.models import FailedLogin

    email = "medecin.isole@demo.tetedepont.fr"
    FailedLogin.objects.filter(email=email).delete()
    guess = 'mutation($e: String!) { tokenAuth(email: $e, password: "faux") { errors { code } } }'
    with ThreadPoolExecutor(25) as pool:
        answers = list(pool.map(lambda _: post(guess, {"e": email})[1], range(25)))
    checked = sum(a["data"]["tokenAuth"]["errors"][0]["code"] == "INVALID_CREDENTIALS" for a in answers)
    return f"{checked} of 25 checked against the password"


def forget_earlier_runs():
    """What an earlier run left (its sign-ups, MSP and invitations), so every run starts alike."""
    from django.contrib.auth import get_user_model

    from backend.accounts.models import FailedLogin
    from network.models import Msp, MspInvitation, Practitioner

    MspInvitation.objects.all().delete()
    Msp.objects.filter(name="MSP fantôme").delete()
    Practitioner.objects.filter(email__endswith="@bench.invalid").delete()
    get_user_model().objects.filter(email__endswith="@bench.invalid").delete()
    FailedLogin.objects.all().delete()


def peak_memory(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    return re.search(r"VmHWM:\s+(\d+) kB", status).group(1) + " kB"


def main():
    database_url = bench_database_url()
    hub_id, *_ = prepare(database_url, 0)
    forget_earlier_runs()
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 40,
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(MAIL_DIR)}  # fmt: skip
    server = Server(PORT, env)
    try:
        print(f"{'case':<58} {'result':<44} {'answer':>12}   {'others: med / max':>16}")
        case("186-byte nested query (anonymous)", http_case(NESTED))
        case("the same, one level deeper", http_case(DEEPER))
        case("500 aliases of nearbyHubs", http_case(ALIASES))
        case("12-fragment bomb", http_case(FRAGMENTS))
        case("nested introspection", http_case(INTROSPECTION))
        case("40 nested queries at once", http_case(NESTED, concurrency=40))
        case("5,000 subscriptions on one socket", lambda: asyncio.run(subscriptions_on_one_socket(hub_id)))
        case(
            "1,000 subscriptions with distinct variables",
            lambda: asyncio.run(subscriptions_on_one_socket(hub_id, 1000, distinct=True)),
        )
        case("2,000 sockets from one client", lambda: asyncio.run(sockets_from_one_client()))
        case("200 kB WebSocket message", lambda: asyncio.run(oversized_message()))
        case("sign up, declare an MSP, add 88 strangers", harvest)
        case("inviteMspMember(rpps:) registered vs unknown", rpps_oracle)
        case("locked e-mail, other spelling (ſ)", throttle_spelling)
        case("25 simultaneous wrong passwords", throttle_concurrency)
        print(f"Server peak memory (VmHWM): {peak_memory(server.process.pid)}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
