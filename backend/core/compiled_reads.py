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
from django.core.exceptions import EmptyResultSet
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import F
from graphene import relay
from graphene_django import DjangoObjectType
from graphql import FieldNode, GraphQLError, OperationType, VariableNode, get_operation_ast
from graphql.execution.values import get_argument_values, get_variable_values
from graphql_relay import cursor_to_offset, from_global_id

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
    literal,
)
from .graphql import LoadedNode
from .input_rules import check_searches
from .observability import COMPILED_READS, RESPONSE_CACHE
from .pagination import MAX_OFFSET
from .permissions import Permission, gate
from .viewer import viewer_for

MAX_FIRST = 100
KEPT_STATEMENTS = 16  # per operation: a few types, a day, a few values of its variables
# `node(id:)` (backend/core/graphql.py: node_field): open to anyone, each type's scoping decides.
_roots["node"] = Root((Permission.ANYONE,))
CURSOR = "encode(convert_to('arrayconnection:' || {n}, 'UTF8'), 'base64')"
PAGE_INFO = {
    "hasNextPage": "((SELECT n FROM compiled_total) > {end})",
    "hasPreviousPage": "false",
    "startCursor": "(SELECT " + CURSOR.format(n="min(n)") + " FROM compiled_page)",
    "endCursor": "(SELECT " + CURSOR.format(n="max(n)") + " FROM compiled_page)",
}


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
        operation = self.operation(query, document, operation_name)
        if operation is None:
            return None
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):  # errors: the executor words them
            return None
        info = _Info(context)
        day = today()
        try:
            gate(info, operation.root.permissions)
            arguments = get_argument_values(operation.definition, operation.node, coerced)
            check_searches(arguments)  # the input rules that the resolvers' wrappers apply
            cache_key = _cache_key(context, day, query, operation_name, variables)
            if cache_key is not None:
                text = response_cache.hit(cache_key)
                if text is not None:
                    return self._answered(text, "hit")
            w = Writer(day)
            w.variables = coerced
            if operation.root.columns is None and operation.root.rows is None:
                self._write_node(w, operation, arguments, info)
            else:  # a plain list, or a connection
                write = self._write_list if operation.root.columns is not None else self._write_connection
                self._kept_or_written(
                    w, operation, info, None, lambda w, _: write(w, operation, arguments, info)
                )
        except (Unsupported, GraphQLError, EmptyResultSet, DjangoValidationError):
            return None  # the executor answers, with its own error if there is one
        if cache_key is None:
            return self._answered(_fetch("".join(w.parts), w.params), None)
        return self._answered(response_cache.compute_and_store("".join(w.parts), w.params, cache_key), "miss")

    def _answered(self, text: str, cache_outcome: str | None) -> orjson.Fragment:
        self.answered += 1
        COMPILED_READS.inc()
        if cache_outcome is not None:
            RESPONSE_CACHE.labels(cache_outcome).inc()
        return orjson.Fragment(text)

    def _write_connection(self, w: Writer, operation: Operation, arguments: dict, info) -> None:
        start, first = _window(arguments)
        node_type = operation.definition.type
        graphene_connection = _unwrapped(node_type)[0].graphene_type
        rows = graphene_connection._meta.node.get_queryset(operation.root.rows(info, arguments), info)
        page_sql, page_params = (
            rows.annotate(_compiled_pk=F("pk"))
            .values_list("_compiled_pk")[start : start + first]
            .query.sql_with_params()
        )
        count_sql, count_params = rows.order_by().values_list("pk").query.sql_with_params()
        model = rows.model
        w.sql(f"WITH compiled_rows AS ({page_sql}), ")
        w.params.extend(page_params)
        w.sql("compiled_page AS (SELECT r._compiled_pk AS pk, row_number() OVER () - 1 + ")
        w.param(start, "int")
        w.sql(f" AS n FROM compiled_rows r), compiled_total AS (SELECT count(*) AS n FROM ({count_sql}) c) ")
        w.params.extend(count_params)
        w.sql(f"SELECT json_build_object({literal(operation.key)}, json_build_object(")
        for i, (key, part, sub) in enumerate(operation.parts):
            w.sql(f"{', ' if i else ''}{literal(key)}, ")
            if part == "__typename":
                w.sql(literal(sub))
            elif part == "totalCount":
                w.sql("(SELECT n FROM compiled_total)")
            elif part == "edges":
                w.sql("COALESCE((SELECT json_agg(json_build_object(")
                joins = w.scope()
                for j, (edge_key, edge_part, plan) in enumerate(sub):
                    w.sql(f"{', ' if j else ''}{literal(edge_key)}, ")
                    if edge_part == "node":
                        plan.write(w, "r0")
                    elif edge_part == "cursor":
                        w.sql(CURSOR.format(n="p.n"))
                    else:
                        w.sql(literal(plan))
                w.sql(f") ORDER BY p.n) FROM compiled_page p JOIN {model._meta.db_table} r0 ")
                w.sql(f"ON r0.{model._meta.pk.column} = p.pk{w.end_scope(joins)}), '[]'::json)")
            else:  # pageInfo
                w.sql("json_build_object(")
                for j, (info_key, info_part, type_name) in enumerate(sub):
                    w.sql(f"{', ' if j else ''}{literal(info_key)}, ")
                    if info_part == "__typename":
                        w.sql(literal(type_name))
                    elif info_part == "hasNextPage":
                        w.sql("((SELECT n FROM compiled_total) > ")
                        w.param(start + first, "int")
                        w.sql(")")
                    else:
                        w.sql(PAGE_INFO[info_part])
                w.sql(")")
        w.sql("))::text")

    def _write_list(self, w: Writer, operation: Operation, arguments: dict, info) -> None:
        """A plain list: its items built on the rows (their order kept), reading the rows' annotations."""
        (plan,) = operation.node_plans.values()
        rows = operation.root.rows(info, arguments)
        sql, params = (
            rows.annotate(_compiled_pk=F("pk"))
            .values_list("_compiled_pk", *operation.root.columns)[: arguments["first"]]
            .query.sql_with_params()
        )
        w.sql(f"WITH compiled_rows AS ({sql}) SELECT json_build_object({literal(operation.key)}, COALESCE((")
        w.params.extend(params)
        w.sql("SELECT json_agg(")
        joins = w.scope()
        plan.write(w, "p")
        w.sql(
            " ORDER BY p.compiled_n) FROM (SELECT r.*, row_number() OVER () AS compiled_n FROM compiled_rows r) p"
        )
        w.sql(f"{w.end_scope(joins)}), '[]'::json))::text")

    def _write_node(self, w: Writer, operation: Operation, arguments: dict, info) -> None:
        try:
            type_name, pk = from_global_id(arguments["id"])
        except Exception:
            raise Unsupported("id") from None
        schema_type = self.schema.get_type(type_name) if type_name else None
        graphene_type = getattr(schema_type, "graphene_type", None)
        if not pk or graphene_type is None or type_name not in _models or not _generic_node(graphene_type):
            raise Unsupported("node type")
        plan = self.node_plan(operation, type_name)
        if plan is None:
            raise Unsupported("node selection")
        model = plan.model
        try:
            pk = model._meta.pk.to_python(pk)
        except DjangoValidationError:
            raise Unsupported("pk") from None
        if not isinstance(pk, int):
            _write_node_statement(w, operation.key, plan, graphene_type, pk, info)
            return
        self._kept_or_written(
            w, operation, info, type_name,
            lambda w, pk: _write_node_statement(w, operation.key, plan, graphene_type, pk, info), pk
        )  # fmt: skip

    def _kept_or_written(self, w: Writer, operation: Operation, info, type_name, write, pk=None) -> None:
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
            w.parts, w.params = [text], list(params)
            if (
                slot is not None
            ):  # a node's: the same statement for every anonymous reader, only the id changes
                w.params[slot] = pk
            return
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


def _write_node_statement(w: Writer, key: str, plan, graphene_type, pk, info) -> None:
    model = plan.model
    rows = graphene_type.get_queryset(model.objects.all(), info).filter(pk=pk)
    if not rows.query.distinct_fields:  # one row at most: its order is no work worth doing
        rows = rows.order_by()
    sql, params = rows.annotate(_compiled_pk=F("pk")).values_list("_compiled_pk")[:1].query.sql_with_params()
    w.sql(f"SELECT json_build_object({literal(key)}, (SELECT ")
    joins = w.scope()
    plan.write(w, "r0")
    w.sql(f" FROM ({sql}) p JOIN {model._meta.db_table} r0 ON r0.{model._meta.pk.column} = p._compiled_pk")
    w.params.extend(params)
    w.sql(w.end_scope(joins))
    w.sql("))::text")


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


def _cache_key(context, day: date, query: str, operation_name, variables) -> bytes | None:
    """The response cache's key for an anonymous read outside a transaction, or None: not cached. (Inside a
    transaction, its own uncommitted writes would be visible to the answer and not to the cache's check.)"""
    if not response_cache.enabled() or connections["default"].in_atomic_block:
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


def _window(arguments: dict) -> tuple[int, int]:
    """(offset of the first row, rows) as graphene-django's connection computes them for first/after/offset;
    anything else (last, before, an invalid value) goes the ordinary way, which words its error."""
    first, after, offset = arguments.get("first"), arguments.get("after"), arguments.get("offset")
    if arguments.get("last") is not None or arguments.get("before") is not None:
        raise Unsupported("last/before")
    if first is None or not 1 <= first <= MAX_FIRST:
        raise Unsupported("first")
    after_offset = -1
    if after is not None:
        after_offset = cursor_to_offset(after)
        if after_offset is None or after_offset < 0:
            raise Unsupported("after")
    if offset is not None and not 0 <= offset <= MAX_OFFSET:
        raise Unsupported("offset")
    if offset:
        return offset + (after_offset + 1 if after is not None else 0), first
    return after_offset + 1, first


def _fetch(sql: str, params: list) -> str:
    """The statement's one value, prepared on this thread's connection (psycopg prepares a statement run
    again; Django's own cursors bind on the client and cannot)."""
    database = connections["default"]
    database.ensure_connection()
    with psycopg.Cursor(database.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
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
