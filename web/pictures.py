"""The hubs near a commune as an SVG map, drawn here from the communes' coordinates (no tile server, no
script, nothing from outside): the commune at the centre, the search radius, each hub numbered as in the list
beside it (the map's accessible equivalent) with its own service radius.

A local equirectangular projection (longitudes scaled by the cosine of the centre's latitude) is exact enough
at these distances (a few tens of kilometres): circles stay circles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

KM_PER_DEGREE = 111.195
HUB_COLOUR = "#000091"  # the DSFR's blue France
HOME_COLOUR = "#c9191e"  # the DSFR's red Marianne


@dataclass
class Place:
    label: str
    latitude: float
    longitude: float
    radius_km: float | None = None
    number: int | None = None  # the hub's number in the list beside the map


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def hubs_map(home: Place, hubs: list[Place], search_radius_km: float, size: int = 480) -> str:
    """`home` at the centre; the view spans the search radius and every hub's service area."""
    cos = math.cos(math.radians(home.latitude))

    def km(place: Place) -> tuple[float, float]:
        return (
            (place.longitude - home.longitude) * KM_PER_DEGREE * cos,
            (place.latitude - home.latitude) * KM_PER_DEGREE,
        )

    reach = search_radius_km
    for hub in hubs:
        x, y = km(hub)
        reach = max(reach, math.hypot(x, y) + (hub.radius_km or 0) * 0.35)
    reach = max(reach * 1.08, 5.0)
    scale = (size / 2) / reach  # pixels per km
    centre = size / 2

    def point(place: Place) -> tuple[float, float]:
        x, y = km(place)
        return centre + x * scale, centre - y * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="tdp-map" role="img" '
        f'aria-labelledby="carte-titre carte-description">',
        '<title id="carte-titre">Carte des MSP tête de pont proches</title>',
        f'<desc id="carte-description">{escape(home.label)} au centre, le rayon de recherche de '
        f"{_fmt(search_radius_km)} km en pointillés, et {len(hubs)} MSP tête de pont numérotées comme dans la "
        "liste, chacune avec la zone qu'elle couvre.</desc>",
        f'<rect width="{size}" height="{size}" fill="#f6f6f6"/>',
    ]
    for hub in hubs:
        x, y = point(hub)
        if hub.radius_km:
            parts.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(hub.radius_km * scale)}" fill="{HUB_COLOUR}" '
                f'fill-opacity="0.07" stroke="{HUB_COLOUR}" stroke-opacity="0.45"/>'
            )
    parts.append(
        f'<circle cx="{_fmt(centre)}" cy="{_fmt(centre)}" r="{_fmt(search_radius_km * scale)}" fill="none" '
        f'stroke="{HOME_COLOUR}" stroke-width="2" stroke-dasharray="6 5"/>'
    )
    # A scale bar: 10 km (or 5 where the view is small).
    bar = 10 if reach > 12 else 5
    parts.append(
        f'<g font-family="Marianne, Arial, sans-serif" font-size="13" fill="#161616">'
        f'<line x1="16" y1="{size - 18}" x2="{_fmt(16 + bar * scale)}" y2="{size - 18}" stroke="#161616" '
        f'stroke-width="3"/><text x="16" y="{size - 26}">{bar} km</text></g>'
    )
    for number, hub in enumerate(hubs, start=1):
        number = hub.number or number
        x, y = point(hub)
        parts.append(
            f'<g><circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="13" fill="{HUB_COLOUR}" stroke="#fff" stroke-width="2"/>'
            f'<text x="{_fmt(x)}" y="{_fmt(y + 5)}" text-anchor="middle" font-family="Marianne, Arial, sans-serif" '
            f'font-size="14" font-weight="700" fill="#fff">{number}</text></g>'
        )
    parts.append(
        f'<g><circle cx="{_fmt(centre)}" cy="{_fmt(centre)}" r="8" fill="{HOME_COLOUR}" stroke="#fff" '
        f'stroke-width="2"/><text x="{_fmt(centre + 12)}" y="{_fmt(centre - 10)}" '
        f'font-family="Marianne, Arial, sans-serif" font-size="14" font-weight="700" fill="#161616" '
        f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(home.label)}</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)
