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


CHART_COLOURS = ("#000091", "#6a6af4", "#c9191e")  # blue France, its lighter blue, red Marianne
CHART_TEXT = "#161616"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def horizontal_bars(rows: list[tuple[str, float]], title_id: str, width: int = 640, bar: int = 22) -> str:
    """One bar per row (label, value), the longest the largest value, the value written at its end. The
    picture is labelled by the heading `title_id`; the table beside it carries the same figures."""
    if not rows:
        return ""
    label_width, gap = 240, 6
    scale = (width - label_width - 60) / max(max(value for _, value in rows), 1)
    height = len(rows) * (bar + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-labelledby="{escape(title_id)}" class="tdp-chart" focusable="false">'
    ]
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar + gap)
        length = max(value * scale, 1 if value else 0)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end" font-size="13" '
            f'fill="{CHART_TEXT}">{escape(label[:34])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="{CHART_COLOURS[0]}">'
            f"<title>{escape(label)} : {_number(value)}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar * 0.7:.1f}" font-size="13" '
            f'fill="{CHART_TEXT}">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(
    labels: list[str], series: list[tuple[str, list[float]]], unit: str, title_id: str, height: int = 260
) -> str:
    """Vertical bars grouped by label (a month), one colour per series with its legend, values above the
    bars in `unit`. Labelled by the heading `title_id`; the table beside it carries the same figures."""
    if not labels:
        return ""
    group = 36 * len(series) + 24
    left, bottom, top = 40, 40, 36
    width = max(left + group * len(labels) + 10, left + 170 * len(series))  # room for the legend
    peak = max([max(values) for _, values in series if values] + [1])
    scale = (height - bottom - top) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-labelledby="{escape(title_id)}" class="tdp-chart" focusable="false">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="{CHART_TEXT}"/>',
    ]
    for number, (name, _) in enumerate(series):
        x = left + number * 170
        parts.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{CHART_COLOURS[number % len(CHART_COLOURS)]}"/>'
            f'<text x="{x + 20}" y="18" font-size="13" fill="{CHART_TEXT}">{escape(name)}</text>'
        )
    for index, label in enumerate(labels):
        x0 = left + index * group + 12
        for number, (name, values) in enumerate(series):
            value = values[index]
            bar_height = value * scale
            x, y = x0 + number * 36, height - bottom - bar_height
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="30" height="{bar_height:.1f}" '
                f'fill="{CHART_COLOURS[number % len(CHART_COLOURS)]}"><title>{escape(label)}, {escape(name)} : '
                f"{_number(value)} {unit}</title></rect>"
                f'<text x="{x + 15}" y="{y - 4:.1f}" text-anchor="middle" font-size="11" '
                f'fill="{CHART_TEXT}">{_number(value)}</text>'
            )
        parts.append(
            f'<text x="{x0 + 18 * len(series)}" y="{height - bottom + 18}" text-anchor="middle" font-size="12" '
            f'fill="{CHART_TEXT}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
