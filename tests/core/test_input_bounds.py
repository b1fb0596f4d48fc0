"""Work a client controls is bounded where no resolver can forget it (issue 24, second red team).

Every search (any argument or input field named `search`) has one cap on words and characters; every text
input one maximum length; a request's variables count toward its size. The schema walk below gives every
text-taking input position 100 KB and expects a clear French refusal, so a field added tomorrow is covered.
"""

import pytest
from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLObjectType,
    coerce_input_value,
    get_named_type,
)

from backend.core.input_rules import text_limit
from backend.schema import schema
from tests.helpers import SEARCHES, top_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", SEARCHES)
def test_every_search_refuses_more_than_ten_words(gql, world, field):
    result = gql.execute(SEARCHES[field], {"s": " ".join(["saint"] * 11)}, user=world.user("cnam_staff"))
    assert top_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["message"].startswith(
        "La recherche compte trop de mots : 11, pour 10 au plus."
    )
    assert result["errors"][0]["extensions"]["limit"] == "searchWords"


@pytest.mark.parametrize("field", SEARCHES)
def test_every_search_refuses_more_than_two_hundred_characters(gql, world, field):
    result = gql.execute(SEARCHES[field], {"s": "a" * 201}, user=world.user("cnam_staff"))
    assert top_codes(result) == ["BAD_USER_INPUT"]
    assert (
        "La recherche est trop longue : 201 caractères, pour 200 au plus." in result["errors"][0]["message"]
    )


def test_a_search_within_the_caps_still_answers(gql, world):
    result = gql.execute(SEARCHES["msps"], {"s": world.msp.name.split()[0]})
    assert "errors" not in result
    assert result["data"]["msps"]["totalCount"] >= 1


def test_the_search_rule_covers_every_field_that_takes_a_search():
    """A schema walk: any field with a `search` argument, or an input holding one at any depth, is wrapped."""

    def holds_search(type_, seen=()):
        named = get_named_type(type_)
        if not isinstance(named, GraphQLInputObjectType) or named in seen:
            return False
        return "search" in named.fields or any(
            holds_search(f.type, (*seen, named)) for f in named.fields.values()
        )

    taking = [
        (named.name, name)
        for named in schema.graphql_schema.type_map.values()
        if isinstance(named, GraphQLObjectType) and not named.name.startswith("__")
        for name, field in named.fields.items()
        if any(arg == "search" or holds_search(a.type) for arg, a in field.args.items())
    ]
    assert {name for _, name in taking} >= set(SEARCHES)
    unbounded = [
        (parent, name)
        for parent, name in taking
        if not getattr(schema.graphql_schema.type_map[parent].fields[name].resolve, "_search_bounded", False)
    ]
    assert unbounded == []


def test_a_literal_search_in_the_document_is_bounded_too(gql):
    words = " ".join(["saint"] * 11)
    result = gql.execute('{ msps(first: 1, filter: {search: "' + words + '"}) { totalCount } }')
    assert top_codes(result) == ["BAD_USER_INPUT"]


def test_the_variables_count_toward_the_request_size(gql):
    # Before: a 32 KB document limit, and variables of any size beside it (16,000 search words: 10.5 s).
    result = gql.execute(SEARCHES["msps"], {"s": " ".join(["saint"] * 16_000)})
    assert top_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["limit"] == "documentBytes"
    assert "document et variables" in result["errors"][0]["message"]


def test_every_text_input_has_a_maximum_length(gql, world):
    maximum = text_limit("MAX_TEXT_CHARS")
    mutation = """mutation($s: String!, $b: String!) { submitAcceleratorRequest(input: {subject: $s, body: $b,
        category: HEALTH_PROJECT}) { request { id } errors { code } } }"""
    result = gql.execute(
        mutation, {"s": "Statuts", "b": "é" * (maximum + 1)}, user=world.user("practitioner")
    )
    assert top_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["message"] == (
        "Valeur invalide pour la variable « $b » : "
        "Le texte est trop long : 10\u202f001 caractères, pour 10\u202f000 au plus."
    )  # before: accepted; and a refused variable's value came back whole, behind graphql-core's English


def _takes_text(type_) -> bool:
    named = get_named_type(type_)
    return not hasattr(named, "fields") and not hasattr(named, "values") and named.name not in NUMERIC


NUMERIC = {"Int", "Float", "Boolean"}


def _text_positions():
    """Every argument and input field whose scalar takes text, with its place in the schema."""
    for named in schema.graphql_schema.type_map.values():
        if named.name.startswith("__"):
            continue
        if isinstance(named, GraphQLObjectType):
            for field_name, field in named.fields.items():
                for arg_name, arg in field.args.items():
                    if _takes_text(arg.type):
                        yield f"{named.name}.{field_name}({arg_name})", arg.type
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                if _takes_text(field.type):
                    yield f"{named.name}.{field_name}", field.type


def test_every_text_input_of_the_schema_refuses_100_kb_at_once():
    """The schema walk: 100 KB into each text-taking argument and input field is refused, in French, by the
    length rule, which runs before the scalar parses anything (a scalar added without it fails here). How
    fast a refusal is, bench/abuse.py measures."""
    positions = list(_text_positions())
    assert len(positions) > 100
    huge = "x" * 100_000
    accepted = []
    for place, type_ in positions:
        errors = []
        coerce_input_value(huge, type_, lambda path, value, error, errors=errors: errors.append(error))
        if not errors or not isinstance(errors[0], GraphQLError):
            accepted.append(place)
        elif "trop long" not in errors[0].message and "multipart" not in errors[0].message:
            accepted.append(f"{place}: {errors[0].message}")
    assert accepted == []


def test_a_request_of_100_kb_in_one_variable_is_refused_over_http(gql):
    result = gql.execute(
        "mutation($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) { token } }",
        {"e": "x" * 100_000, "p": "x"},
    )
    assert top_codes(result) == ["BAD_USER_INPUT"]
