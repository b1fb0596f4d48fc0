"""One rule per kind of input, applied to the built schema so that every argument and input field obeys it.

- An argument or input field **with a default value** cannot be given an explicit `null` (its type
  becomes non-null, so validation refuses `first: null` instead of a resolver meeting `None` where it
  counted on the default).

- **DateTime** inputs must carry their offset (`2026-12-08T14:00:00+01:00` or `…Z`): a date-time
  without one, or a bare date, means different instants in Paris and in La Réunion, so it is refused
  with a French BAD_USER_INPUT error rather than guessed.
- **String** and **ID** inputs cannot hold a NUL character (PostgreSQL stores none) nor a lone
  surrogate (not Unicode text; it cannot be encoded): refused the same way, before any resolver runs.
"""

from datetime import datetime

from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)

OFFSET_REQUIRED = (
    "Date et heure sans fuseau : indiquez le décalage horaire, par exemple 2026-12-08T14:00:00+01:00 "
    "(heure de Paris en hiver) ou 2026-12-08T13:00:00Z."
)


def _refuse(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _aware(parse):
    def parse_with_offset(*args, **kwargs):
        value = parse(*args, **kwargs)
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise _refuse(OFFSET_REQUIRED)
        return value

    return parse_with_offset


def _text(parse):
    def parse_text(*args, **kwargs):
        value = parse(*args, **kwargs)
        if isinstance(value, str):
            if "\x00" in value:
                raise _refuse("Le texte contient un caractère nul (U+0000), qui n'est pas accepté.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise _refuse("Le texte contient un caractère Unicode invalide (substitut isolé).") from None
        return value

    return parse_text


def apply_input_rules(schema: GraphQLSchema) -> None:
    """The rules above, once, at start-up."""
    _defaults_are_not_null(schema)
    _harden_scalars(schema)


def _defaults_are_not_null(schema: GraphQLSchema) -> None:
    def tighten(inputs):
        for value in inputs.values():
            has_default = value.default_value is not Undefined and value.default_value is not None
            if has_default and not isinstance(value.type, GraphQLNonNull):
                value.type = GraphQLNonNull(value.type)

    for named in schema.type_map.values():
        if named.name.startswith("__"):
            continue
        if isinstance(named, GraphQLObjectType):
            for field in named.fields.values():
                tighten(field.args)
        elif isinstance(named, GraphQLInputObjectType):
            tighten(named.fields)


def _harden_scalars(schema: GraphQLSchema) -> None:
    """Wrap the input parsing of DateTime, String and ID in the rules above."""
    for name, wrap in (("DateTime", _aware), ("String", _text), ("ID", _text)):
        scalar = schema.type_map.get(name)
        if not isinstance(scalar, GraphQLScalarType) or getattr(scalar, "_hardened", False):
            continue
        scalar.parse_value = wrap(scalar.parse_value)
        scalar.parse_literal = wrap(scalar.parse_literal)
        scalar._hardened = True
    date_time = schema.type_map.get("DateTime")
    if isinstance(date_time, GraphQLScalarType):
        date_time.description = (
            "A date and time in ISO 8601 with its offset, e.g. `2026-12-08T14:00:00+01:00` or "
            "`2026-12-08T13:00:00Z`. Inputs without an offset are refused."
        )
