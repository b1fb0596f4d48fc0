"""Conventions shared by every app's GraphQL layer.

- `enum_from_choices`: a described GraphQL enum from a Django `TextChoices`.
- `error_type`: the `{field, code, message}` error object of a domain, `code` an enum.
- `BaseMutation`: returns its object and a non-null `errors` list; domain services
  raise Django `ValidationError`s (with codes) and the base turns them into errors.
- `Unauthenticated` / `Forbidden`: top-level errors with `extensions.code`.
"""

from __future__ import annotations

import inspect
import logging
import re
import uuid

import graphene
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from graphene_django import DjangoConnectionField
from graphql import GraphQLError

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


class Unauthenticated(GraphQLError):
    def __init__(self, message: str = "Authentification requise.") -> None:
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})


class Forbidden(GraphQLError):
    def __init__(self, message: str = "Vous n'avez pas le droit d'effectuer cette action.") -> None:
        super().__init__(message, extensions={"code": "FORBIDDEN"})


def current_user(info):
    return getattr(info.context, "user", None)


def require_authenticated(info):
    user = current_user(info)
    if user is None or not user.is_authenticated:
        raise Unauthenticated()
    return user


def require_permission(info, permission: str):
    user = require_authenticated(info)
    if not user.has_perm(permission):
        raise Forbidden()
    return user


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

    Subclasses set `error_code_enum` (the domain's TextChoices) and define `errors`
    through `errors_field`, then implement `perform(cls, root, info, **arguments)`
    returning the payload instance.
    """

    class Meta:
        abstract = True

    error_code_enum = None  # TextChoices of the domain
    atomic = True  # tokenAuth opts out: its failed-login record must survive the error
    error_defaults: dict = {}  # values of required payload fields when the mutation fails (e.g. empty lists)

    @classmethod
    def perform(cls, root, info, **arguments):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def Field(cls, *args, description=None, **kwargs):
        """The mutation's root field, described by its docstring without the source's indentation."""
        return super().Field(*args, description=inspect.cleandoc(description or cls.__doc__ or ""), **kwargs)

    @classmethod
    def mutate(cls, root, info, **arguments):
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


def errors_field(error_object: type[graphene.ObjectType]) -> graphene.List:
    return graphene.List(
        graphene.NonNull(error_object),
        required=True,
        description="Problems with the input; empty when the mutation succeeded.",
    )


# --- Error formatting for the HTTP (and later WebSocket) transport -----------------------------


INTERNAL_ERROR_MESSAGE = "Erreur interne du serveur. L'équipe technique a été prévenue."


def _from_graphql_core(error: GraphQLError) -> bool:
    """An error graphql-core wrote itself (ours are subclasses, carry a code, or wrap what a resolver raised):
    a plain GraphQLError with no extensions, not located in the result (no path), and either no cause or a
    scalar's own complaint about a value (a coercion error)."""
    from graphql.error import GraphQLSyntaxError

    if type(error) not in (GraphQLError, GraphQLSyntaxError) or error.extensions or error.path is not None:
        return False
    original = error.original_error
    return original is None or isinstance(original, (ValueError, TypeError)) or type(original) is GraphQLError


def format_error(error: GraphQLError) -> dict:
    """Expected errors keep their message; anything else is hidden outside DEBUG."""
    original = getattr(error, "original_error", None)
    if _from_graphql_core(error):
        # Syntax, the specification's validation, variable coercion: graphql-core's English, in French.
        from .messages import code_of, french

        formatted = error.formatted
        formatted["message"] = french(error.message)
        formatted["extensions"] = {"code": code_of(error.message)}
        return formatted
    if original is None or isinstance(original, GraphQLError):
        formatted = error.formatted
        if isinstance(original, GraphQLError) and original.extensions:
            formatted.setdefault("extensions", {}).update(original.extensions)
        return formatted
    if isinstance(original, ValidationError):
        formatted = error.formatted
        formatted["message"] = " ".join(original.messages)
        formatted["extensions"] = {"code": "BAD_USER_INPUT"}
        return formatted
    from .execution import current_control

    control = current_control()
    request_id = control.request_id if control is not None else uuid.uuid4().hex[:16]
    logger.error("Unhandled error in GraphQL resolver [request %s]", request_id, exc_info=original)
    formatted = error.formatted
    if not settings.DEBUG:
        formatted["message"] = f"{INTERNAL_ERROR_MESSAGE} Référence : {request_id}."
    formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    return formatted


# --- Connections --------------------------------------------------------------------------------


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

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("first", graphene.Int(description="Return the first n items (at most 100)."))
        kwargs.setdefault("last", graphene.Int(description="Return the last n items (at most 100)."))
        kwargs.setdefault("after", graphene.String(description="Return items after this cursor."))
        kwargs.setdefault("before", graphene.String(description="Return items before this cursor."))
        kwargs.setdefault("offset", graphene.Int(description="Skip this many items first."))
        super().__init__(*args, **kwargs)

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
        from graphql_relay import cursor_to_offset

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


def capped_list_first() -> graphene.Int:
    """The `first` argument of a plain list that could grow: the query limits count the list at this size."""
    return graphene.Int(
        default_value=CAPPED_LIST_DEFAULT,
        description=f"Return at most this many items (default {CAPPED_LIST_DEFAULT}, at most {CAPPED_LIST_MAX}).",
    )


def capped(items, first: int, name: str):
    """The first `first` items (a list or a queryset), or BAD_USER_INPUT when `first` is out of bounds."""
    if first is None or not 0 <= first <= CAPPED_LIST_MAX:
        raise bad_input(f"`first` doit être compris entre 0 et {CAPPED_LIST_MAX} pour `{name}`.")
    return list(items[:first])


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


# --- Selection sets -----------------------------------------------------------------------------


def selected_paths(info) -> set[str]:
    """Dotted camelCase paths of every field selected below the current one (fragments included).

    Lets a list resolver prefetch only what the client asked for.
    """
    from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

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


def node_field(**kwargs) -> graphene.Field:
    """`node(id:)`: any object by its global ID, through its type's scoped `get_node`.

    A malformed ID, an unknown type, or a primary key the model cannot hold is a BAD_USER_INPUT
    error; an object that does not exist or that the viewer may not see is null.
    """

    def resolve(root, info, id):
        from django.core.exceptions import ValidationError as DjangoValidationError
        from graphql_relay import from_global_id

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

    return graphene.Field(
        graphene.relay.Node,
        id=graphene.ID(required=True, description="The ID of the object."),
        resolver=resolve,
        **kwargs,
    )


def decode_global_id(global_id: str, expected_type: str) -> str:
    """The primary key in a Relay global ID of the expected type, or a BAD_USER_INPUT error."""
    from graphql_relay import from_global_id

    try:
        type_name, pk = from_global_id(global_id)
    except Exception:
        type_name, pk = "", ""
    if type_name != expected_type or not pk:
        raise bad_input(f"Identifiant {expected_type} invalide.")
    return pk


def get_object(global_id: str, model, type_name: str, field: str, queryset=None):
    """The object behind a global ID of `type_name`, or a NOT_FOUND error on `field` (camelCase)."""
    from graphql_relay import from_global_id

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
