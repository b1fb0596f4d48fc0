"""graphql-core's own messages (syntax, validation, variables) reach users in French, with a code, over HTTP
and WebSocket alike; the errors the platform writes itself are left as they are."""

import re

import pytest

from backend.core.messages import PREAMBLE, french
from tests.helpers import TIMEOUT, ready_socket, subscribe

NEAR = '{communeCode: "51272"}'
# (document, variables, code): the mistakes a client makes.
MISTAKES = [
    ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { code nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { code { x } } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { code ", None, "GRAPHQL_PARSE_FAILED"),
    ("{ regions { code } } }", None, "GRAPHQL_PARSE_FAILED"),
    ('{ regions { code(x: "\\q") } }', None, "GRAPHQL_PARSE_FAILED"),
    (f"query($n: Int!) {{ nearbyHubs(near: {NEAR}, first: $n) {{ distanceKm }} }}", {"n": "abc"}, "BAD_USER_INPUT"),
    (f"query($n: Int!) {{ nearbyHubs(near: {NEAR}, first: $n) {{ distanceKm }} }}", {}, "BAD_USER_INPUT"),
    (f"query($n: Int!) {{ nearbyHubs(near: {NEAR}, first: $n) {{ distanceKm }} }}", {"n": None}, "BAD_USER_INPUT"),
    (f"query($n: Int) {{ nearbyHubs(near: {NEAR}, first: $n) {{ distanceKm }} }}", {"n": 2**40}, "BAD_USER_INPUT"),
    (f"query($k: OfferKind) {{ nearbyHubs(near: {NEAR}, offerKind: $k) {{ distanceKm }} }}", {"k": "NOPE"}, "BAD_USER_INPUT"),
    ("query($p: NearPointInput!) { nearbyHubs(near: $p) { distanceKm } }", {"p": {"commune": "x"}}, "BAD_USER_INPUT"),
    ("query($p: NearPointInput!) { nearbyHubs(near: $p) { distanceKm } }", {"p": "51272"}, "BAD_USER_INPUT"),
    ("{ nearbyHubs(near: {communeCode: 12}) { distanceKm } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ('{ nearbyHubs(near: {commune: "x"}) { distanceKm } }', None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ nearbyHubs { distanceKm } }", None, "GRAPHQL_VALIDATION_FAILED"),
    (f"{{ nearbyHubs(near: {NEAR}, radius: 3) {{ distanceKm }} }}", None, "GRAPHQL_VALIDATION_FAILED"),
    (f"{{ nearbyHubs(near: {NEAR}, offerKind: NOPE) {{ distanceKm }} }}", None, "GRAPHQL_VALIDATION_FAILED"),
    (f'{{ nearbyHubs(near: {NEAR}, offerKind: "COORDINATION_TIME") {{ distanceKm }} }}', None, "GRAPHQL_VALIDATION_FAILED"),
    ("query($d: DateTime) { slots(first: 1, filter: {startsAfter: $d}) { totalCount } }", {"d": "garbage"}, "BAD_USER_INPUT"),
    ("query($d: DateTime) { slots(first: 1, filter: {startsAfter: $d}) { totalCount } }", {"d": 12}, "BAD_USER_INPUT"),
    ("query($x: String) { regions { code } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { code(x: $y) } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("query($x: Int) { node(id: $x) { id } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("query A { regions { code } } query A { regions { code } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { code } } { regions { name } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { code: name code } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { ...F } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { code } } fragment F on Region { code }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { ...F } } fragment F on Region { ...F }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { ...F } } fragment F on Msp { name }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions { ... on Nope { code } } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions @nope { code } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ regions @skip { code } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("query @skip(if: true) { regions { code } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("subscription { hubUpdated(hubId: \"x\") { id } mspUpdated(mspId: \"y\") { id } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("type T { a: Int }", None, "GRAPHQL_VALIDATION_FAILED"),
]  # fmt: skip
ENGLISH = re.compile(
    r"\b(Cannot|Unknown|Expected|Field|Variable|Argument|must|provided|found|Did you mean|of type|defined|"
    r"conflict|Syntax|cannot|represent|value|never|used|There can be)\b"
)

pytestmark = pytest.mark.usefixtures("disconnect_sockets")


def assert_french(error, code):
    assert error["extensions"]["code"] == code, error
    message = error["message"]
    assert not ENGLISH.search(message) and PREAMBLE not in message, message


@pytest.mark.django_db
@pytest.mark.parametrize(("document", "variables", "code"), MISTAKES)
def test_every_mistake_is_explained_in_french_over_http(gql, document, variables, code):
    result = gql.execute(document, variables)
    assert result["errors"], result
    for error in result["errors"]:
        assert_french(error, code)


async def test_and_over_the_socket(territories):
    communicator = await ready_socket()
    for index, (document, variables, code) in enumerate(MISTAKES):
        if document.startswith("subscription"):
            continue  # a subscription with two fields is also refused, the socket's own way
        await subscribe(communicator, f"m{index}", document, variables)
        message = await communicator.receive_json_from(TIMEOUT)
        if (
            message["type"] == "next"
        ):  # refused while executing (variables): a result with errors, then complete
            errors = message["payload"]["errors"]
            assert await communicator.receive_json_from(TIMEOUT) == {"type": "complete", "id": f"m{index}"}
        else:
            assert message["type"] == "error", (document, message)
            errors = message["payload"]
        assert errors
        for error in errors:
            assert_french(error, code)
    await communicator.disconnect()


@pytest.mark.django_db
def test_the_platforms_own_errors_are_left_as_they_are(gql):
    result = gql.execute('{ node(id: "pas-un-identifiant") { id } }')
    assert result["errors"][0]["message"] == "Identifiant global invalide."
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_an_unknown_form_keeps_its_english_behind_a_french_preamble():
    assert french("Some future message.") == PREAMBLE + "Some future message."
    assert french("Le champ « x » est déjà en français.") == "Le champ « x » est déjà en français."
