"""Conventions every later issue relies on: described schema, checked-in SDL, error handling, health, settings."""

import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from backend.assembly.schema_file import SCHEMA_FILE, printed_schema
from backend.schema import schema
from tests.daphne import PRODUCTION_SECRET_KEY


def test_checked_in_schema_matches_the_live_schema():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == printed_schema(), (
        "run `make schema` and commit schema.graphql"
    )


def test_check_schema_command_fails_on_drift(tmp_path, monkeypatch):
    from django.core.management.base import CommandError

    from backend.assembly import schema_file

    stale = tmp_path / "schema.graphql"
    stale.write_text("type Query { old: String }\n", encoding="utf-8")
    monkeypatch.setattr("backend.assembly.management.commands.check_schema.SCHEMA_FILE", stale)
    with pytest.raises(CommandError, match="out of date"):
        call_command("check_schema")
    monkeypatch.setattr(
        "backend.assembly.management.commands.check_schema.SCHEMA_FILE", schema_file.SCHEMA_FILE
    )
    call_command("check_schema")


def test_every_type_field_argument_and_enum_value_is_described():
    missing = []
    for name, gtype in schema.graphql_schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(gtype, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in gtype.values.items() if not value.description]
    assert missing == []


# French terms an English description may use: the domain's own words (DOMAIN.md) and examples of data.
GLOSSARY = re.compile(
    r"«[^»]*»|\"[^\"]*\"|têtes? de pont|maisons? de santé pluriprofessionnelles?|projet de santé|"
    r"auxiliaires? médica(l|ux)|Code de la santé publique|Médecin|Infirmier|Grand Est|Pro Santé Connect",
    re.IGNORECASE,
)
FRENCH = re.compile(
    r"\b(le|la|les|des|du|une|est|pour|avec|dans|sur|qui|que|ou|et|pas|aux?)\b|[éèêàùçôîœ]", re.I
)


def all_descriptions():
    for name, gtype in schema.graphql_schema.type_map.items():
        if name.startswith("__"):
            continue
        yield name, gtype.description
        for field_name, field in getattr(gtype, "fields", {}).items():
            yield f"{name}.{field_name}", field.description
            for arg_name, arg in getattr(field, "args", {}).items():
                yield f"{name}.{field_name}({arg_name})", arg.description
        for value_name, value in getattr(gtype, "values", {}).items():
            yield f"{name}.{value_name}", value.description


OUR_PACKAGES = {"backend", "network", "mentoring", "observatory"}


def test_no_resolver_without_its_field():
    """A `resolve_x` on a type without a field `x` is never called: dead code that looks like a rule (five
    such resolvers sat on `Slot`, copies of `Booking`'s)."""
    dead = []
    for graphql_type in schema.graphql_schema.type_map.values():
        graphene_type = getattr(graphql_type, "graphene_type", None)
        fields = getattr(getattr(graphene_type, "_meta", None), "fields", None)
        if fields is None:
            continue
        for klass in graphene_type.__mro__:
            if klass.__module__.split(".")[0] not in OUR_PACKAGES:
                continue
            dead += [
                f"{klass.__module__}.{klass.__name__}.{name}"
                for name in vars(klass)
                if name.startswith("resolve_") and name.removeprefix("resolve_") not in fields
            ]
    assert not dead


def test_the_schema_is_described_in_english_without_the_sources_indentation():
    """English for the schema, French for what users read (messages, e-mails, the admin)."""
    french = [
        (where, text) for where, text in all_descriptions() if text and FRENCH.search(GLOSSARY.sub("", text))
    ]
    assert french == []
    indented = [where for where, text in all_descriptions() if text and re.search(r"\n\s|\S {2,}\S", text)]
    assert indented == []


@pytest.mark.django_db
def test_unexpected_errors_are_hidden_outside_debug(gql, monkeypatch, settings):
    class Broken:
        def order_by(self, *args):
            raise RuntimeError("secret internal detail")

    monkeypatch.setattr("network.models.Profession.objects", Broken())
    settings.DEBUG = False
    result = gql.execute("{ professions { code } }")
    assert result["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in result["errors"][0]["message"]
    settings.DEBUG = True
    assert "secret internal detail" in gql.execute("{ professions { code } }")["errors"][0]["message"]


@pytest.mark.django_db
def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "channelLayer": "ok",
        "oldestWaitingJobSeconds": None,
    }


@pytest.mark.django_db
def test_healthz_reports_how_long_the_oldest_due_job_has_waited(client):
    from django.db import connection

    from backend.mail.services import queue_email

    queue_email("marie@exemple.fr", "Objet", "Texte", kind="test")  # a job, no worker to take it
    with connection.cursor() as cursor:  # deferred ten minutes ago
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - interval '10 minutes' WHERE type = 'deferred'"
        )
    waited = client.get("/healthz").json()["oldestWaitingJobSeconds"]
    assert 600 <= waited < 700
    with connection.cursor() as cursor:  # a job scheduled for later is not waiting
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() + interval '1 hour'")
    assert client.get("/healthz").json()["oldestWaitingJobSeconds"] is None


def test_healthz_reports_an_unreachable_database(client, monkeypatch):
    from django.db import connection

    def refuse():
        raise OSError("no database")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.django_db
def test_admin_answers(admin_client):
    for url in [
        "/admin/",
        "/admin/network/msp/",
        "/admin/network/hubdesignation/",
        "/admin/network/practitioner/?q=x",
        "/admin/mentoring/supportoffer/",
        "/admin/mentoring/slot/",
        "/admin/mentoring/booking/",
    ]:
        assert admin_client.get(url).status_code == 200


def _import_settings(env):
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='backend.settings'; django.setup(); from django.conf import settings; print(settings.LANGUAGE_CODE, settings.TIME_ZONE, settings.USE_TZ)"
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = _import_settings({"DEBUG": "0", "ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_from_the_environment():
    result = _import_settings(
        {"DEBUG": "0", "SECRET_KEY": PRODUCTION_SECRET_KEY, "ALLOWED_HOSTS": "example.org"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["fr", "Europe/Paris", "True"]


@pytest.mark.django_db
def test_a_subscription_sent_over_http_gets_a_clear_error(gql):
    result = gql.execute('subscription { hubUpdated(hubId: "SHViOjE=") { id } }')
    assert result["_status"] == 400
    assert result["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in result["errors"][0]["message"]
