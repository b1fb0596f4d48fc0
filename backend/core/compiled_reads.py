"""Compiled reads at the root: a query's one root field (a declared connection, or `node`) written as one
statement around the plans of `compiled.py`, run as a prepared statement, its JSON text given back unparsed.

`answer(...)` returns the `data` of the response as an `orjson.Fragment`, or None when the operation goes the
ordinary way (not a query, several root fields, a selection or an argument the plans do not cover, variables or
a permission the executor will refuse with its own error).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time

import orjson
import psycopg
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import EmptyResultSet
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from graphene import relay
from graphene_django import DjangoObjectType
from graphql import FieldNode, GraphQLError, OperationType, VariableNode, get_operation_ast
from graphql.execution.values import get_argument_values, get_variable_values
from graphql_relay import from_global_id

from backend.cache import store as response_cache

from .compiled import (
    Compiler,
    ObjectPlan,
    Root,
    Unsupported,
    Writer,
    _models,
    _roots,
    _unwrapped,
    collect,
)
from .compiled_roots import PAGE_INFO, write_connection, write_list, write_node
from .graphql import LoadedNode
from .input_rules import check_searches
from .observability import COMPILED_READS, RESPONSE_CACHE, graphql_label
from .permissions import Permission, gate
from .viewer import viewer_for

KEPT_STATEMENTS = 16  # per operation: a few types, a day, a few values of its variables
# `node(id:)` (backend/core/graphql.py: node_field): open to anyone, each type's scoping decides.
_roots["node"] = Root((Permission.ANYONE,))


def enabled() -> bool:
    return bool(getattr(settings, "GRAPHQL_EXECUTION", {}).get("COMPILED_READS", True))


class _Info:
    """What a type's `get_queryset` and the permission gate read of graphql-core's `info`: the context."""

    def __init__(self, context) -> None:
        self.context = context


@dataclass
class Operation:
    key: str
    name: str
    root: object
    definition: object
    node: FieldNode
    variable_definitions: tuple
    parts: list = field(default_factory=list)  # a connection's: (key, part, sub-parts or plan)
    node_plans: dict = field(default_factory=dict)  # node(id:)'s: type name -> ObjectPlan, or None
    # statements kept for anonymous readers (`_statement_key`): (text, parameters, node(id:)'s id's place)
    statements: OrderedDict = field(default_factory=OrderedDict)
    asked: OrderedDict = field(default_factory=OrderedDict)  # keys of statements asked once, not kept yet
    label: str = ""  # the request's name in the metrics, as the view gives it (backend/core/observability.py)


@dataclass
class Asked:
    """A request for a compiled read, checked; `sql` and `params` once its statement is known."""

    operation: Operation
    coerced: dict
    arguments: dict
    info: _Info
    day: date
    cache_key: bytes | None
    sql: str | None = None
    params: list = field(default_factory=list)


class _Anonymous:
    """The context of a reader who sent no cookie and no token: what `viewer_for` reads of a request."""

    user = AnonymousUser()


class CompiledReads:
    """The plans of the documents seen, kept by document text and operation name."""

    SIZE = 512

    def __init__(self, schema) -> None:
        self.schema = schema
        self.compiler = Compiler(schema)
        self._operations: OrderedDict = OrderedDict()
        self.answered = 0  # queries answered here (tests and benches read it)
        self._lock = threading.Lock()

    def operation(self, query: str, document, operation_name) -> Operation | None:
        key = (query, operation_name)
        with self._lock:
            if key in self._operations:
                self._operations.move_to_end(key)
                return self._operations[key]
        try:
            operation = self._operation(document, operation_name)
        except Unsupported:
            operation = None
        with self._lock:
            self._operations[key] = operation
            while len(self._operations) > self.SIZE:
                self._operations.popitem(last=False)
        return operation

    def _operation(self, document, operation_name) -> Operation:
        definition = get_operation_ast(document, operation_name)
        if definition is None or definition.operation != OperationType.QUERY or definition.directives:
            raise Unsupported("not a query")
        query_type = self.schema.query_type
        fields = collect(query_type, definition.selection_set)
        if len(fields) != 1:
            raise Unsupported("one root field")
        key, node = fields[0]
        name = node.name.value
        if name not in _roots or name not in query_type.fields:
            raise Unsupported(name)
        root, field_definition = _roots[name], query_type.fields[name]
        operation = Operation(key, name, root, field_definition, node, definition.variable_definitions)
        operation.label = graphql_label(definition)
        if root.columns is not None:
            item_type = _unwrapped(field_definition.type)[0]
            operation.node_plans[item_type.name] = self.compiler.object_plan(item_type, node.selection_set)
        elif root.rows is not None:
            operation.parts = self._connection_parts(_unwrapped(field_definition.type)[0], node)
        return operation

    def _connection_parts(self, connection_type, node) -> list:
        parts = []
        for key, part in collect(connection_type, node.selection_set):
            name = part.name.value
            if name in ("totalCount", "__typename"):
                parts.append((key, name, connection_type.name))
            elif name == "edges":
                edge_type = _unwrapped(connection_type.fields["edges"].type)[0]
                edge = []
                for edge_key, edge_part in collect(edge_type, part.selection_set):
                    edge_name = edge_part.name.value
                    if edge_name == "node":
                        node_type = _unwrapped(edge_type.fields["node"].type)[0]
                        edge.append(
                            (edge_key, "node", self.compiler.object_plan(node_type, edge_part.selection_set))
                        )
                    elif edge_name in ("cursor", "__typename"):
                        edge.append((edge_key, edge_name, edge_type.name))
                    else:
                        raise Unsupported(edge_name)
                parts.append((key, "edges", edge))
            elif name == "pageInfo":
                page_type = _unwrapped(connection_type.fields["pageInfo"].type)[0]
                info = []
                for info_key, info_part in collect(page_type, part.selection_set):
                    info_name = info_part.name.value
                    if info_name not in PAGE_INFO and info_name != "__typename":
                        raise Unsupported(info_name)
                    info.append((info_key, info_name, page_type.name))
                parts.append((key, "pageInfo", info))
            else:
                raise Unsupported(name)
        return parts

    def node_plan(self, operation: Operation, type_name: str) -> ObjectPlan | None:
        if type_name not in operation.node_plans:
            try:
                plan = self.compiler.object_plan(
                    self.schema.get_type(type_name), operation.node.selection_set
                )
            except Unsupported:
                plan = None
            operation.node_plans[type_name] = plan
        return operation.node_plans[type_name]

    # --- Per request ---------------------------------------------------------------------------------------

    def answer(self, context, query: str, document, operation_name, variables) -> orjson.Fragment | None:
        """The response's `data`, or None: the ordinary way. `context`: the executor's (the HTTP request, or
        the WebSocket's realtime context), which the viewer is read from."""
        in_transaction = connections["default"].in_atomic_block
        try:
            asked = self.asked(context, query, document, operation_name, variables, in_transaction)
            if asked is None:
                return None
            if asked.cache_key is not None:
                text = response_cache.hit(asked.cache_key)
                if text is not None:
                    return self.answered_with(text, "hit")
            sql, params, kept = self.statement(asked)
        except (Unsupported, GraphQLError, EmptyResultSet, DjangoValidationError):
            return None  # the executor answers, with its own error if there is one
        if asked.cache_key is None:
            return self.answered_with(_fetch(sql, params, kept), None)
        stored = response_cache.compute_and_store(sql, params, asked.cache_key, prepare=kept)
        return self.answered_with(stored, "miss")

    def kept(self, query: str, document, operation_name, variables) -> Asked | None:
        """An anonymous reader's query whose operation is planned and whose statement is kept (with the response
        cache, whose answer may be there: its statement is then written on a miss), found without writing
        anything or reading the database (backend/core/loop_reads.py); None: the ordinary way."""
        with self._lock:
            operation = self._operations.get((query, operation_name))
        if operation is None:
            return None
        try:
            asked = self.asked(_Anonymous(), query, document, operation_name, variables, False, operation)
        except (Unsupported, GraphQLError, EmptyResultSet, DjangoValidationError):
            return None
        if asked is None:
            return None
        if asked.cache_key is not None:
            return asked  # its statement written only if the cache has no fresh answer (`kept_statement`)
        return asked if self.kept_statement(asked) else None

    def kept_statement(self, asked: Asked) -> bool:
        """`asked.sql` and `asked.params` from the kept statement; False if it is not kept (the ordinary way
        writes it)."""
        try:
            asked.sql, asked.params, _kept = self.statement(asked, kept_only=True)
        except (Unsupported, GraphQLError, EmptyResultSet, DjangoValidationError):
            return False
        return True

    def asked(self, context, query, document, operation_name, variables, in_transaction, operation=None):
        """What a request asks, checked as the executor would before any resolver (variables, the root's
        permission gate, its searches), with its key in the response cache; None: not compiled."""
        operation = operation or self.operation(query, document, operation_name)
        if operation is None:
            return None
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):  # errors: the executor words them
            return None
        info = _Info(context)
        day = today()
        gate(info, operation.root.permissions)
        arguments = get_argument_values(operation.definition, operation.node, coerced)
        check_searches(arguments)  # the input rules that the resolvers' wrappers apply
        cache_key = _cache_key(context, day, query, operation_name, variables, in_transaction)
        return Asked(operation, coerced, arguments, info, day, cache_key)

    def statement(self, asked: Asked, kept_only: bool = False) -> tuple[str, list, bool]:
        """The statement's text and parameters, and whether it was kept (prepared, then: it comes again); written
        if it was not (`kept_only`: Unsupported)."""
        operation, arguments, info = asked.operation, asked.arguments, asked.info
        w = Writer(asked.day)
        w.variables = asked.coerced
        if operation.root.columns is None and operation.root.rows is None:
            self._write_node(w, operation, arguments, info, kept_only)
        else:  # a plain list, or a connection
            write = write_list if operation.root.columns is not None else write_connection
            self._kept_or_written(
                w,
                operation,
                info,
                None,
                lambda w, _: write(w, operation, arguments, info),
                kept_only=kept_only,
            )
        return "".join(w.parts), w.params, w.kept

    def answered_with(self, text: str, cache_outcome: str | None) -> orjson.Fragment:
        self.answered += 1
        COMPILED_READS.inc()
        if cache_outcome is not None:
            RESPONSE_CACHE.labels(cache_outcome).inc()
        return orjson.Fragment(text)

    def _write_node(self, w: Writer, operation: Operation, arguments: dict, info, kept_only: bool) -> None:
        try:
            type_name, pk = from_global_id(arguments["id"])
        except Exception:
            raise Unsupported("id") from None
        schema_type = self.schema.get_type(type_name) if type_name else None
        graphene_type = getattr(schema_type, "graphene_type", None)
        if not pk or graphene_type is None or type_name not in _models or not _generic_node(graphene_type):
            raise Unsupported("node type")
        if kept_only and type_name not in operation.node_plans:
            raise Unsupported("not planned")
        plan = self.node_plan(operation, type_name)
        if plan is None:
            raise Unsupported("node selection")
        model = plan.model
        try:
            pk = model._meta.pk.to_python(pk)
        except DjangoValidationError:
            raise Unsupported("pk") from None
        if not isinstance(pk, int):
            if kept_only:
                raise Unsupported("not kept")
            write_node(w, operation.key, plan, graphene_type, pk, info)
            return
        self._kept_or_written(
            w, operation, info, type_name,
            lambda w, pk: write_node(w, operation.key, plan, graphene_type, pk, info), pk, kept_only
        )  # fmt: skip

    def _kept_or_written(
        self, w: Writer, operation: Operation, info, type_name, write, pk=None, kept_only: bool = False
    ) -> None:
        """The statement kept for anonymous readers (`_statement_key`), or written by `write(w, pk)` and, asked a
        second time, kept if it is fit to: written without reading the database, and written again (for another
        id, by `node`) it differs in that one parameter at most and holds no time and no other day than the
        statement's. So nothing of the moment went into it. (For an anonymous reader the scoping rules
        (`*_visible_to`) are the code's alone: no ids of theirs. A rule that read rows of the database for one
        would be seen reading, and never kept.)"""
        kept_as = _statement_key(operation, type_name, w, info)
        kept = operation.statements.get(kept_as) if kept_as is not None else None
        if kept is not None:
            with self._lock:
                if kept_as in operation.statements:
                    operation.statements.move_to_end(kept_as)
            text, params, slot = kept
            w.parts, w.params, w.kept = [text], list(params), True
            if (
                slot is not None
            ):  # a node's: the same statement for every anonymous reader, only the id changes
                w.params[slot] = pk
            return
        if kept_only:
            raise Unsupported("not kept")
        read = []
        with connections["default"].execute_wrapper(lambda execute, *args: read.append(1) or execute(*args)):
            write(w, pk)
        if kept_as is None or read:  # what it read of the database (a commune's place) may change
            return
        # Kept from its second asking: a statement asked once (a search being typed) costs no check.
        with self._lock:
            asked_before = operation.asked.pop(kept_as, False)
            operation.asked[kept_as] = True
            while len(operation.asked) > 4 * KEPT_STATEMENTS:
                operation.asked.popitem(last=False)
        if not asked_before:
            return
        other = Writer(w.today)
        other.variables = w.variables
        write(other, None if pk is None else pk + 1)
        text, params = "".join(w.parts), w.params
        differ = [i for i, (a, b) in enumerate(zip(params, other.params, strict=False)) if a != b]
        expected = [] if pk is None else [(pk, pk + 1)]
        if (
            text == "".join(other.parts)
            and len(params) == len(other.params)
            and [(params[i], other.params[i]) for i in differ] == expected
            and not any(isinstance(p, datetime | time) for p in params)
            and all(p == w.today for p in params if isinstance(p, date))
        ):
            with self._lock:
                operation.statements[kept_as] = (text, tuple(params), differ[0] if differ else None)
                while len(operation.statements) > KEPT_STATEMENTS:
                    operation.statements.popitem(last=False)


def _statement_key(operation: Operation, type_name: str | None, w: Writer, info) -> tuple | None:
    """Under what a statement is kept: for anonymous readers only (a signed-in reader's scoping is about them),
    by type (`node`), day and variables (arguments may come from them), but for `node`'s id."""
    if viewer_for(info.context).is_authenticated:
        return None
    id_argument = next((a.value for a in operation.node.arguments or () if a.name.value == "id"), None)
    id_variable = id_argument.name.value if isinstance(id_argument, VariableNode) else None
    others = {name: value for name, value in w.variables.items() if name != id_variable}
    try:
        variables = orjson.dumps(others, option=orjson.OPT_SORT_KEYS) if others else b""
    except TypeError:
        return None
    return type_name, w.today, variables


def today() -> date:
    """The day the statement reads memberships as of, and the response cache's key carries."""
    return date.today()


def _cache_key(
    context, day: date, query: str, operation_name, variables, in_transaction: bool
) -> bytes | None:
    """The response cache's key for an anonymous read outside a transaction, or None: not cached. (Inside a
    transaction, its own uncommitted writes would be visible to the answer and not to the cache's check.)"""
    if not response_cache.enabled() or in_transaction:
        return None
    if viewer_for(context).is_authenticated:
        return None
    return response_cache.key("anonymous", day, query, operation_name, variables)


def _generic_node(graphene_type) -> bool:
    """A type whose `node(id:)` is the generic one (its scoped queryset, by primary key)."""
    if relay.Node not in getattr(graphene_type._meta, "interfaces", ()):
        return False
    get_node = getattr(graphene_type.get_node, "__func__", None)
    return get_node in (LoadedNode.get_node.__func__, DjangoObjectType.get_node.__func__)


def _fetch(sql: str, params: list, prepare: bool) -> str:
    """The statement's one value, on this thread's connection (a server-side binding cursor: Django's bind on the
    client, which cannot prepare), prepared if it is kept."""
    database = connections["default"]
    database.ensure_connection()
    with psycopg.Cursor(database.connection) as cursor:
        cursor.execute(sql, params, prepare=prepare)
        return cursor.fetchone()[0]


_instances: dict = {}


def compiled_reads(schema) -> CompiledReads:
    """The compiled reads of this GraphQL schema (one per schema object)."""
    instance = _instances.get(id(schema))
    if instance is None or instance.schema is not schema:
        instance = _instances[id(schema)] = CompiledReads(schema)
    return instance


def compiled_payload(schema, context, query: str, document, operation_name, variables) -> dict | None:
    """A WebSocket message's payload answered by the compiled reads, or None (the ordinary way)."""
    if not enabled():
        return None
    data = compiled_reads(schema).answer(context, query, document, operation_name, variables)
    return None if data is None else {"data": data}
