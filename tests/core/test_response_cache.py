"""The response cache (backend/cache/store.py): an anonymous compiled read is served again from PostgreSQL
only while no table it read has been written since it was read, whoever wrote it and however (a service, a
bulk update, raw SQL, the admin, a management command); nothing is kept for a signed-in viewer or for an answer
with errors; an answer is for its day; and a probe that writes while another process reads finds no stale
answer."""

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client, override_settings
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from backend.cache import store
from backend.core import compiled_reads
from backend.core.observability import RESPONSE_CACHE
from network.models import Commune, Membership, MembershipRole, Practitioner, Profession, Zoning
from network.services import directory
from tests.core.test_compiled_transport import PRODUCTION, post
from tests.daphne import server_env
from tests.factories import make_practitioner, make_world
from tests.helpers import TIMEOUT, ready_socket, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parents[2]
MSPS = """{ msps(first: 20) { totalCount edges { node { id name memberCount
    memberships { role practitioner { fullName profession { label } } } } } } }"""
NODE = (
    """query($id: ID!) { node(id: $id) { ... on Msp { name memberships { practitioner { fullName } } } } }"""
)
COMMUNE = """{ communes(search: "51108", first: 1) { edges { node { code zoning } } } }"""


@pytest.fixture(autouse=True)
def empty_cache(transactional_db):
    """Answers kept by earlier tests are still valid (their tables were emptied since, a write the log
    recorded) but would be counted here."""
    assert store.prune(force=True)


def hits() -> float:
    return RESPONSE_CACHE.labels("hit")._value.get()


def stored() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM response_cache_answer")
        return cursor.fetchone()[0]


def read(gql, query, variables=None, **kwargs):
    answer = gql.execute(query, variables, **kwargs)
    assert "errors" not in answer, answer
    return answer


def executor(gql, query, variables=None, **kwargs):
    """The executor's own answer, compiled reads (and so the cache) off."""
    with override_settings(GRAPHQL_EXECUTION={"COMPILED_READS": False}):
        return read(gql, query, variables, **kwargs)


def _by_service(world):
    directory.update_msp(world.msp, directory.MspData(name="MSP renommée par le service"))


def _bulk(world):
    Practitioner.objects.filter(memberships__msp=world.msp).update(last_name="Renommé-en-masse")


def _raw_sql(world):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE network_profession SET label = label || ' (modifié en SQL)'")


def _delete(world):
    Membership.objects.filter(msp=world.msp).order_by("pk").first().delete()


def _new_member(world):
    Membership.objects.create(
        msp=world.other_msp, practitioner=make_practitioner("10"), role=MembershipRole.ASSOCIATE,
        start_date=date(2020, 1, 1),
    )  # fmt: skip


@pytest.mark.parametrize("write", [_by_service, _bulk, _raw_sql, _delete, _new_member])
def test_a_read_is_served_again_until_a_table_it_read_is_written(territories, gql, write):
    world = make_world()
    first = read(gql, MSPS)
    before = hits()
    assert read(gql, MSPS) == first == executor(gql, MSPS)
    assert hits() == before + 1  # the second was a hit
    write(world)
    after_write = read(gql, MSPS)
    assert after_write != first  # the write shows at once
    assert after_write == executor(gql, MSPS)
    assert hits() == before + 1
    assert read(gql, MSPS) == after_write  # and is kept in its turn
    assert hits() == before + 2


def test_a_write_to_a_table_the_answer_did_not_read_keeps_it(territories, gql):
    world = make_world()
    read(gql, MSPS)
    Profession.objects.filter(code="10").update(label="Médecin")  # profession: read by MSPS, not by NODE
    msp_id = {"id": to_global_id("Msp", world.msp.pk)}
    read(gql, NODE, msp_id)
    before = hits()
    Profession.objects.filter(code="10").update(label="Médecin généraliste")
    assert read(gql, NODE, msp_id) == executor(gql, NODE, msp_id)
    assert hits() == before + 1
    assert read(gql, MSPS) == executor(gql, MSPS)
    assert hits() == before + 1  # MSPS read the profession: a miss


def test_nothing_is_kept_for_a_signed_in_viewer_or_an_answer_with_errors(territories, gql):
    world = make_world()
    before = hits()
    for role in ("practitioner", "coordinator", "cnam_staff", "admin"):
        token = issue_token(world.users[role]).token
        for _ in range(2):
            assert read(gql, MSPS, token=token) == executor(gql, MSPS, token=token)
    assert stored() == 0
    refused = gql.execute("{ msps(first: 500) { totalCount } }")
    assert refused["errors"]
    assert gql.execute("{ msps(first: 500) { totalCount } }") == refused
    assert stored() == 0 and hits() == before


def test_an_answer_is_for_its_day(territories, gql, monkeypatch):
    """A membership that ends today is current yesterday: yesterday's answer is never today's."""
    world = make_world()
    today = date.today()
    Membership.objects.filter(msp=world.msp).update(end_date=today)
    monkeypatch.setattr(compiled_reads, "today", lambda: today - timedelta(days=1))
    yesterday = read(gql, MSPS)
    monkeypatch.undo()
    before = hits()
    answer = read(gql, MSPS)
    assert answer == executor(gql, MSPS) != yesterday
    assert hits() == before


def test_a_table_whose_writes_are_not_recorded_is_never_cached(territories, gql):
    make_world()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {store.TRIGGER} ON network_profession")
    store.watched.tables = None
    try:
        read(gql, MSPS)
        assert stored() == 0
        read(gql, COMMUNE)
        assert stored() == 1  # communes and departments are recorded
    finally:
        store.watch_writes()
    assert "network_profession" in store.watched.get(connection.cursor())


def test_answers_and_log_are_emptied_together_and_never_under_a_running_writer(territories, gql):
    world = make_world()
    read(gql, MSPS)
    assert not store.prune()  # within its bounds
    writer = psycopg.connect(_url(), autocommit=False)
    try:
        writer.execute("UPDATE network_msp SET name = 'MSP en cours' WHERE id = %s", [world.msp.pk])
        started = time.monotonic()
        assert not store.prune(force=True)  # it would wait for the writer: it gives up
        assert time.monotonic() - started < 5
        assert stored() == 1
    finally:
        writer.commit()
        writer.close()
    assert store.prune(force=True)
    assert stored() == 0
    assert read(gql, MSPS) == executor(gql, MSPS)
    assert "MSP en cours" in json.dumps(read(gql, MSPS))


def test_answers_over_the_bound_are_not_kept(territories, gql, settings):
    make_world()
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "MAX_ANSWER_BYTES": 100}
    read(gql, MSPS)
    assert stored() == 0
    read(gql, COMMUNE)
    assert stored() == 1


def test_the_answers_kept_stay_within_their_bound(territories, gql, settings):
    make_world()
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "MAX_ANSWERS": 2, "PRUNE_EVERY": (60, 1)}
    counts = []
    for code in ("51108", "51504", "10387", "10033", "97415"):
        read(gql, COMMUNE.replace("51108", code))
        counts.append(stored())
    assert max(counts) <= 3 and counts != sorted(counts)  # emptied when over, then filled again


def test_only_answers_under_a_new_key_count_toward_a_look_at_the_bounds(
    territories, gql, settings, monkeypatch
):
    """An answer stored again under its key adds no row: a key read often, and written often, would otherwise
    have a process look at the bounds (two counts, a thread) every few stores."""
    world = make_world()
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "MAX_ANSWERS": 0, "PRUNE_EVERY": (3600, 2)}
    monkeypatch.setattr(store, "_since_prune", {"at": time.monotonic(), "stores": 0})
    read(gql, MSPS)
    _by_service(world)
    read(gql, MSPS)  # stored again, under the same key
    assert stored() == 1  # no look: with one, the bound of 0 answers would have emptied the store
    read(gql, COMMUNE)  # a second key: a look, and the store is emptied
    assert stored() == 0


@pytest.mark.usefixtures("disconnect_sockets")
async def test_over_websocket_an_anonymous_read_is_kept_and_a_write_shows_at_once(territories, settings):
    world = await sync_to_async(make_world)()
    msp_id = {"id": to_global_id("Msp", world.msp.pk)}
    token = await sync_to_async(lambda: issue_token(world.users["coordinator"]).token)()

    async def over_socket(token=None):
        communicator = await ready_socket(token)
        await subscribe(communicator, "1", NODE, msp_id)
        answer = await communicator.receive_json_from(TIMEOUT)
        assert await communicator.receive_json_from(TIMEOUT) == {"type": "complete", "id": "1"}
        await communicator.disconnect()
        return answer["payload"]

    first = await over_socket()
    before = hits()
    assert await over_socket() == first
    assert hits() == before + 1
    assert await over_socket(token) == first  # a signed-in viewer: answered, never from the cache
    assert hits() == before + 1
    await sync_to_async(directory.update_msp)(world.msp, directory.MspData(name="MSP renommée (socket)"))
    renamed = await over_socket()
    assert renamed["data"]["node"]["name"] == "MSP renommée (socket)" and hits() == before + 1


def _url() -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if k in {"host", "port", "user", "password", "dbname"}}
    )


def _metric(server, outcome) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
        text = response.read().decode()
    found = re.search(rf'^tdp_graphql_response_cache_total{{outcome="{outcome}"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_probe_writing_while_another_process_reads_finds_no_stale_answer(territories, servers, tmp_path):
    """Writes through the API (a production server), the admin (in this process) and a management command
    (a process of its own), while a thread reads anonymously through the server without pause. A read that
    starts after a write returned must show it."""
    world = make_world()
    Commune.objects.filter(code="51108").update(zoning=Zoning.NONE)
    server = servers(**PRODUCTION)
    coordinator = issue_token(world.users["coordinator"]).token
    msp_id = to_global_id("Msp", world.msp.pk)
    members = list(Membership.objects.filter(msp=world.msp).values_list("pk", flat=True))
    admin = Client()
    admin.force_login(world.users["admin"])
    # What each write changes, as a version the answers can be read back to: writes done before a read starts.
    done = {"name": 0, "members": 0, "zoning": 0}
    reads, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            versions = dict(done)
            node = json.loads(post(server, NODE, {"id": msp_id}, None))["data"]["node"]
            zoning = json.loads(post(server, COMMUNE, {}, None))["data"]["communes"]["edges"][0]["node"][
                "zoning"
            ]
            reads.append((versions, node, zoning))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for k in range(1, 9):
            time.sleep(0.2)
            renamed = json.loads(post(server, RENAME, {"id": msp_id, "name": f"MSP sonde {k}"}, coordinator))
            assert renamed["data"]["updateMsp"]["errors"] == [], renamed
            done["name"] = k
            if k % 3 == 0:  # the admin deletes a membership
                response = admin.post(f"/admin/network/membership/{members[k // 3]}/delete/", {"post": "yes"})
                assert response.status_code == 302, response.content[:500]
                done["members"] += 1
            if k in (2, 6):  # a management command sets the zoning
                zone = "ZIP" if k == 2 else "ZAC"
                (tmp_path / "zonage.csv").write_text(f"code_insee;zone\n51108;{zone}\n")
                command = [sys.executable, "manage.py", "load_zoning", str(tmp_path / "zonage.csv")]
                result = subprocess.run(command, cwd=PROJECT, env=server_env(None), capture_output=True, text=True)  # fmt: skip
                assert result.returncode == 0, result.stderr
                done["zoning"] += 1
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(30)
    zonings = ["NONE", "ZIP", "ZAC"]
    stale = [
        (versions, node["name"], len(node["memberships"]), zoning)
        for versions, node, zoning in reads
        if int(node["name"].rsplit(" ", 1)[-1] if "sonde" in node["name"] else 0) < versions["name"]
        or len(members) - len(node["memberships"]) < versions["members"]
        or zonings.index(zoning) < versions["zoning"]
    ]
    assert stale == []
    assert len(reads) > 20
    assert _metric(server, "hit") > 10  # the cache did serve most reads
    final = reads[-1]
    assert final[1]["name"] == "MSP sonde 8" and final[2] == "ZAC"


RENAME = """mutation($id: ID!, $name: String!) { updateMsp(id: $id, input: {name: $name}) {
    errors { code } msp { name } } }"""
