"""What a GraphQL document may ask for, checked before it runs: one path for HTTP and WebSocket.

`prepare_operation` takes the raw text and returns a validated document or the errors that
refuse it, in this order (cheapest first, so an abusive document costs little to refuse):

1. size of the request in bytes, the document's text and its variables (as JSON) together
   (`MAX_DOCUMENT_BYTES`): a short document cannot carry megabytes of variables;
2. parsing, aborted past `MAX_TOKENS` tokens (graphql-core's `max_tokens`);
3. shape of each operation, fragments expanded (once each, memoised, so a document that spreads
   fragments exponentially is measured in linear time): depth, aliases, fields, and a **cost** —
   the number of values the answer may hold, each list counting as many times as it may have
   items (`first`/`last` of a connection or a capped list, the argument's default when omitted,
   `DEFAULT_LIST_SIZE` for a plain list);
4. the specification's validation rules (run last: some are quadratic in the fields).

Limits live in `settings.GRAPHQL_LIMITS`; refusals are `BAD_USER_INPUT` errors in French that
name the limit, its maximum and the document's value (`extensions.limit`, `maximum`, `actual`).
"""

from __future__ import annotations

import functools
import json
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from graphql import (
    BREAK,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    is_list_type,
    is_object_type,
    parse,
    validate,
    visit,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from graphql.utilities import value_from_ast_untyped

DOCUMENT_CACHE_SIZE = 500  # prepared documents kept per schema (GRAPHQL_LIMITS["DOCUMENT_CACHE"])

DEFAULTS = {
    "MAX_DOCUMENT_BYTES": 32_768,
    "MAX_TOKENS": 4_000,
    "MAX_DEPTH": 20,
    "MAX_ALIASES": 30,
    "MAX_FIELDS": 600,
    "MAX_COST": 100_000,
    "DEFAULT_LIST_SIZE": 20,
    # Introspection lists (types, fields, arguments…) are counted at this size: the standard
    # introspection query passes, and types → fields → type → fields … nesting does not.
    "INTROSPECTION_LIST_SIZE": 6,
    # How many of a type's member lists (fields, inputFields, interfaces, possibleTypes, enumValues)
    # may be nested in one another: the standard introspection query needs 1.
    "MAX_INTROSPECTION_NESTING": 1,
    "CONNECTION_MAX_SIZE": 100,
}


@dataclass(frozen=True)
class QueryLimits:
    max_document_bytes: int
    max_tokens: int
    max_depth: int
    max_aliases: int
    max_fields: int
    max_cost: int
    default_list_size: int
    introspection_list_size: int
    max_introspection_nesting: int
    connection_max_size: int

    @classmethod
    def from_settings(cls) -> QueryLimits:
        """The settings' limits, read once (every request asks: rebuilding them was 2-3 % of a loop read's
        time) and again after a change of `GRAPHQL_LIMITS` (`override_settings`, the tests' `settings`)."""
        return _limits_from_settings()


@functools.cache
def _limits_from_settings() -> QueryLimits:
    conf = {**DEFAULTS, **getattr(settings, "GRAPHQL_LIMITS", {})}
    return QueryLimits(**{key.lower(): int(conf[key]) for key in DEFAULTS})


@receiver(setting_changed)
def _limits_changed(setting, **kwargs) -> None:
    if setting == "GRAPHQL_LIMITS":
        _limits_from_settings.cache_clear()


class LimitExceeded(GraphQLError):
    """A document refused by a limit: which one, its maximum and the document's value."""

    def __init__(self, limit: str, maximum: int, actual: int, message: str) -> None:
        super().__init__(
            message,
            extensions={"code": "BAD_USER_INPUT", "limit": limit, "maximum": maximum, "actual": actual},
        )


@dataclass
class Shape:
    """The measures of a selection set, fragments expanded."""

    depth: int = 0
    fields: int = 0
    aliases: int = 0
    cost: int = 0
    type_lists: int = 0  # introspection: a type's member lists nested in one another


TYPE_MEMBER_LISTS = {"fields", "inputFields", "interfaces", "possibleTypes", "enumValues"}


class _Measure:
    """Measures the operations of one document (fragments memoised, cycles cut)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict, limits: QueryLimits):
        self.schema = schema
        self.limits = limits
        self.variables = variables if isinstance(variables, dict) else {}
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[tuple[str, int | None], Shape] = {}
        self.visiting: set[str] = set()
        self.variable_defaults: dict[str, Any] = {}

    def operation(self, operation: OperationDefinitionNode) -> Shape:
        self.variable_defaults = {
            v.variable.name.value: value_from_ast_untyped(v.default_value)
            for v in operation.variable_definitions or ()
            if v.default_value is not None
        }
        self.memo.clear()
        root = {
            OperationType.QUERY: self.schema.query_type,
            OperationType.MUTATION: self.schema.mutation_type,
            OperationType.SUBSCRIPTION: self.schema.subscription_type,
        }.get(operation.operation)
        return self.selection_set(operation.selection_set, root, None)

    def selection_set(self, selection_set, parent_type, pending_size: int | None) -> Shape:
        shape = Shape()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                child = self.field(selection, parent_type, pending_size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = self.schema.get_type(condition.name.value) if condition else parent_type
                child = self.selection_set(selection.selection_set, fragment_type, pending_size)
            elif isinstance(selection, FragmentSpreadNode):
                child = self.spread(selection.name.value, pending_size)
            else:  # pragma: no cover - the grammar has no other selection
                continue
            shape.depth = max(shape.depth, child.depth)
            shape.type_lists = max(shape.type_lists, child.type_lists)
            shape.fields += child.fields
            shape.aliases += child.aliases
            shape.cost += child.cost
        return shape

    def spread(self, name: str, pending_size: int | None) -> Shape:
        key = (name, pending_size)
        if key in self.memo:
            return self.memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.visiting:
            return Shape()  # unknown fragment or a cycle: the validation rules refuse it
        self.visiting.add(name)
        try:
            fragment_type = self.schema.get_type(fragment.type_condition.name.value)
            shape = self.selection_set(fragment.selection_set, fragment_type, pending_size)
        finally:
            self.visiting.discard(name)
        self.memo[key] = shape
        return shape

    def field(self, node: FieldNode, parent_type, pending_size: int | None) -> Shape:
        name = node.name.value
        definition = self.field_definition(parent_type, name)
        own = Shape(depth=1, fields=1, aliases=1 if node.alias is not None else 0, cost=1)
        if definition is None or node.selection_set is None:
            return own  # a leaf, or an unknown field the validation rules refuse
        field_type = get_nullable_type(definition.type)
        named = get_named_type(definition.type)
        size = self.requested_size(node, definition)
        child_pending = None
        if is_list_type(field_type):
            multiplier = pending_size if name == "edges" and pending_size is not None else size
            if multiplier is None:
                introspection = named.name.startswith("__")
                multiplier = (
                    self.limits.introspection_list_size if introspection else self.limits.default_list_size
                )
        else:
            multiplier = 1
            if size is not None and is_object_type(named) and "edges" in named.fields:
                child_pending = size  # a connection: its edges have up to `first`/`last` items
        child = self.selection_set(node.selection_set, named, child_pending)
        member_list = getattr(parent_type, "name", None) == "__Type" and name in TYPE_MEMBER_LISTS
        return Shape(
            depth=1 + child.depth,
            fields=1 + child.fields,
            aliases=own.aliases + child.aliases,
            cost=1 + multiplier * child.cost,
            type_lists=child.type_lists + (1 if member_list else 0),
        )

    def field_definition(self, parent_type, name: str):
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent_type is self.schema.query_type:
            if name == "__schema":
                return SchemaMetaFieldDef
            if name == "__type":
                return TypeMetaFieldDef
        fields = getattr(parent_type, "fields", None)
        return fields.get(name) if fields else None

    def requested_size(self, node: FieldNode, definition) -> int | None:
        """`first` or `last` as the document gives it (literal, variable or default), if the field takes one."""
        sizes = []
        for arg_name in ("first", "last"):
            if arg_name not in definition.args:
                continue
            value = definition.args[arg_name].default_value
            for argument in node.arguments or ():
                if argument.name.value != arg_name:
                    continue
                if isinstance(argument.value, IntValueNode):
                    value = int(argument.value.value)
                elif isinstance(argument.value, VariableNode):
                    var = argument.value.name.value
                    value = self.variables.get(var, self.variable_defaults.get(var))
                else:
                    value = None
            if isinstance(value, int) and not isinstance(value, bool):
                sizes.append(max(value, 0))
        if sizes:
            return max(sizes)
        if any(a in definition.args for a in ("first", "last")):
            # Omitted: a connection refuses it at execution; count it at its largest meanwhile.
            return self.limits.connection_max_size
        return None


def _limit_errors(shape: Shape, limits: QueryLimits) -> list[GraphQLError]:
    checks = [
        (
            "depth",
            limits.max_depth,
            shape.depth,
            "La requête est trop profonde : {actual} niveaux imbriqués, pour {maximum} au plus.",
        ),
        (
            "aliases",
            limits.max_aliases,
            shape.aliases,
            "La requête utilise trop d'alias : {actual}, pour {maximum} au plus.",
        ),
        (
            "fields",
            limits.max_fields,
            shape.fields,
            "La requête demande trop de champs : {actual} (fragments développés), pour {maximum} au plus.",
        ),
        (
            "cost",
            limits.max_cost,
            shape.cost,
            "La requête est trop coûteuse : jusqu'à {actual} valeurs à calculer, pour {maximum} au plus. "
            "Réduisez `first`/`last` ou le nombre de listes imbriquées.",
        ),
        (
            "introspectionNesting",
            limits.max_introspection_nesting,
            shape.type_lists,
            "L'introspection imbrique trop de listes de types (fields, interfaces…) : {actual}, "
            "pour {maximum} au plus.",
        ),
    ]
    return [
        LimitExceeded(limit, maximum, actual, message.format(actual=actual, maximum=maximum))
        for limit, maximum, actual, message in checks
        if actual > maximum
    ]


def measure(schema: GraphQLSchema, document: DocumentNode, variables=None, limits=None) -> Shape:
    """The largest measures over the document's operations (each operation measured on its own)."""
    limits = limits or QueryLimits.from_settings()
    measure = _Measure(schema, document, variables or {}, limits)
    total = Shape()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            shape = measure.operation(definition)
            total = Shape(
                depth=max(total.depth, shape.depth),
                fields=max(total.fields, shape.fields),
                aliases=max(total.aliases, shape.aliases),
                cost=max(total.cost, shape.cost),
                type_lists=max(total.type_lists, shape.type_lists),
            )
    return total


def prepare_operation(
    schema: GraphQLSchema, query: str, variables=None, limits: QueryLimits | None = None
) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """The parsed and validated document, or None and the errors that refuse it.

    A document that passed is kept (LRU by text, `GRAPHQL_LIMITS["DOCUMENT_CACHE"]` entries): the same
    text is then neither parsed nor validated again. Its measures are kept too unless they depend
    on its variables (a `first: $n`), in which case they are taken again with the new values.
    """
    limits = limits or QueryLimits.from_settings()
    refused = _size_refusal(query, variables, limits)
    if refused is not None:
        return None, [refused]
    cached = _prepared(schema, limits).get(query)
    if cached is not None:
        document, uses_variables = cached
        if uses_variables:
            errors = _limit_errors(measure(schema, document, variables, limits), limits)
            if errors:
                return None, errors
        return document, []
    document, errors = _prepare(schema, query, variables, limits)
    if document is not None:
        _prepared(schema, limits).put(query, (document, _sizes_from_variables(document)))
    return document, errors


def known_document(schema: GraphQLSchema, query: str, variables=None) -> DocumentNode | None:
    """The document `prepare_operation` already passed, if nothing of this request needs measuring again (its
    size is within bounds, no list's size comes from its variables); else None. Reads memory only."""
    limits = QueryLimits.from_settings()
    if _size_refusal(query, variables, limits) is not None:
        return None
    cached = _prepared(schema, limits).get(query)
    if cached is None or cached[1]:
        return None
    return cached[0]


def _sizes_from_variables(document: DocumentNode) -> bool:
    """Whether a list's size (`first`, `last`) comes from a variable: the only values of a request that its
    measures read (`_Measure.requested_size`). One node by id (`$id`) is measured once."""
    found = False

    class Sizes(Visitor):
        def enter_argument(self, node, *_):
            nonlocal found
            if node.name.value in ("first", "last") and isinstance(node.value, VariableNode):
                found = True
                return BREAK
            return None

    visit(document, Sizes())
    return found


class _DocumentCache:
    """A small thread-safe LRU of prepared documents, by query text."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, tuple[DocumentNode, bool]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, query: str):
        with self.lock:
            entry = self.entries.get(query)
            if entry is not None:
                self.entries.move_to_end(query)
            return entry

    def put(self, query: str, entry) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.entries[query] = entry
            self.entries.move_to_end(query)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_caches: weakref.WeakKeyDictionary[GraphQLSchema, dict[QueryLimits, _DocumentCache]] = (
    weakref.WeakKeyDictionary()
)
_caches_lock = threading.Lock()


def _prepared(schema: GraphQLSchema, limits: QueryLimits) -> _DocumentCache:
    """The cache for this schema and these limits (a change of limits starts a new one)."""
    by_limits = _caches.get(schema)
    cache = by_limits.get(limits) if by_limits is not None else None
    if cache is None:
        size = int(getattr(settings, "GRAPHQL_LIMITS", {}).get("DOCUMENT_CACHE", DOCUMENT_CACHE_SIZE))
        with _caches_lock:
            cache = _caches.setdefault(schema, {}).setdefault(limits, _DocumentCache(size))
    return cache


def _variables_bytes(variables) -> int:
    """The variables' size as JSON; an uploaded file (multipart) counts as nothing here, its own caps apply."""
    if not variables:
        return 0
    try:
        text = json.dumps(variables, ensure_ascii=False, separators=(",", ":"), default=lambda _value: None)
    except (TypeError, ValueError):
        return 0
    return len(text.encode("utf-8", "surrogatepass"))


def _size_refusal(query: str, variables, limits: QueryLimits) -> LimitExceeded | None:
    document_size = len(query.encode("utf-8", "surrogatepass"))
    if document_size > limits.max_document_bytes:
        return LimitExceeded(
            "documentBytes",
            limits.max_document_bytes,
            document_size,
            f"Le document GraphQL fait {document_size} octets, pour {limits.max_document_bytes} au plus.",
        )
    size = document_size + _variables_bytes(variables)
    if size > limits.max_document_bytes:
        return LimitExceeded(
            "documentBytes",
            limits.max_document_bytes,
            size,
            f"La requête GraphQL (document et variables) fait {size} octets, "
            f"pour {limits.max_document_bytes} au plus.",
        )
    return None


def _prepare(schema, query, variables, limits) -> tuple[DocumentNode | None, list[GraphQLError]]:
    try:
        document = parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        if "tokens" in error.message and "Parsing aborted" in error.message:
            return None, [
                LimitExceeded(
                    "tokens",
                    limits.max_tokens,
                    limits.max_tokens + 1,
                    f"Le document GraphQL compte plus de {limits.max_tokens} jetons (mots, "
                    "noms et signes) : analyse interrompue.",
                )
            ]
        return None, [error]
    errors = _limit_errors(measure(schema, document, variables, limits), limits)
    if errors:
        return None, errors
    errors = validate(schema, document)
    if errors:
        return None, errors
    return document, []
