"""The statements of compiled reads' roots (backend/core/compiled_reads.py): a connection's page, a plain list,
one node by id. Each writes into a `Writer` around the plans of `compiled.py`, over the root's own queryset and
the type's scoping (`get_queryset`), so the rows are those the executor would resolve."""

from __future__ import annotations

from django.db.models import F
from graphql_relay import cursor_to_offset

from .compiled import Unsupported, Writer, _unwrapped, literal
from .pagination import MAX_OFFSET

MAX_FIRST = 100
CURSOR = "encode(convert_to('arrayconnection:' || {n}, 'UTF8'), 'base64')"
PAGE_INFO = {
    "hasNextPage": "((SELECT n FROM compiled_total) > {end})",
    "hasPreviousPage": "false",
    "startCursor": "(SELECT " + CURSOR.format(n="min(n)") + " FROM compiled_page)",
    "endCursor": "(SELECT " + CURSOR.format(n="max(n)") + " FROM compiled_page)",
}


def write_connection(w: Writer, operation, arguments: dict, info) -> None:
    """A connection's page: its rows' keys in order, their count, and the JSON of each edge."""
    start, first = window(arguments)
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


def write_list(w: Writer, operation, arguments: dict, info) -> None:
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


def write_node(w: Writer, key: str, plan, graphene_type, pk, info) -> None:
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


def window(arguments: dict) -> tuple[int, int]:
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
