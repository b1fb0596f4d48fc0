"""Which rows of each model a viewer sees: one registered rule per model, or a declaration that it is public.

Each domain's `permissions.py` registers its `*_visible_to(queryset, viewer)` functions with
`@visibility_rule(Model)`, and declares with `public(Model, why)` what anyone may read (the directory);
each GraphQL type's `get_queryset` calls its model's rule, so lists, `node` and the delivery of live events
agree. `tests/core/test_scoping.py` walks the schema: every Django type's model has a rule or a reason to be
public, and its `get_queryset` applies the rule (`recording` notes each rule that ran).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from contextlib import contextmanager

RULES: dict[type, Callable] = {}
PUBLIC: dict[type, str] = {}
_applied: contextvars.ContextVar[set | None] = contextvars.ContextVar("scoping_applied", default=None)


def visibility_rule(model: type):
    """Register the decorated `fn(queryset, viewer, ...)` as the rows of `model` a viewer sees."""

    def register(rule: Callable) -> Callable:
        if model in RULES or model in PUBLIC:
            raise ValueError(f"{model.__name__}: already scoped by {RULES.get(model) or 'public'}")

        @functools.wraps(rule)
        def applied(*args, **kwargs):
            seen = _applied.get()
            if seen is not None:
                seen.add(model)
            return rule(*args, **kwargs)

        RULES[model] = applied
        return applied

    return register


def public(model: type, why: str) -> None:
    """Declare `model`'s rows readable by anyone (field-level rules may still hide some values): say why."""
    if model in RULES:
        raise ValueError(f"{model.__name__} has a visibility rule: it cannot be public too")
    PUBLIC[model] = why


@contextmanager
def recording():
    """The models whose rule ran inside the block."""
    seen: set = set()
    token = _applied.set(seen)
    try:
        yield seen
    finally:
        _applied.reset(token)
