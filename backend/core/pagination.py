"""Lists that cannot grow without bound: Relay connections with a total count, required and capped
`first`/`last`, checked cursors and offsets; plain lists capped by a `first` argument."""

from __future__ import annotations

import inspect

import graphene
from graphene_django import DjangoConnectionField
from graphql_relay import cursor_to_offset

from .graphql import bad_input, gated
from .permissions import requirement


class CountableConnection(graphene.relay.Connection):
    """A Relay connection that also gives the total count."""

    class Meta:
        abstract = True

    total_count = graphene.Int(
        required=True, description="Number of items matching the query, all pages together."
    )

    @classmethod
    def __init_subclass_with_meta__(cls, node=None, **options):
        if node is not None:
            # graphene-django names the connection before the node's own meta is complete: its name is the
            # connection's, less "Connection".
            item = (options.get("name") or cls.__name__).removesuffix("Connection") or node._meta.name
            options.setdefault("description", f"A page of {item} items, with cursors and the total count.")
        super().__init_subclass_with_meta__(node=node, **options)

    def resolve_total_count(self, info):
        return self.length


MAX_OFFSET = 10_000  # deeper pages go by cursor (`after`): an offset scan costs its whole length


class ConnectionField(DjangoConnectionField):
    """A Relay connection whose `first`/`last` are required and capped, with a clear error when they are not.

    graphene-django enforces the same with bare asserts, which would surface as internal errors.
    """

    def __init__(self, *args, permissions=None, **kwargs):
        # At the root, who may call it (checked, and written into its description, as for `Field`).
        self.permissions = tuple(permissions) if permissions else None
        if self.permissions:
            text = inspect.cleandoc(kwargs.get("description") or "")
            kwargs["description"] = f"{text} {requirement(self.permissions)}".strip()
        kwargs.setdefault("first", graphene.Int(description="Return the first n items (at most 100)."))
        kwargs.setdefault("last", graphene.Int(description="Return the last n items (at most 100)."))
        kwargs.setdefault("after", graphene.String(description="Return items after this cursor."))
        kwargs.setdefault("before", graphene.String(description="Return items before this cursor."))
        kwargs.setdefault("offset", graphene.Int(description="Skip this many items first."))
        super().__init__(*args, **kwargs)

    def wrap_resolve(self, parent_resolver):
        resolver = super().wrap_resolve(parent_resolver)
        return gated(resolver, self.permissions) if self.permissions else resolver

    @classmethod
    def connection_resolver(cls, resolver, connection, default_manager, queryset_resolver, max_limit, enforce_first_or_last, root, info, **args):  # fmt: skip
        first, last = args.get("first"), args.get("last")
        name = info.field_name
        if enforce_first_or_last and first is None and last is None:
            raise bad_input(f"Indiquez `first` ou `last` (au plus {max_limit}) pour paginer `{name}`.")
        for arg, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= max_limit:
                raise bad_input(f"`{arg}` doit être compris entre 0 et {max_limit} pour `{name}`.")
        if first is not None and last is not None:
            raise bad_input(f"Indiquez `first` ou `last` pour `{name}`, pas les deux.")

        for arg in ("after", "before"):  # a cursor of ours, as this connection returned it
            if args.get(arg) is not None and cursor_to_offset(args[arg]) is None:
                raise bad_input(
                    f"Curseur `{arg}` invalide pour `{name}` : reprenez un curseur renvoyé par la liste."
                )
        offset = args.get("offset")
        if offset is not None and not 0 <= offset <= MAX_OFFSET:
            raise bad_input(f"`offset` doit être compris entre 0 et {MAX_OFFSET} pour `{name}`.")
        if offset is not None and args.get("before") is not None:
            raise bad_input(
                f"`offset` et `before` ne se combinent pas pour `{name}` : utilisez l'un ou l'autre."
            )
        return super().connection_resolver(
            resolver,
            connection,
            default_manager,
            queryset_resolver,
            max_limit,
            False,  # checked above; graphene-django's own check takes `first: 0` for a missing `first`
            root,
            info,
            **args,
        )


# --- Capped lists ----------------------------------------------------------------------------------

CAPPED_LIST_DEFAULT = 100
CAPPED_LIST_MAX = 200


def capped_list_first(default: int = CAPPED_LIST_DEFAULT, maximum: int = CAPPED_LIST_MAX) -> graphene.Int:
    """The `first` argument of a plain list that could grow: the query limits count the list at this size."""
    return graphene.Int(
        default_value=default,
        description=f"Return at most this many items (default {default}, at most {maximum}).",
    )


def check_first(first: int, name: str, maximum: int = CAPPED_LIST_MAX) -> int:
    """`first` of the capped list `name`, or BAD_USER_INPUT when it is out of bounds."""
    if first is None or not 0 <= first <= maximum:
        raise bad_input(f"`first` doit être compris entre 0 et {maximum} pour `{name}`.")
    return first


def capped(items, first: int, name: str, maximum: int = CAPPED_LIST_MAX):
    """The first `first` items (a list or a queryset), or BAD_USER_INPUT when `first` is out of bounds."""
    return list(items[: check_first(first, name, maximum)])
