"""The fast executor: graphql-core's value completion done with less work per value, and the switch back.

graphql-core 3.2 completes every value of an answer through the same general path (resolve info, argument
coercion, an awaitable check, an `is_type_of` check per object): ~40 ms of CPU for the 3,352 values of a
100-hub page (bench/network_queries.py). `FastExecutionContext` reads plain fields directly and settles
type checks once per class, for the same answers and errors. It overrides graphql-core internals
(`execute_fields`, `complete_list_value`, `complete_object_value`), which is why graphql-core is pinned
below 3.3 in pyproject.toml, and why the API's tests also run with graphql-core's own executor in CI
(`GRAPHQL_EXECUTOR=graphql-core`, .ci/run): the fast path must change no answer. ARCHITECTURE.md, "Where we
replace a library", gives the measurements.
"""

from __future__ import annotations

import asyncio
import weakref
from functools import partial
from types import GeneratorType

from graphene.types.resolver import dict_or_attr_resolver
from graphene_django import DjangoObjectType
from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    located_error,
)
from graphql.pyutils import Path
from graphql.pyutils import is_awaitable as default_is_awaitable

from .execution import BudgetedExecutionContext, execution_setting

EXECUTORS = ("fast", "graphql-core")


def execution_context_class() -> type[BudgetedExecutionContext]:
    """The executor of every operation (HTTP, WebSocket, live events): `GRAPHQL_EXECUTION["EXECUTOR"]`,
    "fast" (this module's) or "graphql-core" (its own, with the budget)."""
    name = execution_setting("EXECUTOR")
    if name not in EXECUTORS:
        raise ValueError(
            f"GRAPHQL_EXECUTOR : « {name} » inconnu ; valeurs possibles : {', '.join(EXECUTORS)}."
        )
    return FastExecutionContext if name == "fast" else BudgetedExecutionContext


_AWAITABLE_BY_TYPE: dict[type, bool] = {}


def is_awaitable(value) -> bool:
    """graphql-core's check, by type: it runs on every value of every field (24,000 times for a 100-hub page).

    Awaiting looks up `__await__` on the type, so the answer for a type is cached; generators (the old
    generator-based coroutines) are asked each time, as graphql-core does.
    """
    kind = type(value)
    known = _AWAITABLE_BY_TYPE.get(kind)
    if known is None:
        if kind is GeneratorType:
            return default_is_awaitable(value)
        known = _AWAITABLE_BY_TYPE[kind] = hasattr(kind, "__await__")
    return known


_UNPLANNED = object()
# Per object type and field name: how to read a plain field directly, or None (weak: schemas of tests come and go).
_FIELD_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
LEAF, OBJECT = "leaf", "object"


def _field_plan(parent_type, name: str):
    """(kind, attribute, default, type, non-null) when the field is graphene's default resolver returning a
    scalar or an enum (LEAF) or an object type (OBJECT); None otherwise (its own resolver, a list, an
    interface or union, a meta field)."""
    field = parent_type.fields.get(name) if hasattr(parent_type, "fields") else None
    resolve = getattr(field, "resolve", None)
    if not (
        isinstance(resolve, partial) and resolve.func is dict_or_attr_resolver and len(resolve.args) == 2
    ):
        return None
    if resolve.keywords:
        return None
    named, non_null = field.type, False
    if isinstance(named, GraphQLNonNull):
        named, non_null = named.of_type, True
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        kind = LEAF
    elif isinstance(named, GraphQLObjectType):
        kind = OBJECT
    else:
        return None
    attname, default = resolve.args
    return kind, attname, default, named, non_null


def _type_only_checks() -> set:
    """`is_type_of` implementations whose answer depends on the value's class alone (graphene-django's)."""
    return {DjangoObjectType.is_type_of.__func__}


class FastExecutionContext(BudgetedExecutionContext):
    """The budgeted execution, cheaper per value than graphql-core's own, with the same answers: the awaitable
    check is cached by type, plain fields are read directly (`execute_fields`), and an object type's
    `is_type_of` check, when it depends on the class alone, is asked once per class and operation.
    """

    is_awaitable = staticmethod(is_awaitable)
    _type_only = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        if manager is not None and not manager.middlewares:
            # graphene-django's view passes its middleware list even when it is empty, and graphql-core
            # then builds a manager that wraps nothing: without this, no field would take the fast path.
            self.middleware_manager = None
        self._checked_types: set[tuple] = set()
        # Per collected selection (graphql-core keeps each one for the operation): its fields with their plans.
        self._compiled: dict[int, tuple] = {}
        if FastExecutionContext._type_only is None:
            FastExecutionContext._type_only = _type_only_checks()

    def execute_fields(self, parent_type, source_value, path, fields):
        """graphql-core's, with plain fields read directly (`_field_plan`): the same values and errors.

        A field resolved by graphene's default resolver (an attribute or key of the same name), without
        arguments, is read here instead of going through `execute_field` (resolve info, arguments,
        completion): a scalar or enum is serialised at once, an object whose type check is already
        settled for its class has its own fields executed at once. Most of a large page's fields. Anything
        unusual on the way (no value for a non-null leaf, a value the scalar refuses, an unchecked class)
        goes the ordinary way, which makes the error; an error inside an object read directly is located
        and handled as graphql-core's `execute_field` would.
        """
        if self.middleware_manager is not None:
            return super().execute_fields(parent_type, source_value, path, fields)
        if self.control is not None:
            self.control.check()
        compiled = self._compiled.get(id(fields))
        if compiled is None or compiled[0] is not fields:
            compiled = self._compiled[id(fields)] = (fields, self._compile(parent_type, fields))
        results = {}
        awaitable_fields = []
        is_dict = isinstance(source_value, dict)
        for response_name, field_nodes, plan in compiled[1]:
            if plan is not None:
                kind, attname, default, named, non_null = plan
                try:
                    value = (
                        source_value.get(attname, default)
                        if is_dict
                        else getattr(source_value, attname, default)
                    )
                except Exception:
                    value = Undefined  # the ordinary way below makes the error, with its path
                if value is None:
                    if not non_null:
                        results[response_name] = None
                        continue
                elif value is Undefined:
                    pass
                elif kind is LEAF:
                    try:
                        serialized = named.serialize(value)
                    except Exception:
                        serialized = None
                    if serialized is not None and serialized is not Undefined:
                        results[response_name] = serialized
                        continue
                elif named.is_type_of is None or (named, type(value)) in self._checked_types:
                    result = self._object_directly(
                        parent_type, named, value, field_nodes, path, response_name
                    )
                    results[response_name] = result
                    if self.is_awaitable(result):
                        awaitable_fields.append(response_name)
                    continue
            result = self.execute_field(
                parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name)
            )
            if result is not Undefined:
                results[response_name] = result
                if self.is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def get_results():
            values = await asyncio.gather(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, values, strict=True))
            return results

        return get_results()

    @staticmethod
    def _compile(parent_type, fields) -> list:
        """(response name, field nodes, plan or None) for each field of a selection on `parent_type`."""
        plans = _FIELD_PLANS.get(parent_type)
        if plans is None:
            plans = _FIELD_PLANS.setdefault(parent_type, {})
        compiled = []
        for response_name, field_nodes in fields.items():
            node = field_nodes[0]
            name = node.name.value
            plan = plans.get(name, _UNPLANNED)
            if plan is _UNPLANNED:
                plan = plans[name] = _field_plan(parent_type, name)
            compiled.append((response_name, field_nodes, None if node.arguments else plan))
        return compiled

    def _object_directly(self, parent_type, object_type, value, field_nodes, path, response_name):
        """An object field's value completed as `execute_field` would, its resolver and type check skipped."""
        field_path = Path(path, response_name, parent_type.name)
        return_type = parent_type.fields[field_nodes[0].name.value].type
        try:
            completed = self.execute_fields(
                object_type, value, field_path, self.collect_subfields(object_type, field_nodes)
            )
        except Exception as raw_error:
            self.handle_field_error(
                located_error(raw_error, field_nodes, field_path.as_list()), return_type, field_path
            )
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed():
            try:
                return await completed
            except Exception as raw_error:
                error = located_error(raw_error, field_nodes, field_path.as_list())
                self.handle_field_error(error, return_type, field_path)
                return None

        return await_completed()

    def complete_list_value(self, return_type, field_nodes, info, path, result):
        """graphql-core's, with each object of a settled class executed at once (`_object_directly`'s rule).

        Items of a list of objects whose type check is already settled for their class (or whose type has
        none) have their fields executed directly; any other item (None, an awaitable, a class not yet
        checked) is completed the ordinary way. Errors are located and handled per item as graphql-core does.
        """
        item_type = return_type.of_type
        named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(named, GraphQLObjectType) or not isinstance(result, (list, tuple)):
            return super().complete_list_value(return_type, field_nodes, info, path, result)
        unchecked = named.is_type_of is None
        checked = self._checked_types
        is_awaitable = self.is_awaitable
        subfields = None
        completed_results = []
        awaitable_indices = []
        for index, item in enumerate(result):
            item_path = path.add_key(index, None)
            if is_awaitable(item):
                completed = self._item_awaited(item, item_type, field_nodes, info, item_path)
            else:
                try:
                    if item is not None and (unchecked or (named, type(item)) in checked):
                        if subfields is None:
                            subfields = self.collect_subfields(named, field_nodes)
                        completed = self.execute_fields(named, item, item_path, subfields)
                    else:
                        completed = self.complete_value(item_type, field_nodes, info, item_path, item)
                    if is_awaitable(completed):
                        completed = self._item_completed(completed, item_type, field_nodes, item_path)
                except Exception as raw_error:
                    error = located_error(raw_error, field_nodes, item_path.as_list())
                    self.handle_field_error(error, item_type, item_path)
                    completed = None
            if is_awaitable(completed):
                awaitable_indices.append(index)
            completed_results.append(completed)
        if not awaitable_indices:
            return completed_results

        async def get_completed_results():
            values = await asyncio.gather(*(completed_results[index] for index in awaitable_indices))
            for index, value in zip(awaitable_indices, values, strict=True):
                completed_results[index] = value
            return completed_results

        return get_completed_results()

    async def _item_awaited(self, item, item_type, field_nodes, info, item_path):
        try:
            completed = self.complete_value(item_type, field_nodes, info, item_path, await item)
            if self.is_awaitable(completed):
                return await completed
            return completed
        except Exception as raw_error:
            self.handle_field_error(
                located_error(raw_error, field_nodes, item_path.as_list()), item_type, item_path
            )
            return None

    async def _item_completed(self, completed, item_type, field_nodes, item_path):
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(
                located_error(raw_error, field_nodes, item_path.as_list()), item_type, item_path
            )
            return None

    def complete_object_value(self, return_type, field_nodes, info, path, result):
        check = return_type.is_type_of
        if check is not None and getattr(check, "__func__", None) in self._type_only:
            key = (return_type, type(result))
            if key in self._checked_types:
                return self.execute_fields(
                    return_type, result, path, self.collect_subfields(return_type, field_nodes)
                )
            if check(result, info) is True:
                self._checked_types.add(key)
        return super().complete_object_value(return_type, field_nodes, info, path, result)
