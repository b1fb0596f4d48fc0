"""Compiled reads: a query answered by one SQL statement that builds its JSON answer in PostgreSQL.

graphql-core resolves a 100-hub page value by value in Python (~40 ms of CPU for 3,352 values); a generated
GraphQL server writes one statement that returns the whole answer. This does the same for the selections it
can answer exactly, without writing a rule twice:

- the **rows** come from the domain's own querysets: a root declares the queryset its resolver would return
  (the selector, then the type's `get_queryset`, i.e. the `*_visible_to` scoping), and its SQL is Django's;
- the **fields** are read from the schema: a field served by graphene's default resolver is the model's
  column (a foreign key, the object it points to); a field with a resolver of its own is compiled only when its
  type declares its expression (`declare`), e.g. `Msp.siret` as `NULLIF(siret, '')`, `Msp.memberships` as the
  current memberships in the model's ordering. A field that reads who asks beyond row scoping (contact details,
  opinions for some readers) declares nothing: a selection that contains it goes the ordinary way, as does
  anything this module does not know (directives, named fragments, `last`/`before`, an out-of-range argument:
  the ordinary path gives the same answer, or the same error, as before).

The plan of a document (its fields matched with their expressions) is kept by document text and operation; the
statement is written for each request with its values as parameters (the root's queryset, the arguments,
today's date: memberships are "current" by date), and run as a prepared statement. PostgreSQL's JSON text goes
into the response without being parsed (`orjson.Fragment`). `tests/core/test_compiled_reads.py` runs generated
queries both ways and requires identical answers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from graphene.types.resolver import dict_or_attr_resolver
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    SelectionSetNode,
    print_ast,
)
from graphql.execution.values import get_argument_values

MAX_PAIRS = 50  # json_build_object takes at most 100 arguments


class Unsupported(Exception):
    """This selection goes the ordinary way."""


class Writer:
    """The statement, written left to right: SQL text and its parameters in the order they appear."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today or date.today()  # one day for the whole statement (and the response cache's key)
        self.parts: list[str] = []
        self.params: list = []
        self.aliases = 0
        self.variables: dict = {}
        self.joins: list[str] | None = None  # the current FROM clause's joins (`scope`)
        self.kept = False  # a statement kept for anonymous readers, run again and again: prepared

    def sql(self, text: str) -> None:
        self.parts.append(text)

    def param(self, value, cast: str) -> None:
        self.parts.append(f"%s::{cast}")
        self.params.append(value)

    def template(self, text: str, alias: str) -> None:
        """`text` with `{t}` the row's alias and `{today}` today's date (a parameter)."""
        pieces = text.format(t=alias, today="\0").split("\0")
        for i, piece in enumerate(pieces):
            if i:
                self.param(self.today, "date")
            self.sql(piece)

    def scope(self) -> list | None:
        """A new FROM clause: the objects its rows point to are joined to it (`Related`), not looked up one
        by one. Returns the enclosing scope's joins, for `end_scope`."""
        outer, self.joins = self.joins, []
        return outer

    def end_scope(self, outer) -> str:
        """The joins of the FROM clause now closing (they hold no parameters: written after its select list)."""
        joins, self.joins = self.joins, outer
        return "".join(joins)

    def alias(self) -> str:
        self.aliases += 1
        return f"c{self.aliases}"


def literal(value: str) -> str:
    """A constant of ours (never a client's) as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


# --- What a field compiles to ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expr:
    """A value computed from the row: SQL with `{t}` for the row's alias and `{today}` for today's date."""

    template: str

    def write(self, w: Writer, alias: str, plan: Plan) -> None:
        w.sql("(")
        w.template(self.template, alias)
        w.sql(")")


@dataclass(frozen=True)
class Column:
    """A model column, enums written by their GraphQL name."""

    column: str

    def write(self, w: Writer, alias: str, plan: Plan) -> None:
        value = f"{alias}.{self.column}"
        named = plan.named
        if getattr(named, "name", None) == "DateTime" and not plan.is_list:
            w.sql(DATETIME.format(v=value))
            return
        mapping = plan.compiler.enum_names(named) if isinstance(named, GraphQLEnumType) else None
        if mapping is None:
            w.sql(value)
        elif plan.is_list:
            w.sql(f"(SELECT json_agg(CASE e {_cases(mapping)} END) FROM unnest({value}) e)")
        else:
            w.sql(f"(CASE {value} {_cases(mapping)} END)")


# As graphene writes a datetime (Python's isoformat, in UTC as Django reads them): microseconds only when there
# are some, then all six.
DATETIME = (
    "(to_char({v} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', {v}) = {v} "
    "THEN '' ELSE to_char({v}, '.US') END || '+00:00')"
)


def _cases(mapping: dict[str, str]) -> str:
    return " ".join(f"WHEN {literal(value)} THEN {literal(name)}" for value, name in mapping.items())


@dataclass(frozen=True)
class Related:
    """The object a foreign key of the row points to (null for none)."""

    column: str

    def write(self, w: Writer, alias: str, plan: Plan) -> None:
        model = plan.child.model
        inner = w.alias()
        table, pk = model._meta.db_table, model._meta.pk.column
        if w.joins is not None:  # joined to the row's own FROM: no subquery per row
            w.joins.append(f" LEFT JOIN {table} {inner} ON {inner}.{pk} = {alias}.{self.column}")
            w.sql(f"CASE WHEN {inner}.{pk} IS NULL THEN NULL ELSE ")
            plan.child.write(w, inner)
            w.sql(" END")
            return
        w.sql("(SELECT ")
        joins = w.scope()
        plan.child.write(w, inner)
        w.sql(f" FROM {table} {inner}{w.end_scope(joins)} WHERE {inner}.{pk} = {alias}.{self.column})")


@dataclass(frozen=True)
class Children:
    """Rows of another table whose `column` points to this row's `to`, in their model's ordering: a list, or
    the first one (`single`). `where` filters them (a template, as `Expr`'s); `current` is the template applied unless the
    field's `includeEnded` argument is true; a `first` argument caps the list (0 to `maximum`)."""

    column: str
    where: str = ""
    current: str = ""
    single: bool = False
    maximum: int = 200
    to: str = "id"

    def write(self, w: Writer, alias: str, plan: Plan) -> None:
        model = plan.child.model
        inner = w.alias()
        condition = f"{inner}.{self.column} = {alias}.{self.to}"
        args = plan.arguments
        w.sql("(SELECT ")
        joins = w.scope()
        if self.single:
            plan.child.write(w, inner)
        else:
            # The items in the subquery's order: it is all the aggregate reads, with no join at this level to
            # reorder its rows, so they reach json_agg as sorted (PostgreSQL's documented way of feeding an
            # aggregate sorted input). Sorting them again in the aggregate (ORDER BY, and a row_number to sort
            # on) cost an eighth of a list's time: a sort per MSP (bench/http_load.py, Q1).
            w.sql("COALESCE(json_agg(x.j), '[]'::json) FROM (SELECT ")
            plan.child.write(w, inner)
            w.sql(" AS j")
        w.sql(f" FROM {model._meta.db_table} {inner}{w.end_scope(joins)} WHERE {condition}")
        for template in (self.where, "" if args.get("include_ended") else self.current):
            if template:
                w.sql(" AND (")
                w.template(template, inner)
                w.sql(")")
        w.sql(f" ORDER BY {_ordering(model, inner)}")
        if self.single:
            w.sql(" LIMIT 1)")
        else:
            w.sql(" LIMIT ")
            w.param(args["first"], "int") if "first" in args else w.sql("ALL")
            w.sql(") x)")

    def check(self, arguments: dict) -> None:
        first = arguments.get("first")
        if "first" in arguments and (first is None or not 0 <= first <= self.maximum):
            raise Unsupported("first")  # the ordinary path gives the error


@dataclass(frozen=True)
class Row:
    """An object computed from the row by a subquery (e.g. an MSP's composition): `template` (as `Expr`'s)
    selects one row whose columns are the object type's fields, each declared as a `Column`."""

    template: str

    def write(self, w: Writer, alias: str, plan: Plan) -> None:
        inner = w.alias()
        w.sql("(SELECT ")
        plan.child.write(w, inner)
        w.sql(" FROM (")
        w.template(self.template, alias)
        w.sql(f") {inner})")


def _ordering(model, alias: str) -> str:
    terms = []
    for name in model._meta.ordering or ["pk"]:
        descending = name.startswith("-")
        column = (
            model._meta.get_field(name.lstrip("-")).column
            if name.lstrip("-") != "pk"
            else model._meta.pk.column
        )
        terms.append(f"{alias}.{column}{' DESC' if descending else ''}")
    return ", ".join(terms)


# --- Declarations --------------------------------------------------------------------------------------------

_models: dict[str, type] = {}  # GraphQL type name -> model
_declared: dict[str, dict[str, object]] = {}  # GraphQL type name -> field name -> expression
_arguments: dict[tuple[str, str], frozenset[str]] = {}
_roots: dict[str, Root] = {}


def declare(graphene_type, model=None, arguments: dict[str, tuple[str, ...]] | None = None, **fields) -> None:
    """The expressions of `graphene_type`'s fields that have resolvers of their own (GraphQL names), and its
    model when it is not a DjangoObjectType's (for an object computed by a `Row`, the class it stands for: its
    fields are then all declared). `arguments`: those a field may be given (others go the ordinary way)."""
    name = graphene_type._meta.name
    model = model or getattr(graphene_type._meta, "model", None)
    if model is None:
        raise ValueError(f"{name}: compiled reads need its model")
    _models[name] = model
    _declared.setdefault(name, {}).update(fields)
    for field_name, names in (arguments or {}).items():
        _arguments[(name, field_name)] = frozenset(names)


@dataclass(frozen=True)
class Root:
    """A root field answered by compiled reads: `rows(info, args)` is the queryset its resolver returns (the
    connection's type then scopes it with its `get_queryset`, as graphene-django does); `permissions`, the
    field's own (checked as its resolver would). Without `rows`, the root is `node(id:)`."""

    permissions: tuple
    rows: Callable | None = None
    columns: tuple[str, ...] | None = None  # a plain list's: the rows' annotations its items read


def root(
    name: str, graphene_field, rows: Callable | None = None, columns: tuple[str, ...] | None = None
) -> None:
    """Declare the root field `name` (its graphene field, for its permissions) answered by compiled reads:
    a connection, or with `columns` a plain list of objects each built on a row of `rows` (capped by the
    field's `first`) and those of its annotations (e.g. a distance)."""
    _roots[name] = Root(tuple(graphene_field.permissions), rows, columns)


# --- Plans -----------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """One selected field: its response key, what it compiles to, and the plan of its object, if any."""

    key: str
    spec: object
    named: object
    is_list: bool
    definition: object
    node: FieldNode
    compiler: Compiler
    child: ObjectPlan | None = None

    def argument_values(self, w: Writer) -> dict:
        """This request's values of the field's arguments (defaults included)."""
        return get_argument_values(self.definition, self.node, w.variables)


@dataclass
class ObjectPlan:
    type_name: str
    model: type
    fields: list[Plan] = field(default_factory=list)

    def write(self, w: Writer, alias: str) -> None:
        w.sql("json_build_object(")
        for i, plan in enumerate(self.fields):
            w.sql(f"{', ' if i else ''}{literal(plan.key)}, ")
            if plan.spec is None:  # __typename
                w.sql(literal(self.type_name))
                continue
            check = getattr(plan.spec, "check", None)
            arguments = plan.argument_values(w) if plan.node.arguments or check else {}
            if check is not None:
                check(arguments)
            plan.spec.write(w, alias, _Bound(plan, arguments))
        w.sql(")")


class _Bound:
    """A plan with this request's argument values (what a spec's `write` reads)."""

    def __init__(self, plan: Plan, arguments: dict) -> None:
        self.plan, self.arguments = plan, arguments

    def __getattr__(self, name):
        return getattr(self.plan, name)


def _unwrapped(graphql_type) -> tuple[object, bool]:
    is_list = False
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        is_list = is_list or isinstance(graphql_type, GraphQLList)
        graphql_type = graphql_type.of_type
    return graphql_type, is_list


def collect(object_type: GraphQLObjectType, selection_set) -> list[tuple[str, FieldNode]]:
    """The fields selected on `object_type`, in order, through the inline fragments that apply to it."""
    fields: OrderedDict[str, FieldNode] = OrderedDict()
    interfaces = {i.name for i in object_type.interfaces}
    for selection in selection_set.selections if selection_set else ():
        if selection.directives:
            raise Unsupported("directive")
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            fields[key] = _merged(fields[key], selection) if key in fields else selection
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            if condition is None or condition == object_type.name or condition in interfaces:
                for key, node in collect(object_type, selection.selection_set):
                    fields[key] = _merged(fields[key], node) if key in fields else node
        else:
            raise Unsupported("named fragment")
    if len(fields) > MAX_PAIRS:
        raise Unsupported("too many fields")
    return list(fields.items())


def _printed(nodes) -> tuple:
    return tuple(print_ast(node) for node in nodes)


def _merged(one: FieldNode, other: FieldNode) -> FieldNode:
    """One field selected twice under one key (validation made sure they can merge): its selections together."""
    if one.name.value != other.name.value or _printed(one.arguments) != _printed(other.arguments):
        raise Unsupported("a key for two different fields")
    if one.selection_set is None:
        return one
    selections = (*one.selection_set.selections, *other.selection_set.selections)
    return FieldNode(
        alias=one.alias,
        name=one.name,
        arguments=one.arguments,
        directives=one.directives,
        selection_set=SelectionSetNode(selections=selections),
    )


class Compiler:
    """Plans for one schema: each field matched with its expression, or Unsupported."""

    def __init__(self, schema) -> None:
        self.schema = schema
        self._enums: dict[str, dict | None] = {}

    def enum_names(self, enum_type: GraphQLEnumType) -> dict[str, str] | None:
        """Database value -> GraphQL name; None when they are the same."""
        if enum_type.name not in self._enums:
            mapping = {str(getattr(v.value, "value", v.value)): name for name, v in enum_type.values.items()}
            self._enums[enum_type.name] = None if all(k == v for k, v in mapping.items()) else mapping
        return self._enums[enum_type.name]

    def object_plan(self, object_type, selection_set) -> ObjectPlan:
        if not isinstance(object_type, GraphQLObjectType) or object_type.name not in _models:
            raise Unsupported(f"type {object_type}")
        plan = ObjectPlan(object_type.name, _models[object_type.name])
        for key, node in collect(object_type, selection_set):
            plan.fields.append(self.field_plan(object_type, plan.model, key, node))
        return plan

    def field_plan(self, object_type, model, key: str, node: FieldNode) -> Plan:
        name = node.name.value
        if name == "__typename":
            return Plan(key, None, None, False, None, node, self)
        definition = object_type.fields.get(name)
        if definition is None:
            raise Unsupported(name)
        allowed = _arguments.get((object_type.name, name), frozenset())
        if any(argument.name.value not in allowed for argument in node.arguments):
            raise Unsupported(f"{name}'s arguments")
        spec = _declared.get(object_type.name, {}).get(name) or self.derived(
            object_type, model, name, definition
        )
        named, is_list = _unwrapped(definition.type)
        plan = Plan(key, spec, named, is_list, definition, node, self)
        if isinstance(named, GraphQLObjectType):
            plan.child = self.object_plan(named, node.selection_set)
        elif not isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            raise Unsupported(f"{name}: an interface or a union")
        return plan

    def derived(self, object_type, model, name: str, definition):
        """A field served by graphene's default resolver: the model's column, or the object its key points to;
        `id`, the global ID."""
        if name == "id" and "Node" in {i.name for i in object_type.interfaces}:
            pk = model._meta.pk.column
            return Expr(
                f"encode(convert_to({literal(object_type.name + ':')} || {{t}}.{pk}, 'UTF8'), 'base64')"
            )
        resolve = definition.resolve
        if not (
            isinstance(resolve, partial) and resolve.func is dict_or_attr_resolver and not resolve.keywords
        ):
            raise Unsupported(
                f"{object_type.name}.{name} has a resolver of its own and declares no expression"
            )
        try:
            model_field = model._meta.get_field(resolve.args[0])
        except Exception:
            raise Unsupported(f"{object_type.name}.{name} is not a column") from None
        if not model_field.concrete:
            raise Unsupported(f"{object_type.name}.{name} is not a column")
        if model_field.is_relation:
            if not (model_field.many_to_one or model_field.one_to_one):
                raise Unsupported(f"{object_type.name}.{name}: many to many")
            return Related(model_field.column)
        return Column(model_field.column)
