"""Build network/data/ from two public datasets (run once, by hand, when a new Code officiel géographique is out).

    python scripts/build_territory_data.py COG_DIR CONTOURS_DIR OUT_DIR

Inputs:
- COG_DIR: the `data/` folder of the npm package @etalab/decoupage-administratif (6.0.0: COG 2026,
  populations légales 2023, Mayotte's from its 2017 census; Licence Ouverte, code MIT):
  regions.json, departements.json, communes.json;
- CONTOURS_DIR: the `departements/` folder of github.com/gregoiredavid/france-geojson (commit 5d34ee6,
  IGN Admin Express COG 2018 contours simplified with mapshaper, Licence Ouverte): one
  communes-*.geojson per department, Mayotte's included.

Each current commune's coordinates are the area-weighted centroid of its contours — its own and those of
the communes merged into it since (its `anciensCodes` and its communes déléguées or associées), so that
a commune nouvelle created after 2018 sits in the middle of all its parts. A commune with no contour at
all stops the build: every commune shipped has real coordinates.

Outputs: regions.csv, departments.csv, communes.csv.gz (every current commune of the 18 regions) and
former_communes.csv.gz (the codes and names of the communes merged into a current one, for search).
"""

import csv
import gzip
import io
import json
import math
import sys
from collections import defaultdict
from pathlib import Path


def ring_moments(ring):
    """Signed area and first moments of a ring, lon/lat scaled to local kilometres-ish (cos of latitude)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return area / 2, cx / 6, cy / 6


def contour_moments(geometry):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    total = mx = my = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            a, x, y = ring_moments([tuple(p) for p in ring])
            # The outer ring counts positively, holes negatively, whatever their winding.
            sign = 1 if index == 0 else -1
            if (a < 0) == (sign > 0):
                a, x, y = -a, -x, -y
            total, mx, my = total + a, mx + x, my + y
    return total, mx, my


# Communes rétablies since 2018 (a commune nouvelle split again): no contour of their own in the 2018 file,
# so they take that of the commune nouvelle they were part of then (COG history: Saline 2025, Neussargues
# en Pinatelle 2025, Essarts en Bocage 2024) — their coordinates are within that commune, ~10 km at worst.
RESTORED = {
    "14666": "14712",
    "15031": "15141",
    "15035": "15141",
    "15047": "15141",
    "15171": "15141",
    "85165": "85084",
    "85212": "85084",
}


def main(cog_dir: str, contours_dir: str, out_dir: str) -> None:
    cog, out = Path(cog_dir), Path(out_dir)
    # The 18 regions and 101 departments; overseas collectivities are out of scope.
    regions = [r for r in json.loads((cog / "regions.json").read_text()) if len(r["code"]) == 2]
    region_codes = {r["code"] for r in regions}
    departments = [
        d for d in json.loads((cog / "departements.json").read_text()) if d["region"] in region_codes
    ]
    department_codes = {d["code"] for d in departments}
    entries = json.loads((cog / "communes.json").read_text())
    communes = {
        c["code"]: c
        for c in entries
        if c["type"] == "commune-actuelle" and c["departement"] in department_codes
    }

    contours, old_names = {}, {}
    for path in sorted(Path(contours_dir).glob("*/communes-*.geojson")):
        for feature in json.loads(path.read_text())["features"]:
            code = feature["properties"]["code"]
            old_names[code] = feature["properties"]["nom"]
            # Longitudes shrink with latitude: scale them so that areas weigh as on the ground.
            geometry = feature["geometry"]
            rings = geometry["coordinates"] if geometry["type"] == "Polygon" else geometry["coordinates"][0]
            first = rings[0][0]
            k = math.cos(math.radians(first[1]))
            scaled = json.loads(json.dumps(geometry))
            polygons = scaled["coordinates"] if scaled["type"] == "MultiPolygon" else [scaled["coordinates"]]
            for polygon in polygons:
                for ring in polygon:
                    for point in ring:
                        point[0] *= k
            contours[code] = (k, contour_moments(scaled))

    parts = defaultdict(set)  # current code -> codes of the communes merged into it
    former = defaultdict(dict)  # current code -> {former code: former name}
    for c in entries:
        if c["type"] in {"commune-deleguee", "commune-associee"} and c.get("chefLieu") in communes:
            parts[c["chefLieu"]].add(c["code"])
            former[c["chefLieu"]][c["code"]] = c["nom"]
    for code, c in communes.items():
        parts[code].add(code)
        for old in c.get("anciensCodes", []):
            parts[code].add(old)
            if old in old_names:
                former[code].setdefault(old, old_names[old])

    rows, missing = [], []
    for code in sorted(communes):
        found = [contours[p] for p in sorted(parts[code]) if p in contours]
        if code in RESTORED:
            found = [contours[RESTORED[code]]]
        if not found:
            missing.append(code)
            continue
        area = sum(m[0] for _, m in found)
        lon = sum(m[1] / k for k, m in found) / area
        lat = sum(m[2] for _, m in found) / area
        c = communes[code]
        rows.append(
            [
                code,
                c["nom"],
                c["departement"],
                " ".join(c.get("codesPostaux", [])),
                f"{lat:.5f}",
                f"{lon:.5f}",
                c.get("population") or 0,
            ]
        )
    if missing:
        sys.exit(f"Sans contour : {', '.join(missing)}")

    with open(out / "regions.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name"])
        for r in sorted(regions, key=lambda r: r["code"]):
            w.writerow([r["code"], r["nom"]])
    with open(out / "departments.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "region"])
        for d in sorted(departments, key=lambda d: d["code"]):
            w.writerow([d["code"], d["nom"], d["region"]])
    # mtime=0: the same inputs give the same bytes.
    with gzip.GzipFile(out / "communes.csv.gz", "wb", mtime=0) as raw, _text(raw) as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "department", "postal_codes", "latitude", "longitude", "population"])
        w.writerows(rows)
    with gzip.GzipFile(out / "former_communes.csv.gz", "wb", mtime=0) as raw, _text(raw) as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "commune"])
        for code in sorted(former):
            for old, name in sorted(former[code].items()):
                w.writerow([old, name, code])
    print(f"{len(rows)} communes, {sum(len(v) for v in former.values())} anciennes communes")


def _text(raw):
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


if __name__ == "__main__":
    main(*sys.argv[1:4])
