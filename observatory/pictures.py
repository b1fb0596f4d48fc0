"""The observatory page's pictures, drawn on the server as SVG (no script, no tile server, no CDN: the back
office works offline): the progress towards 4,000 MSPs, and a map of the territory's communes coloured by
coverage, with MSPs, hubs and their service areas.

The map is an equirectangular projection per panel (metropolitan France, then one inset per overseas
department present), scaled by the cosine of the panel's mean latitude. Communes are binned on a grid of
small squares, each coloured by the share of its population within reach of an approved hub.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from html import escape

KM_PER_DEGREE = 111.195
COVERAGE_COLOURS = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"]  # 0 % → 100 %
OVERSEAS = {
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


# --- Progress chart ----------------------------------------------------------------------------------------


def progress_chart(
    points: list[tuple[date, int]],
    target: int | None,
    reference: tuple[date, int, str] | None = None,
    width: int = 640,
    height: int = 260,
) -> str:
    """MSPs in operation month by month (`points`, oldest first), with the national target as a line when
    given (to 2027, the plan's horizon) and a `reference` point (the plan's 2023 figure) in grey."""
    left, right, top, bottom = 56, 16, 16, 36
    first = min([p[0] for p in points] + [date(2023, 1, 1)])
    last = date(2027, 12, 1) if target else date(max([p[0] for p in points] + [date.today()]).year + 1, 1, 1)
    months = max((last.year - first.year) * 12 + last.month - first.month, 1)
    peak = max([n for _, n in points] + [target or 0, reference[1] if reference else 0, 1])
    ceiling = (
        int(math.ceil(peak * 1.1 / 500) * 500) if peak > 100 else int(math.ceil(peak * 1.2 / 5) * 5) or 5
    )

    def x(day: date) -> float:
        return (
            left + (width - left - right) * ((day.year - first.year) * 12 + day.month - first.month) / months
        )

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / ceiling)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="progress-title" class="observatory-chart">',
        '<title id="progress-title">MSP en fonctionnement au fil des mois'
        + (f", objectif national de {_thousands(target)}" if target else "")
        + "</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]
    for step in range(5):
        value = ceiling * step / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_fmt(y(value))}" y2="{_fmt(y(value))}" '
            f'stroke="#ddd" stroke-width="1"/><text x="{left - 6}" y="{_fmt(y(value) + 4)}" '
            f'text-anchor="end" font-size="11" fill="#555">{_thousands(int(value))}</text>'
        )
    for year in range(first.year, last.year + 1):
        day = date(year, 1, 1)
        if day >= first:
            parts.append(
                f'<line x1="{_fmt(x(day))}" x2="{_fmt(x(day))}" y1="{top}" y2="{height - bottom}" stroke="#eee"/>'
                f'<text x="{_fmt(x(day))}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
                f'fill="#555">{year}</text>'
            )
    if target:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_fmt(y(target))}" y2="{_fmt(y(target))}" '
            f'stroke="#2166ac" stroke-dasharray="6 4" stroke-width="1.5"/>'
            f'<text x="{width - right}" y="{_fmt(y(target) - 6)}" text-anchor="end" font-size="12" '
            f'fill="#2166ac">Objectif : {_thousands(target)} MSP</text>'
        )
    if reference:
        day, value, label = reference
        parts.append(
            f'<circle class="reference" cx="{_fmt(x(day))}" cy="{_fmt(y(value))}" r="4" fill="#777"/>'
            f'<text x="{_fmt(x(day) + 8)}" y="{_fmt(y(value) + 4)}" font-size="11" fill="#555">{escape(label)}</text>'
        )
    if points:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{_fmt(x(d))},{_fmt(y(n))}" for i, (d, n) in enumerate(points)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="#b2182b" stroke-width="2.5"/>')
        for day, value in points:
            parts.append(
                f'<circle cx="{_fmt(x(day))}" cy="{_fmt(y(value))}" r="3" fill="#b2182b">'
                f"<title>{day:%m/%Y} : {_thousands(value)} MSP</title></circle>"
            )
        day, value = points[-1]
        parts.append(
            f'<text x="{_fmt(x(day) + 6)}" y="{_fmt(y(value) - 6)}" font-size="12" font-weight="bold" '
            f'fill="#b2182b">{_thousands(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --- Map ---------------------------------------------------------------------------------------------------


@dataclass
class Commune:
    department: str
    latitude: float
    longitude: float
    population: int
    covered: bool


@dataclass
class Place:
    """An MSP's main site (`hub_radius_km` for an approved hub)."""

    name: str
    department: str
    latitude: float
    longitude: float
    operating: bool
    hub_radius_km: float | None = None


@dataclass
class Panel:
    title: str
    x: float
    y: float
    width: float
    height: float
    communes: list
    places: list

    def projection(self):
        points = [(c.latitude, c.longitude) for c in self.communes] + [
            (p.latitude, p.longitude) for p in self.places
        ]
        south, north = min(p[0] for p in points), max(p[0] for p in points)
        west, east = min(p[1] for p in points), max(p[1] for p in points)
        shrink = math.cos(math.radians((south + north) / 2))
        span_x, span_y = max((east - west) * shrink, 0.05), max(north - south, 0.05)
        pad = 8
        scale = min((self.width - 2 * pad) / span_x, (self.height - 2 * pad - 14) / span_y)
        offset_x = self.x + (self.width - span_x * scale) / 2
        offset_y = self.y + 14 + (self.height - 14 - span_y * scale) / 2

        def project(latitude: float, longitude: float) -> tuple[float, float]:
            return offset_x + (longitude - west) * shrink * scale, offset_y + (north - latitude) * scale

        return project, scale


def _colour(share: float) -> str:
    return COVERAGE_COLOURS[min(int(share * (len(COVERAGE_COLOURS) - 1) + 0.5), len(COVERAGE_COLOURS) - 1)]


def panels_for(communes: list[Commune], places: list[Place], national: bool) -> list[Panel]:
    """Metropolitan France and an inset per overseas department (nation); else one panel of the territory."""
    if not national:
        return [Panel("", 0, 0, 640, 600, communes, places)]
    metro = Panel(
        "France métropolitaine",
        0,
        0,
        640,
        600,
        [c for c in communes if c.department not in OVERSEAS],
        [p for p in places if p.department not in OVERSEAS],
    )
    insets = []
    for index, (code, name) in enumerate(OVERSEAS.items()):
        found = [c for c in communes if c.department == code]
        sites = [p for p in places if p.department == code]
        if found or sites:
            insets.append(Panel(name, 650, index * 120, 150, 114, found, sites))
    return ([metro] if metro.communes or metro.places else []) + insets


def coverage_map(communes: list[Commune], places: list[Place], national: bool, cell: float = 6.0) -> str:
    panels = panels_for(communes, places, national)
    width = 810 if national else 650
    height = 640
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="map-title" class="observatory-map">',
        '<title id="map-title">Carte des MSP, des MSP tête de pont et de leurs zones d\'intervention, communes '
        "colorées selon la part de la population à portée d'une MSP tête de pont</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]
    for index, panel in enumerate(panels):
        box = f'x="{_fmt(panel.x)}" y="{_fmt(panel.y)}" width="{_fmt(panel.width)}" height="{_fmt(panel.height)}"'
        parts.append(
            f'<clipPath id="panel-{index}"><rect {box}/></clipPath>'
            f'<g class="panel" data-title="{escape(panel.title)}" clip-path="url(#panel-{index})">'
            f'<rect {box} fill="#fafafa" stroke="#ccc"/>'
        )
        if panel.title:
            parts.append(
                f'<text x="{_fmt(panel.x + 4)}" y="{_fmt(panel.y + 12)}" font-size="11" fill="#333">'
                f"{escape(panel.title)}</text>"
            )
        if not panel.communes and not panel.places:
            parts.append("</g>")
            continue
        project, scale = panel.projection()
        size = cell if panel.width > 300 else max(cell / 2, 3)
        bins: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        for commune in panel.communes:
            px, py = project(commune.latitude, commune.longitude)
            totals = bins[(int(px // size), int(py // size))]
            totals[0] += commune.population
            totals[1] += commune.population if commune.covered else 0
        for (i, j), (population, covered) in sorted(bins.items()):
            fill = _colour(covered / population) if population else "#eee"
            parts.append(
                f'<rect x="{_fmt(i * size)}" y="{_fmt(j * size)}" width="{_fmt(size)}" height="{_fmt(size)}" '
                f'fill="{fill}"/>'
            )
        for place in panel.places:
            if place.hub_radius_km:
                px, py = project(place.latitude, place.longitude)
                radius = place.hub_radius_km / KM_PER_DEGREE * scale
                parts.append(
                    f'<circle class="service-area" cx="{_fmt(px)}" cy="{_fmt(py)}" r="{_fmt(radius)}" '
                    f'fill="#2166ac" fill-opacity="0.08" stroke="#2166ac" stroke-width="0.8"/>'
                )
        for place in sorted(panel.places, key=lambda p: p.hub_radius_km is not None):
            px, py = project(place.latitude, place.longitude)
            label = escape(place.name)
            if place.hub_radius_km:
                parts.append(
                    f'<rect class="hub" x="{_fmt(px - 3.5)}" y="{_fmt(py - 3.5)}" width="7" height="7" '
                    f'fill="#08306b" stroke="#fff" stroke-width="1"><title>{label} (tête de pont, '
                    f"{_fmt(place.hub_radius_km)} km)</title></rect>"
                )
            else:
                fill = "#333" if place.operating else "#fff"
                parts.append(
                    f'<circle class="msp" cx="{_fmt(px)}" cy="{_fmt(py)}" r="2" fill="{fill}" stroke="#333" '
                    f'stroke-width="0.7"><title>{label}</title></circle>'
                )
        parts.append("</g>")
    legend_y = height - 24
    parts.append(
        f'<g class="legend" font-size="11" fill="#333"><text x="4" y="{legend_y - 6}">Part de la population à '
        "portée d'une MSP tête de pont :</text>"
    )
    for index, colour in enumerate(COVERAGE_COLOURS):
        share = index / (len(COVERAGE_COLOURS) - 1)
        x = 4 + index * 46
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="14" height="10" fill="{colour}"/>'
            f'<text x="{x + 17}" y="{legend_y + 9}">{int(share * 100)} %</text>'
        )
    x = 4 + len(COVERAGE_COLOURS) * 46 + 10
    parts.append(
        f'<circle cx="{x + 5}" cy="{legend_y + 5}" r="2" fill="#333"/><text x="{x + 11}" y="{legend_y + 9}">MSP'
        f'</text><circle cx="{x + 50}" cy="{legend_y + 5}" r="2" fill="#fff" stroke="#333"/>'
        f'<text x="{x + 56}" y="{legend_y + 9}">en projet</text>'
        f'<rect x="{x + 115}" y="{legend_y + 1.5}" width="7" height="7" fill="#08306b"/>'
        f'<text x="{x + 126}" y="{legend_y + 9}">MSP tête de pont et zone d\'intervention</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)
