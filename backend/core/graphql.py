"""Conventions shared by every app's GraphQL layer.

- `Field(type, permissions=…, live=…)`: a root field that declares who may call it (checked before the
  resolver, written into its description as "Requires: …") and, for subscriptions, the live declaration
  it listens through (`backend/realtime/live.py`).
- `BaseMutation`: `Meta.permissions` checked before `mutate`, the docstring as description, an `errors`
  list built from `Meta.error_type_class`; domain services raise Django `ValidationError`s (with codes)
  and the base turns them into errors.
- `enum_from_choices` / `enum_value`: a described GraphQL enum from a Django `TextChoices`, and back.
- `error_type`: the `{field, code, message}` error object of a domain, `code` an enum.
- `node_field`, `decode_global_id`, `get_object`, `find_object`: global IDs, scoped lookups.

Lists live in `pagination.py` (connections, capped lists); how errors leave the API in `errors.py`.
"""

from __future__ import annotations

import inspect
import logging
import re

import graphene
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from graphql import GraphQLError
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode
from graphql_relay import from_global_id

from .execution import run_in_pool
from .permissions import Permission, Refused, gate, requirement

logger = logging.getLogger("backend.graphql")


# --- Enums ----------------------------------------------------------------------------------


def enum_from_choices(choices, name: str, description: str, values: dict[str, str]) -> type[graphene.Enum]:
    """A GraphQL enum built on the TextChoices class itself, each value described in English by `values`
    (the schema's language; the French labels are for what users read: admin, e-mails).

    Built on the class (not a copy), it serialises both the raw strings read from
    the database and the members that services assign, and inputs arrive as members.
    """
    missing = {member.name for member in choices} ^ set(values)
    if missing:
        raise ValueError(f"{name}: describe exactly its values (missing or unknown: {sorted(missing)})")

    def describe(member):
        return description if member is None else values[member.name]

    return graphene.Enum.from_enum(choices, name=name, description=describe)


# --- Top-level authorisation errors -----------------------------------------------------------


class Forbidden(GraphQLError):
    def __init__(self, message: str = "Vous n'avez pas le droit d'effectuer cette action.") -> None:
        super().__init__(message, extensions={"code": "FORBIDDEN"})


# --- Mutation errors -----------------------------------------------------------------------


def error_type(name: str, code_enum: type[graphene.Enum], domain: str) -> type[graphene.ObjectType]:
    return type(
        name,
        (graphene.ObjectType,),
        {
            "__doc__": f"A problem with the input of a {domain} mutation; nothing was changed.",
            "field": graphene.String(
                description="The input field at fault (camelCase), or null when the error concerns the whole input."
            ),
            "code": graphene.Field(code_enum, required=True, description="Machine-readable error code."),
            "message": graphene.String(required=True, description="Explanation for the user, in French."),
        },
    )


_CAMEL_RE = re.compile(r"_([a-z0-9])")


def to_camel(name: str) -> str:
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


def validation_errors(
    exc: ValidationError, known_codes: set[str], default_code: str = "INVALID"
) -> list[dict]:
    """Flatten a Django ValidationError into `{field, code, message}` dicts with codes of the enum."""

    def code_of(error: ValidationError) -> str:
        code = str(error.code or "").upper()
        if code in known_codes:
            return code
        return {"REQUIRED": "REQUIRED", "BLANK": "REQUIRED", "NULL": "REQUIRED", "UNIQUE": "UNIQUE"}.get(
            code, default_code
        )

    def message_of(error: ValidationError) -> str:
        return str(error.message % error.params if error.params else error.message)

    out = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = None if field in (NON_FIELD_ERRORS, None) else to_camel(field)
            out.extend({"field": name, "code": code_of(e), "message": message_of(e)} for e in errors)
    else:
        out.extend({"field": None, "code": code_of(e), "message": message_of(e)} for e in exc.error_list)
    return out


class BaseMutation(graphene.Mutation):
    """Runs `perform` in a transaction; a ValidationError becomes `errors` and rolls everything back.

    A concrete mutation declares who may call it (`Meta.permissions`, checked before `perform`, written into
    its description) and implements `perform(cls, root, info, **arguments)` returning the payload. Its
    domain's base sets `error_code_enum` (the domain's TextChoices) and `error_type_class` (the domain's
    error object), from which the `errors` field is added; its docstring is its description.
    """

    class Meta:
        abstract = True

    error_code_enum = None  # TextChoices of the domain
    error_type_class = None  # the domain's {field, code, message} object: gives the `errors` field
    atomic = True  # tokenAuth opts out: its failed-login record must survive the error
    error_defaults: dict = {}  # values of required payload fields when the mutation fails (e.g. empty lists)
    permissions: tuple = ()

    def __init_subclass__(cls, **kwargs):
        # The `errors` field, added once: on the first class of the chain that declares payload fields (so it
        # follows them, as when written by hand), or on the mutation itself.
        meta = cls.__dict__.get("Meta")
        error_type = getattr(meta, "error_type_class", None) or cls.error_type_class
        if error_type is not None and not any("errors" in klass.__dict__ for klass in cls.__mro__):
            declares_fields = any(
                isinstance(v, graphene.types.unmountedtype.UnmountedType | graphene.Field)
                for v in cls.__dict__.values()
            )
            if declares_fields or not getattr(meta, "abstract", False):
                cls.errors = errors_field(error_type)
        super().__init_subclass__(**kwargs)

    @classmethod
    def __init_subclass_with_meta__(cls, permissions=None, error_type_class=None, **options):
        if error_type_class is not None:
            cls.error_type_class = error_type_class
        if not options.get("abstract"):
            if not permissions:
                raise TypeError(f"{cls.__name__}: declare who may call it (Meta.permissions)")
            cls.permissions = tuple(permissions)
        super().__init_subclass_with_meta__(**options)

    @classmethod
    def perform(cls, root, info, **arguments):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def Field(cls, *args, description=None, **kwargs):
        """The mutation's root field, described by its docstring (without the source's indentation) and
        who may call it."""
        text = inspect.cleandoc(description or cls.__doc__ or "")
        field = super().Field(*args, description=f"{text} {requirement(cls.permissions)}".strip(), **kwargs)
        field.permissions = cls.permissions
        return field

    @classmethod
    def mutate(cls, root, info, **arguments):
        gate(info, cls.permissions)  # before anything else: who may not call it learns nothing
        known = {c.value for c in cls.error_code_enum}
        try:
            if cls.atomic:
                with transaction.atomic():
                    return cls.perform(root, info, **arguments)
            return cls.perform(root, info, **arguments)
        except ValidationError as exc:
            return cls(errors=validation_errors(exc, known), **cls.error_defaults)
        except IntegrityError:
            # A constraint the service's checks could not see coming (a concurrent write).
            logger.warning("IntegrityError in %s", cls.__name__, exc_info=True)
            return cls(
                **cls.error_defaults,
                errors=[
                    {
                        "field": None,
                        "code": "UNIQUE" if "UNIQUE" in known else "INVALID",
                        "message": "Ces données entrent en conflit avec des données existantes, "
                        "peut-être modifiées au même moment. Rechargez et réessayez.",
                    }
                ],
            )


_ASSEMBLED: dict[str, type] = {}


def assembled(name: str):
    """A type that `backend/schema.py` assembles from the fields each floor contributes (the signed-in
    `User`: its account from backend/accounts, its practitioner and MSPs from the network), referred to
    before it exists: a field's type given as a function, called when the schema is built."""
    return lambda: _ASSEMBLED[name]


def assemble(object_type: type) -> type:
    """Registers the assembled type under its GraphQL name (see `assembled`)."""
    _ASSEMBLED[object_type._meta.name] = object_type
    return object_type


class Field(graphene.Field):
    """A root query or subscription field that declares who may call it (`permissions`, checked before its
    resolver runs, written into its description). A subscription field is given its `live` declaration
    (backend.realtime.live), which subscribes and resolves its events."""

    def __init__(
        self, type_, *args, permissions, live=None, refused_as_not_found=False, description=None, **kwargs
    ):
        text = inspect.cleandoc(description or "")
        super().__init__(type_, *args, description=f"{text} {requirement(permissions)}".strip(), **kwargs)
        self.permissions = tuple(permissions)
        self.live = live
        # A stream whose very existence is private (the accelerator's): who may not follow it gets NOT_FOUND.
        self.refused_as_not_found = refused_as_not_found

    def wrap_resolve(self, parent_resolver):
        if self.live is not None:
            return self.live.resolve  # an event: the gate was passed when subscribing
        resolver = super().wrap_resolve(parent_resolver)
        return gated(resolver, self.permissions)

    def wrap_subscribe(self, parent_subscribe):
        if self.live is None:
            return parent_subscribe
        permissions, subscribe, hide = self.permissions, self.live.subscribe, self.refused_as_not_found

        async def gated_subscribe(root, info, **arguments):
            try:
                await run_in_pool(
                    lambda: gate(info, permissions)
                )  # the viewer's facts come from the database
            except Refused:
                if not hide:
                    raise
                raise GraphQLError("Objet introuvable.", extensions={"code": "NOT_FOUND"}) from None
            return await subscribe(root, info, **arguments)

        return gated_subscribe


def gated(resolver, permissions):
    def resolve(root, info, **arguments):
        gate(info, permissions)
        return resolver(root, info, **arguments)

    return resolve


def enum_value(value):
    """The raw value of an enum argument: graphene gives members for declared enums, strings otherwise."""
    return getattr(value, "value", value)


def errors_field(error_object: type[graphene.ObjectType]) -> graphene.List:
    return graphene.List(
        graphene.NonNull(error_object),
        required=True,
        description="Problems with the input; empty when the mutation succeeded.",
    )


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


# --- Selection sets -----------------------------------------------------------------------------


def selected_paths(info) -> set[str]:
    """Dotted camelCase paths of every field selected below the current one (fragments included).

    Lets a list resolver prefetch only what the client asked for.
    """
    paths: set[str] = set()

    def walk(selection_set, prefix):
        for selection in selection_set.selections if selection_set else []:
            if isinstance(selection, FieldNode):
                path = f"{prefix}{selection.name.value}"
                paths.add(path)
                walk(selection.selection_set, path + ".")
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, prefix)
            elif isinstance(selection, FragmentSpreadNode):
                walk(info.fragments[selection.name.value].selection_set, prefix)

    for node in info.field_nodes:
        walk(node.selection_set, "")
    return paths


class LoadedNode:
    """For DjangoObjectTypes: `node(id:)` loads the object with what the selection needs, in constant queries.

    The type declares `loading(paths)`: the `select_related`/`Prefetch` that the selected dotted paths
    (`selected_paths`, relative to the object) need, usually the same ones its list queries use. The
    object is then read through the type's scoping (`get_queryset`) as any `node` is.
    """

    @classmethod
    def loading(cls, paths: set[str]) -> tuple[list, list]:
        """(select_related names, prefetch lookups) for these selected paths."""
        return [], []

    @classmethod
    def get_node(cls, info, id):
        related, prefetches = cls.loading(selected_paths(info))
        queryset = cls._meta.model.objects.prefetch_related(*prefetches)
        if related:  # select_related() with no names would follow every foreign key
            queryset = queryset.select_related(*related)
        return cls.get_queryset(queryset, info).filter(pk=id).first()


def node_paths(info) -> set[str]:
    """For a connection field: the selected paths below `edges.node`, relative to the node."""
    return {
        path.removeprefix("edges.node.") for path in selected_paths(info) if path.startswith("edges.node.")
    }


def selected_any(paths: set[str], *prefixes: str) -> bool:
    """Whether a selected path is one of `prefixes` or lies below one."""
    return any(path == prefix or path.startswith(prefix + ".") for path in paths for prefix in prefixes)


def node_field(**kwargs) -> graphene.Field:
    """`node(id:)`: any object by its global ID, through its type's scoped `get_node`.

    A malformed ID, an unknown type, or a primary key the model cannot hold is a BAD_USER_INPUT
    error; an object that does not exist or that the viewer may not see is null.
    """

    def resolve(root, info, id):
        try:
            type_name, pk = from_global_id(id)
        except Exception:
            type_name, pk = "", ""
        schema_type = info.schema.get_type(type_name) if type_name else None
        graphene_type = getattr(schema_type, "graphene_type", None)
        meta = getattr(graphene_type, "_meta", None)
        if not pk or graphene_type is None or graphene.relay.Node not in getattr(meta, "interfaces", ()):
            raise bad_input("Identifiant global invalide.")
        model = getattr(meta, "model", None)
        if model is not None:
            try:
                pk = model._meta.pk.to_python(pk)
            except DjangoValidationError:
                raise bad_input(f"Identifiant {type_name} invalide.") from None
        return graphene_type.get_node(info, pk)

    return Field(
        graphene.relay.Node,
        id=graphene.ID(required=True, description="The ID of the object."),
        resolver=resolve,
        permissions=[Permission.ANYONE],  # what it returns, each type's scoping decides
        **kwargs,
    )


def decode_global_id(global_id: str, expected_type: str) -> str:
    """The primary key in a Relay global ID of the expected type, or a BAD_USER_INPUT error."""
    try:
        type_name, pk = from_global_id(global_id)
    except Exception:
        type_name, pk = "", ""
    if type_name != expected_type or not pk:
        raise bad_input(f"Identifiant {expected_type} invalide.")
    return pk


def get_object(global_id: str, model, type_name: str, field: str, queryset=None):
    """The object behind a global ID of `type_name`, or a NOT_FOUND error on `field` (camelCase)."""
    try:
        found_type, pk = from_global_id(global_id)
    except Exception:
        found_type, pk = None, None
    obj = None
    if found_type == type_name and pk:
        obj = (queryset if queryset is not None else model.objects).filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: ValidationError("Objet introuvable.", code="NOT_FOUND")})
    return obj


def find_object(global_id: str, model, type_name: str, queryset=None):
    """For queries: the object behind a global ID, or a NOT_FOUND error (mutations use `get_object`)."""
    try:
        return get_object(global_id, model, type_name, "id", queryset)
    except ValidationError:
        raise GraphQLError("Objet introuvable.", extensions={"code": "NOT_FOUND"}) from None
