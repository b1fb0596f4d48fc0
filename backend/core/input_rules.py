"""One rule per kind of input, applied to the built schema so that every argument and input field obeys it.

- An argument or input field **with a default value** cannot be given an explicit `null` (its type
  becomes non-null, so validation refuses `first: null` instead of a resolver meeting `None` where it
  counted on the default).

- **DateTime** inputs must carry their offset (`2026-12-08T14:00:00+01:00` or `…Z`): a date-time
  without one, or a bare date, means different instants in Paris and in La Réunion, so it is refused
  with a French BAD_USER_INPUT error rather than guessed.
- **String** and **ID** inputs cannot hold a NUL character (PostgreSQL stores none) nor a lone
  surrogate (not Unicode text; it cannot be encoded), nor more than `MAX_TEXT_CHARS` characters
  (`GRAPHQL_LIMITS`, 10,000: a message, a question or a note, never an index, an e-mail or a page
  blown up): refused the same way, before any resolver runs. Fields keep their own tighter maximum
  (a name's `max_length`).
- A **search** — any argument or input field named `search`, wherever it is — holds at most
  `MAX_SEARCH_WORDS` words and `MAX_SEARCH_CHARS` characters (10 and 200): each word is a filter or a
  term of the query, so the cost of a search is the client's choice unless it is bounded here, once for
  every search the schema has or will have.
"""

from datetime import datetime
from functools import wraps

from django.conf import settings
from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    default_field_resolver,
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


TEXT_DEFAULTS = {"MAX_TEXT_CHARS": 10_000, "MAX_SEARCH_WORDS": 10, "MAX_SEARCH_CHARS": 200}


def text_limit(name: str) -> int:
    return int({**TEXT_DEFAULTS, **getattr(settings, "GRAPHQL_LIMITS", {})}.get(name, TEXT_DEFAULTS[name]))


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _bounded(parse):
    """Refuses a text input past `MAX_TEXT_CHARS` before it is parsed (a variable's value or a literal's)."""

    def parse_bounded(raw, *args, **kwargs):
        text = raw if isinstance(raw, str) else getattr(raw, "value", None)
        maximum = text_limit("MAX_TEXT_CHARS")
        if isinstance(text, str) and len(text) > maximum:
            raise _refuse(
                f"Le texte est trop long : {_number(len(text))} caractères, pour {_number(maximum)} au plus."
            )
        return parse(raw, *args, **kwargs)

    return parse_bounded


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

    return _bounded(parse_text)


def _file(parse):
    def parse_file(*args, **kwargs):
        value = parse(*args, **kwargs)
        if value is not None and not hasattr(value, "read"):
            raise _refuse(
                "Un fichier s'envoie en multipart/form-data (spécification GraphQL multipart request), "
                "pas comme texte dans les variables."
            )
        return value

    return parse_file


def apply_input_rules(schema: GraphQLSchema) -> None:
    """The rules above, once, at start-up."""
    _defaults_are_not_null(schema)
    _harden_scalars(schema)
    _bound_searches(schema)


SEARCH = "search"


def search_refusal(value) -> tuple[str, str, int] | None:
    """Why a search text is refused (French message, limit, maximum), or None: for the API and for the pages
    and exports that take a search in their query string."""
    if not isinstance(value, str):
        return None
    max_chars, max_words = text_limit("MAX_SEARCH_CHARS"), text_limit("MAX_SEARCH_WORDS")
    if len(value) > max_chars:
        message = (
            f"La recherche est trop longue : {_number(len(value))} caractères, pour {max_chars} au plus."
        )
        return message, "searchChars", max_chars
    words = len(value.split())
    if words > max_words:
        message = (
            f"La recherche compte trop de mots : {_number(words)}, pour {max_words} au plus. "
            "Gardez les mots les plus distinctifs."
        )
        return message, "searchWords", max_words
    return None


def check_search(value) -> None:
    """Refuses a search text past the words or characters allowed (French BAD_USER_INPUT)."""
    refusal = search_refusal(value)
    if refusal is not None:
        message, limit, maximum = refusal
        extensions = {"code": "BAD_USER_INPUT", "field": SEARCH, "limit": limit, "maximum": maximum}
        raise GraphQLError(message, extensions=extensions)


def check_searches(arguments: dict) -> None:
    """Every search among a field's coerced arguments, checked: what the wrapped resolvers run first, and the
    compiled reads too (backend/core/compiled_reads.py), which run no resolver."""
    for value in _searches_in(arguments):
        check_search(value)


def _search_paths(arg_type, seen=()) -> bool:
    """Whether an input of this type holds a `search` field, at any depth."""
    named = arg_type
    while hasattr(named, "of_type"):
        named = named.of_type
    if not isinstance(named, GraphQLInputObjectType) or named in seen:
        return False
    return SEARCH in named.fields or any(_search_paths(f.type, (*seen, named)) for f in named.fields.values())


def _searches_in(value):
    """Every value of a `search` key in coerced arguments (dicts, graphene's input objects, lists)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == SEARCH:
                yield item
            else:
                yield from _searches_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _searches_in(item)


def _bound_searches(schema: GraphQLSchema) -> None:
    """Wraps the resolver of every field that takes a search, directly or inside an input, in `check_search`."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            takes_search = any(
                name == SEARCH or _search_paths(argument.type) for name, argument in field.args.items()
            )
            if not takes_search or getattr(field.resolve, "_search_bounded", False):
                continue
            resolve = field.resolve or default_field_resolver

            @wraps(resolve)
            def bounded(root, info, _resolve=resolve, **kwargs):
                check_searches(kwargs)
                return _resolve(root, info, **kwargs)

            bounded._search_bounded = True
            field.resolve = bounded


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
    """Wrap the input parsing of every scalar that takes text (and Upload) in the rules above."""
    rules = (("DateTime", lambda parse: _bounded(_aware(parse))), ("String", _text), ("ID", _text))
    rules += (("Date", _bounded), ("Time", _bounded), ("Upload", _file))
    for name, wrap in rules:
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
