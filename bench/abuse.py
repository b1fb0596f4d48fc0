"""The security review's abuse cases, replayed against a real Daphne started as production runs it.

DEBUG=0, its own database (DATABASE_URL name + "_bench") with the demo data, Redis when REDIS_URL is
set. For each case it prints whether it was refused, how long the answer took, the latency of
ordinary clients meanwhile (an HTTP query every 50 ms, each from one of 50 addresses in turn: median
and p99), and how much the server's peak memory (VmHWM) grew. Loopback only; every loop is bounded in
count and time.

Requests are counted per address (backend/core/rate_limit.py, the default rates): loopback has the
whole of 127.0.0.0/8, so each case sends from an address of its own (the search floods' 8 clients from
8), as separate machines would. A case waits as long as a 429's Retry-After says (an attacker pacing
itself), except the floods, which loop regardless.

    python bench/abuse.py [word ...]   # only the cases whose name holds one of the words
"""

import asyncio
import collections
import functools
import http.client
import itertools
import json
import multiprocessing
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


SOURCE = threading.local()  # the address a thread sends from, when not the case's
CASE_SOURCE = ["127.0.1.1"]  # the running case's address (case() gives each its own)
CASE_NUMBER = itertools.count(1)


def source_address() -> str:
    return getattr(SOURCE, "address", None) or CASE_SOURCE[0]


class SourceBound(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(
            functools.partial(http.client.HTTPConnection, source_address=(source_address(), 0)), req
        )


OPENER = urllib.request.build_opener(SourceBound)


def post(query, variables=None, token=None, timeout=60, patient=True):
    """POSTs a GraphQL request; a 429 is waited out and sent again unless not `patient`."""
    while True:
        status, body, wait = _post(query, variables, token, timeout)
        if status != 429 or not patient:
            return status, body
        time.sleep(wait)


def _post(query, variables, token, timeout):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers=headers,
    )
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), 0
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), int(error.headers.get("Retry-After") or 0)


class Probe:
    """Ordinary clients: `{ regions { code } }` every 50 ms, from 50 addresses in turn (each one request
    every 2.5 s); latencies recorded while a case runs."""

    def __init__(self):
        self.samples: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        addresses = itertools.cycle([f"127.0.3.{n}" for n in range(1, 51)])
        while not self.stop.is_set():
            SOURCE.address = next(addresses)
            start = time.perf_counter()
            try:
                post("{ regions { code } }", timeout=30, patient=False)
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
        ordered = sorted(self.samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return f"{statistics.median(ordered) * 1000:.0f} / {p99 * 1000:.0f} ms"


def codes(body):
    return [
        e.get("extensions", {}).get("limit") or e.get("extensions", {}).get("code")
        for e in body.get("errors", [])
    ]


ROWS = []
CHOSEN = sys.argv[1:]  # words: only the cases whose name holds one (all when none)
SERVER_PID = None  # set by main: each case prints how much the server's peak memory grew during it


def case(name, run):
    if CHOSEN and not any(word in name for word in CHOSEN):
        return
    CASE_SOURCE[0] = f"127.0.1.{next(CASE_NUMBER)}"
    before = _peak_kb(SERVER_PID) if SERVER_PID else 0
    with Probe() as probe:
        start = time.perf_counter()
        verdict = run()
        elapsed = time.perf_counter() - start
    grown = (_peak_kb(SERVER_PID) - before) // 1024 if SERVER_PID else 0
    ROWS.append((name, verdict, elapsed, probe.summary(), grown))
    print(
        f"{name:<58} {verdict:<44} {elapsed * 1000:>9.0f} ms   {probe.summary():>16}   {grown:>5} MB",
        flush=True,
    )


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
        url,
        subprotocols=["graphql-transport-ws"],
        open_timeout=10,
        ping_interval=None,
        local_addr=(source_address(), 0),
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


async def sockets_from_one_client(count=2000, at_once=200):
    """`count` handshakes from one address, `at_once` in flight (a refusal beyond the address's rate is held
    for a second before it is sent: in sequence, 2,000 would take minutes)."""
    import websockets

    sockets, limit = [], asyncio.Semaphore(at_once)

    async def attempt():
        async with limit:
            try:
                sockets.append(await ws_open(f"ws://127.0.0.1:{PORT}/graphql"))
                return True
            except (RuntimeError, websockets.exceptions.WebSocketException, OSError, TimeoutError):
                return False

    opened = sum(await asyncio.gather(*(attempt() for _ in range(count))))
    for ws in sockets:
        await ws.close()
    return f"{opened} accepted, {count - opened} refused"


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
    from mentoring.accelerator.models import AcceleratorAttachment, AcceleratorRequest
    from mentoring.models import SlotSeries
    from network.models import Msp, MspInvitation, Practitioner

    AcceleratorRequest.objects.filter(
        subject="Statuts", requester__email__startswith="medecin.isole"
    ).delete()
    AcceleratorAttachment.objects.filter(uploaded_by__email="medecin.isole@demo.tetedepont.fr").delete()
    SlotSeries.objects.filter(until="2028-12-31").delete()
    MspInvitation.objects.all().delete()
    Msp.objects.filter(name="MSP fantôme").delete()
    Practitioner.objects.filter(email__endswith="@bench.invalid").delete()
    get_user_model().objects.filter(email__endswith="@bench.invalid").delete()
    FailedLogin.objects.all().delete()


def _peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def peak_memory(pid: int) -> str:
    return f"{_peak_kb(pid)} kB"


# --- What a client's input costs (issue 24) ------------------------------------------------------------

SEARCH = "query($s: String) { msps(first: 1, filter: {search: $s}) { totalCount } }"


def flood_client(text: str, number: int, seconds: float):
    """One abusive client of search_flood, in a process of its own, from 127.0.2.<number>."""
    SOURCE.address = f"127.0.2.{number}"
    answers, durations, deadline = [], [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        answers.append(post(SEARCH, {"s": text}, patient=False)[1])
        durations.append(time.perf_counter() - start)
    return answers, durations


def search_flood(words: int, clients: int = 8, seconds: float = 10.0):
    """`clients` anonymous clients searching `words` words again and again for `seconds` (the red team: 16,000
    words took 10.5 s each, and 8 such clients made another client's `{ __typename }` wait 11 s). The answer
    column is the abusive requests' median; the ordinary client's latencies are measured meanwhile."""

    # One process per client, started before the case: in threads they would share this process's GIL
    # with the ordinary clients' probe, whose latencies would then measure the bench, not the server.
    pool = multiprocessing.get_context("spawn").Pool(clients)
    pool.map(time.sleep, [0.5] * clients, chunksize=1)

    def run():
        text = " ".join(["saint"] * words)
        with pool:
            results = pool.starmap(
                flood_client, [(text, n, seconds) for n in range(1, clients + 1)], chunksize=1
            )
        answers = [a for answers, _ in results for a in answers]
        durations = [d for _, durations in results for d in durations]
        found = collections.Counter(code for answer in answers for code in codes(answer))
        refused = all(answer.get("data", {}).get("msps") is None for answer in answers)
        median = statistics.median(durations) * 1000
        verdict = f"{len(answers)} refused ({', '.join(f'{n} {c}' for c, n in sorted(found.items()))}), each {median:.0f} ms"
        return verdict if refused else "ANSWERED"

    return run


def token_of(email: str) -> str:
    """A token for a demo account, issued directly: the throttle cases above have paused this address's
    sign-ins, as they should."""
    from django.contrib.auth import get_user_model

    from backend.accounts.services import issue_token

    return issue_token(get_user_model().objects.get(email=email)).token


def recurrence(rule: str):
    """A hub coordinator's series over two years (the red team: FREQ=SECONDLY, 5.1 s and +90 MB over 3 days)."""
    from graphql_relay import to_global_id

    from mentoring.models import SupportOffer

    # The demo's hub, by its full name: the bench database also holds generated MSPs (some near Sens) whose
    # offers other benches create (bench/booking.py), which this coordinator does not run.
    offer = SupportOffer.objects.filter(hub__msp__name="MSP Sens – Champs Plaisants").order_by("pk").first()
    token = token_of("coordination.sens@demo.tetedepont.fr")

    def run():
        mutation = """mutation($o: ID!, $r: String!) { createSlotSeries(offerId: $o, rule: $r, startsOn: "2027-01-04",
            until: "2028-12-31", startTime: "09:00:00", durationMinutes: 60, capacity: 2) {
            slots { id } errors { code } } }"""
        answer = post(mutation, {"o": to_global_id("SupportOffer", offer.pk), "r": rule}, token=token)[1]
        if answer.get("errors"):
            raise RuntimeError(answer["errors"])
        errors = [e["code"] for e in answer["data"]["createSlotSeries"]["errors"]]
        return f"refused ({', '.join(errors)})" if errors else "ACCEPTED"

    return run


def multipart(token: str, query: str, variables: dict, files: list[tuple[str, bytes]]):
    """A GraphQL multipart request (the spec's operations, map and files) over loopback HTTP."""
    boundary = "bench-abuse-" + str(time.time_ns())
    names = {str(i): [f"variables.files.{i}"] for i in range(len(files))}
    parts = [
        ("operations", None, json.dumps({"query": query, "variables": variables}).encode()),
        ("map", None, json.dumps(names).encode()),
        *((str(i), name, content) for i, (name, content) in enumerate(files)),
    ]
    body = b""
    for field, filename, content in parts:
        disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/graphql",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {token}",
        },
    )
    while True:
        try:
            with OPENER.open(request, timeout=120) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code != 429:
                raise
            time.sleep(int(error.headers.get("Retry-After") or 1))


SUBMIT = """mutation($files: [Upload!]) { submitAcceleratorRequest(files: $files, input: {subject: "Statuts",
    body: "Voici nos statuts.", category: SISA_LEGAL, communeCode: "51108"}) { request { id } errors { message } } }"""


def zip_bomb():
    """An .odt whose `mimetype` is its type then 400 MiB of spaces: ~400 KB sent (the red team: 1.1 GB of
    server memory in 3.6 s, and the file accepted). Built before the case is timed."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("mimetype", "w", force_zip64=True) as member:
            member.write(b"application/vnd.oasis.opendocument.text")
            for _ in range(400):
                member.write(b" " * (1 << 20))
        archive.writestr("content.xml", "<office:document-content/>")
    bomb, token = buffer.getvalue(), token_of("porteur.projet@demo.tetedepont.fr")

    def run():
        answer = multipart(token, SUBMIT, {"files": [None]}, [("statuts.odt", bomb)])
        errors = answer["data"]["submitAcceleratorRequest"]["errors"]
        return f"refused ({len(bomb) // 1024} KB sent)" if errors else "ACCEPTED"

    return run


def upload_flood(rounds: int = 30):
    """Questions with 5 × 1 MB PDFs, again and again, by one practitioner (the red team: no quota)."""
    token = token_of("medecin.isole@demo.tetedepont.fr")
    pdf = b"%PDF-1.4\n" + b"0" * (1 << 20) + b"\n%%EOF\n"
    accepted = 0
    for _ in range(rounds):
        answer = multipart(token, SUBMIT, {"files": [None] * 5}, [(f"p{i}.pdf", pdf) for i in range(5)])
        if answer["data"]["submitAcceleratorRequest"]["errors"]:
            break
        accepted += 1
    return (
        f"{accepted * 5} MB accepted, then refused" if accepted < rounds else f"ALL {rounds * 5} MB ACCEPTED"
    )


def main():
    database_url = bench_database_url()
    hub_id, *_ = prepare(database_url, 0)
    forget_earlier_runs()
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": "bench-" + "0123456789abcdef" * 3,
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(MAIL_DIR), "MEDIA_ROOT": tempfile.mkdtemp(prefix="bench-abuse-media-")}  # fmt: skip
    server = Server(PORT, env)
    global SERVER_PID
    SERVER_PID = server.process.pid
    try:
        print(f"{'case':<58} {'result':<44} {'answer':>12}   {'others: med / p99':>16}   memory")
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
        case("8 clients searching 16,000 words (anonymous)", search_flood(16_000))
        case("8 clients searching 11 words (anonymous)", search_flood(11))
        case("createSlotSeries FREQ=SECONDLY over two years", recurrence("FREQ=SECONDLY"))
        case(
            "createSlotSeries that never occurs (30 February)",
            recurrence("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30"),
        )
        case("createSlotSeries INTERVAL=0 (dateutil never ends)", recurrence("FREQ=DAILY;INTERVAL=0"))
        case(".odt zip bomb (400 MiB mimetype)", zip_bomb())
        case("questions with 5 × 1 MB files, 30 times", upload_flood)
        print(f"Server peak memory (VmHWM): {peak_memory(server.process.pid)}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
