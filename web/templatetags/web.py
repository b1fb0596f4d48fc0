import re

from django import template

register = template.Library()


@register.simple_tag
def field_errors(errors, name):
    """The messages of the API's `errors` that name this field."""
    return getattr(errors, "fields", {}).get(name, [])


@register.filter
def km(value) -> str:
    """A distance in kilometres as French readers write it (12,5 km)."""
    return f"{float(value):.1f}".rstrip("0").rstrip(".").replace(".", ",") + " km"


@register.filter
def hours(value) -> str:
    return f"{float(value):.1f}".rstrip("0").rstrip(".").replace(".", ",") + " h"


@register.filter
def plural_fr(value, suffix: str = "s") -> str:
    """French plural: 0 and 1 take the singular (« 0 place prise », « 2 places prises »)."""
    return suffix if abs(int(value or 0)) >= 2 else ""


@register.filter
def dom_id(value) -> str:
    """`value` made fit for an element's id that `#id` can name (a relay id holds `=`, `+` or `/`): other
    characters written as `_` and their code."""
    return re.sub(r"[^A-Za-z0-9_-]", lambda match: f"_{ord(match.group()):x}", str(value))
