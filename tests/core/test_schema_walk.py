"""Guards that cover what nobody wrote a test for, by walking the live schema.

- `node(id:)` for every type implementing `Node`, as every role, on the demo data: the object, or
  null / FORBIDDEN / NOT_FOUND — never an internal error. Malformed and foreign IDs likewise.
- Every subscription, as every role: accepted, or refused with a code — never an internal error nor
  a dropped socket.

A new Node type or subscription is covered without writing a test for it; a Node type the demo has no
row of, or a subscription whose arguments this file cannot fill, fails here until it is handled.
"""

import io

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.core.management import call_command
from graphene_django.registry import get_global_registry
from graphql import GraphQLObjectType, get_named_type
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from backend.schema import schema
from tests.helpers import TIMEOUT, ready_socket, top_codes

pytestmark = pytest.mark.usefixtures("disconnect_sockets")

DEMO_ROLES = {
    "anonymous": None,
    "practitioner": "medecin.isole@demo.tetedepont.fr",
    "coordinator": "coordination.saint-martin@demo.tetedepont.fr",
    "project_holder": "porteur.projet@demo.tetedepont.fr",
    "ars_agent": "ars.grand-est@demo.tetedepont.fr",
    "cnam_staff": "agent.cnam@demo.tetedepont.fr",
    "admin": "admin@demo.tetedepont.fr",
}
ACCEPTABLE = {None, "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED", "BAD_USER_INPUT"}


def node_types():
    graphql_schema = schema.graphql_schema
    node = graphql_schema.get_type("Node")
    return sorted(t.name for t in graphql_schema.get_implementations(node).objects)


def model_of(type_name):
    for graphene_type in get_global_registry()._registry.values():
        if graphene_type._meta.name == type_name:
            return graphene_type._meta.model
    raise AssertionError(f"No Django model behind the Node type {type_name}")


def load_demo():
    from network.models import Commune

    if Commune.objects.count() < 10_000:  # a transactional test may start from the tests' few communes
        call_command("load_territories", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())


def tokens():
    User = get_user_model()
    return {
        role: None if email is None else issue_token(User.objects.get(email=email)).token
        for role, email in DEMO_ROLES.items()
    }


NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


@pytest.mark.django_db
def test_node_answers_every_type_for_every_role(gql):
    load_demo()
    by_role = tokens()
    failures = []
    for type_name in node_types():
        obj = model_of(type_name).objects.order_by("pk").first()
        if obj is None:
            failures.append(f"{type_name}: the demo has none; add one so that `node` is checked on it")
            continue
        ids = [to_global_id(type_name, obj.pk), to_global_id(type_name, "abc"), to_global_id(type_name, "0")]
        for role, token in by_role.items():
            for global_id in ids:
                result = gql.execute(NODE, {"id": global_id}, token=token)
                codes = set(top_codes(result))
                if result["_status"] >= 500 or not codes <= ACCEPTABLE:
                    failures.append(f"{type_name} {global_id!r} as {role}: {result.get('errors')}")
                elif not codes and result["data"]["node"] is not None:
                    assert result["data"]["node"]["__typename"] == type_name
    for global_id in ["garbage", to_global_id("NoSuchType", 1), "TXNwOg==", "", "Msp:abc"]:
        result = gql.execute(NODE, {"id": global_id})
        if result["_status"] >= 500 or not set(top_codes(result)) <= ACCEPTABLE:
            failures.append(f"{global_id!r}: {result.get('errors')}")
    assert not failures, "\n".join(failures)


def subscription_arguments(field_name, field):
    """Arguments for one subscription: an existing object of the right type for each ID argument."""
    from mentoring.accelerator.models import AcceleratorRequest
    from mentoring.models import Mentorship, SupportOffer
    from network.models import HubDesignation, Msp

    examples = {
        "hubId": ("Hub", HubDesignation),
        "mspId": ("Msp", Msp),
        "offerId": ("SupportOffer", SupportOffer),
        ("acceleratorRequestEvents", "id"): ("AcceleratorRequest", AcceleratorRequest),
        "mentorshipId": ("Mentorship", Mentorship),
        "regionCode": "44",  # a plain value: Grand Est
        "scope": {"level": "REGION", "code": "44"},  # an input object: Grand Est
    }
    variants = [{}]  # without optional arguments
    for name, argument in field.args.items():
        example = examples.get(name) or examples.get((field_name, name))
        if example is None:
            raise AssertionError(f"{field_name}({name}:): add an example argument to this test")
        if isinstance(example, str | dict):
            value = example
        else:
            type_name, model = example
            value = to_global_id(type_name, model.objects.order_by("pk").first().pk)
        if str(argument.type).endswith("!"):
            variants = [{**v, name: value} for v in variants]
        else:
            variants.append({name: value})
    return variants


@pytest.mark.django_db(transaction=True)
async def test_every_subscription_as_every_role_is_accepted_or_refused_with_a_code(territories):
    await database_sync_to_async(load_demo)()
    by_role = await database_sync_to_async(tokens)()
    subscription = schema.graphql_schema.subscription_type
    cases = []
    for field_name, field in subscription.fields.items():
        named = get_named_type(field.type)
        selection = "{ __typename }" if isinstance(named, GraphQLObjectType) else ""
        for variables in await database_sync_to_async(subscription_arguments)(field_name, field):
            declared = ", ".join(f"${n}: {field.args[n].type}" for n in variables)
            passed = ", ".join(f"{n}: ${n}" for n in variables)
            query = (
                f"subscription{f'({declared})' if declared else ''} "
                f"{{ {field_name}{f'({passed})' if passed else ''} {selection} }}"
            )
            cases.append((field_name, query, variables))
    failures = []
    for role, token in by_role.items():
        socket = await ready_socket(token=token)
        for index, (field_name, query, variables) in enumerate(cases):
            op = str(index)
            await socket.send_json_to(
                {"type": "subscribe", "id": op, "payload": {"query": query, "variables": variables}}
            )
            if await socket.receive_nothing(0.3):
                await socket.send_json_to({"type": "complete", "id": op})  # accepted: listening
                continue
            output = await socket.receive_output(TIMEOUT)
            if output["type"] == "websocket.close":
                failures.append(f"{field_name} {variables} as {role}: socket closed {output.get('code')}")
                socket = await ready_socket(token=token)
                continue
            import json

            message = json.loads(output["text"])
            codes = {e.get("extensions", {}).get("code") for e in message.get("payload") or []}
            if message["type"] != "error" or not codes <= ACCEPTABLE:
                failures.append(f"{field_name} {variables} as {role}: {message}")
    assert not failures, "\n".join(failures)


def _selection(graphql_type, depth: int) -> str:
    """Every field of the type without required arguments: scalars as they are, objects and lists of objects
    with their own fields down to `depth` (then `__typename`)."""
    from graphql import GraphQLNonNull, is_leaf_type

    parts = []
    for name, field in graphql_type.fields.items():
        if any(
            isinstance(arg.type, GraphQLNonNull) and arg.default_value is None for arg in field.args.values()
        ):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            parts.append(name)
        elif isinstance(named, GraphQLObjectType):
            inner = _selection(named, depth - 1) if depth > 1 else "__typename"
            parts.append(f"{name} {{ {inner} }}")
        else:  # interfaces, unions
            parts.append(f"{name} {{ __typename }}")
    return " ".join(parts)


def _elements(value) -> int:
    if isinstance(value, list):
        return len(value) + sum(_elements(v) for v in value)
    if isinstance(value, dict):
        return sum(_elements(v) for v in value.values())
    return 0


@pytest.mark.django_db
def test_node_costs_the_same_queries_whatever_the_objects_size(gql):
    """An N+1 guard for every Node type: `node` with every field two levels deep, on the demo's objects of
    that type, as an administrator (who sees everything). Objects whose answers hold more list elements must
    not cost a query per element (a few more for an optional relation present on one and not the other are
    allowed). It found `MspSite` loading its MSP's members one by one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    load_demo()
    token = tokens()["admin"]
    graphql_schema = schema.graphql_schema
    growing = []
    for type_name in node_types():
        graphql_type = graphql_schema.get_type(type_name)
        query = f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {_selection(graphql_type, 2)} }} }} }}"
        measured = []
        for obj in model_of(type_name).objects.order_by("pk")[:25]:
            with CaptureQueriesContext(connection) as queries:
                result = gql.execute(query, {"id": to_global_id(type_name, obj.pk)}, token=token)
            assert not any(c not in ACCEPTABLE for c in top_codes(result)), (type_name, result.get("errors"))
            if result.get("data") and result["data"]["node"]:
                measured.append((_elements(result["data"]["node"]), len(queries.captured_queries), obj.pk))
        if len(measured) < 2:
            continue
        small, large = min(measured), max(measured)
        extra_elements, extra_queries = large[0] - small[0], large[1] - small[1]
        # A query per element (or per two) is an N+1; a few more for an optional relation present is not.
        if extra_queries > 2 and extra_queries * 2 >= extra_elements:
            growing.append(
                f"{type_name}: {small[1]} queries for {small[0]} elements, {large[1]} for {large[0]}"
            )
    assert not growing, growing
