"""Declared permissions, checked by walking the schema.

- Every root query, mutation and subscription declares who may call it, and says so in its description.
- As each role of the test `ROLES` matrix, every operation (filled with made-up arguments) is let through
  the gate exactly when the role holds one of the permissions it declares: otherwise it is refused with
  UNAUTHENTICATED / FORBIDDEN and `extensions.requires` naming them (or NOT_FOUND, for the subscriptions
  that hide whether their object exists). Queries and mutations go over HTTP, subscriptions over
  WebSocket.

An operation added tomorrow is covered without a test of its own: it fails here until it declares its
permissions, and its gate is then checked against the matrix below.
"""

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from backend.core.graphql import to_camel
from backend.core.permissions import Permission
from backend.schema import Mutation, Query, Subscription, schema
from tests.factories import ROLES, make_practitioner
from tests.helpers import TIMEOUT, offer_for, question, ready_socket

P = Permission
COORDINATOR = {P.ANYONE, P.SIGNED_IN, P.PRACTITIONER, P.MSP_COORDINATOR, P.HUB_COORDINATOR}

# What each role of the `world` fixture holds, written out by hand (not computed by the code under test).
HOLDS = {
    "anonymous": {P.ANYONE},
    "practitioner": {P.ANYONE, P.SIGNED_IN, P.PRACTITIONER},
    "other_coordinator": COORDINATOR,  # coordinates another MSP: the gate lets in, the object check decides
    "coordinator": COORDINATOR,
    "ars_agent": {P.ANYONE, P.SIGNED_IN, P.ARS_AGENT},
    "other_ars_agent": {P.ANYONE, P.SIGNED_IN, P.ARS_AGENT},  # another region: the object check decides
    "cnam_staff": {
        P.ANYONE,
        P.SIGNED_IN,
        P.ACCELERATOR_STAFF,
        P.FOLLOW_SIGNALS,
        P.APPROVE_HUBS,
        P.VERIFY_MSP,
        P.VIEW_CONTACT_DETAILS,
    },
    "admin": set(Permission) - {P.PRACTITIONER},  # an administrator without a practitioner record
}

ROOTS = {"query": Query, "mutation": Mutation, "subscription": Subscription}


def declared():
    """(kind, GraphQL name, permissions) of every root field, from the graphene declarations."""
    for kind, root in ROOTS.items():
        for name, field in root._meta.fields.items():
            yield kind, field.name or to_camel(name), getattr(field, "permissions", None)


def test_the_matrix_covers_every_role_and_every_permission_splits_the_roles():
    assert set(HOLDS) == set(ROLES)
    for permission in set(Permission) - {P.ANYONE}:
        holders = {role for role, held in HOLDS.items() if permission in held}
        assert holders and holders != set(ROLES), f"{permission.name} does not tell roles apart here"


def test_every_operation_declares_its_permissions_and_documents_them():
    missing = [f"{kind} {name}" for kind, name, permissions in declared() if not permissions]
    assert not missing, f"declare `permissions` on: {', '.join(missing)}"
    graphql_schema = schema.graphql_schema
    roots = {
        "query": graphql_schema.query_type,
        "mutation": graphql_schema.mutation_type,
        "subscription": graphql_schema.subscription_type,
    }
    for kind, name, permissions in declared():
        description = roots[kind].fields[name].description or ""
        assert "Requires: " in description, f"{kind} {name}: no “Requires:” in its description"
        if P.ANYONE not in permissions:
            for permission in permissions:
                assert permission.name in description, f"{kind} {name}: {permission.name} not documented"
    counts = {kind: sum(1 for k, *_ in declared() if k == kind) for kind in ROOTS}
    assert counts == {kind: len(root.fields) for kind, root in roots.items()}


# --- Made-up arguments ------------------------------------------------------------------------------

SCALARS = {
    "ID": to_global_id("Msp", 987654321),
    "String": "abc",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "Date": (timezone.localdate() + timedelta(days=7)).isoformat(),
    "DateTime": (timezone.now() + timedelta(days=7)).replace(microsecond=0).isoformat(),
    "Time": "10:00:00",
}


def value_for(type_):
    """A value that passes the coercion of `type_` (the gate runs after it): required fields only."""
    if isinstance(type_, GraphQLNonNull):
        return value_for(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [value_for(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: value_for(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    return SCALARS[type_.name]


def operation(kind, name, field, ids=None):
    """The document and variables calling root field `name` with every required argument."""
    variables = {
        arg: (ids or {}).get(arg, value_for(argument.type))
        for arg, argument in field.args.items()
        if isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
    }
    declared_vars = ", ".join(f"${arg}: {field.args[arg].type}" for arg in variables)
    passed = ", ".join(f"{arg}: ${arg}" for arg in variables)
    named = get_named_type(field.type)
    composite = (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
    selection = "{ __typename }" if isinstance(named, composite) else ""
    head = f"{kind}({declared_vars})" if declared_vars else kind
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {selection} }}", variables


def permissions_of(kind, name):
    return next(p for k, n, p in declared() if (k, n) == (kind, name))


def refusals(errors):
    return [e for e in errors or [] if "requires" in (e.get("extensions") or {})]


def check(role, kind, name, errors, hidden=False):
    """What is wrong with the answer of `role` to operation `name`, or None."""
    permissions = permissions_of(kind, name)
    allowed = bool(HOLDS[role] & set(permissions))
    codes = {(e.get("extensions") or {}).get("code") for e in errors or []}
    if "INTERNAL_SERVER_ERROR" in codes:
        return f"{kind} {name} as {role}: internal error {errors}"
    refused = refusals(errors)
    if allowed:
        return f"{kind} {name} as {role}: refused though allowed: {refused}" if refused else None
    if hidden:
        return (
            None if codes == {"NOT_FOUND"} else f"{kind} {name} as {role}: expected NOT_FOUND, got {errors}"
        )
    expected_code = "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
    names = [p.name for p in permissions]
    if len(refused) != 1 or refused[0]["extensions"] != {"code": expected_code, "requires": names}:
        return f"{kind} {name} as {role}: expected {expected_code} requiring {names}, got {errors}"
    return None


@pytest.mark.django_db
def test_every_query_and_mutation_lets_in_exactly_the_roles_holding_a_declared_permission(gql, world):
    graphql_schema = schema.graphql_schema
    tokens = {role: None if user is None else issue_token(user).token for role, user in world.users.items()}
    failures = []
    for kind, root in (("query", graphql_schema.query_type), ("mutation", graphql_schema.mutation_type)):
        for name, field in root.fields.items():
            document, variables = operation(kind, name, field)
            for role in ROLES:
                with transaction.atomic():  # whatever a permitted call changes (a token revoked…) is undone
                    result = gql.execute(document, variables, token=tokens[role])
                    transaction.set_rollback(True)
                if result["_status"] >= 500:
                    failures.append(f"{kind} {name} as {role}: HTTP {result['_status']}")
                    continue
                problem = check(role, kind, name, result.get("errors"))
                if problem is None and refusals(result.get("errors")):
                    assert (result.get("data") or {}).get(name) is None
                if problem:
                    failures.append(problem)
    assert not failures, "\n".join(failures)


def existing_objects(world):
    """IDs of real objects for the subscriptions' arguments, so that permitted roles are really listening."""
    from mentoring.accelerator import services as accelerator

    offer = offer_for(world.hub)
    request = accelerator.submit(make_practitioner(user=True), question())
    return {
        "hubId": to_global_id("Hub", world.hub.pk),
        "mspId": to_global_id("Msp", world.msp.pk),
        "offerId": to_global_id("SupportOffer", offer.pk),
        "id": to_global_id("AcceleratorRequest", request.pk),
    }


@pytest.mark.django_db(transaction=True)
async def test_every_subscription_lets_in_exactly_the_roles_holding_a_declared_permission(territories, world):
    ids = await database_sync_to_async(existing_objects)(world)
    tokens = await database_sync_to_async(
        lambda: {
            role: None if user is None else issue_token(user).token for role, user in world.users.items()
        }
    )()
    fields = schema.graphql_schema.subscription_type.fields
    hidden = {
        field.name or to_camel(name)
        for name, field in Subscription._meta.fields.items()
        if getattr(field, "refused_as_not_found", False)
    }
    failures = []
    for role in ROLES:
        socket = await ready_socket(token=tokens[role])
        for index, (name, field) in enumerate(fields.items()):
            document, variables = operation("subscription", name, field, ids)
            op = str(index)
            await socket.send_json_to(
                {"type": "subscribe", "id": op, "payload": {"query": document, "variables": variables}}
            )
            if await socket.receive_nothing(0.3):
                await socket.send_json_to({"type": "complete", "id": op})  # listening: let in
                errors = None
            else:
                output = await socket.receive_output(TIMEOUT)
                if output["type"] == "websocket.close":
                    failures.append(f"subscription {name} as {role}: socket closed {output.get('code')}")
                    socket = await ready_socket(token=tokens[role])
                    continue
                message = json.loads(output["text"])
                errors = (
                    message.get("payload") if message["type"] == "error" else message["payload"].get("errors")
                )
            problem = check(role, "subscription", name, errors, hidden=name in hidden)
            if problem:
                failures.append(problem)
        await socket.disconnect()
    assert not failures, "\n".join(failures)
