"""What the pages share: reading a commune typed by a person, dates as French readers write them."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from .. import door

_CODE = re.compile(r"^\s*(\d[0-9AB]\d{3})\b")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def find_commune(request, typed: str) -> tuple[dict | None, list[dict]]:
    """The commune a person typed (its INSEE code, as the suggestions give it, or its name): the commune, or
    None and the communes it could be (none when nothing matches)."""
    typed = (typed or "").strip()
    if not typed:
        return None, []
    match = _CODE.match(typed)
    search = match.group(1) if match else typed[:80]
    answer = door.run(request, "CommuneSuggestions", {"search": search})
    candidates = [edge["node"] for edge in ((answer.data or {}).get("communes") or {}).get("edges", [])]
    if match:
        exact = [c for c in candidates if c["code"] == match.group(1)]
        return (exact[0], []) if exact else (None, candidates)
    named = [c for c in candidates if _plain(c["name"]) == _plain(typed)]
    if len(named) == 1:
        return named[0], []
    if len(candidates) == 1:
        return candidates[0], []
    return None, named or candidates


def commune_label(commune: dict) -> str:
    postal = (commune.get("postalCodes") or [""])[0]
    return f"{commune['code']} — {commune['name']} ({postal or commune['department']['code']})"


def instant(value: str | None) -> datetime | None:
    """A DateTime of the API (ISO 8601, aware), for the `date` filter (shown in Paris time)."""
    return datetime.fromisoformat(value) if value else None


def local_time(value: str | None) -> datetime | None:
    """A slot's local time (ISO 8601 with its offset) as the wall-clock time of its place, for the `date`
    filter (a naive value is shown as it is, not converted to Paris time)."""
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=None)


def rating_variables(request, object_id: str) -> dict:
    """A rating form's answer (1 to 5 and a comment) as a rating mutation's variables; the API checks the range."""
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        rating = 0
    return {"id": object_id, "rating": rating, "comment": request.POST.get("comment", "").strip() or None}


MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def month_label(value: str) -> str:
    """A month of the API (its first day, ISO 8601) as French readers abbreviate it: « mars 2027 »."""
    day = date.fromisoformat(value)
    return f"{MONTHS[day.month - 1]} {day.year}"
