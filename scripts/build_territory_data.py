"""Build network/data/*.csv from two public datasets (run once, by hand).

Inputs (paths given on the command line):
- the Etalab "découpage administratif" data folder (npm package
  @etalab/decoupage-administratif, MIT; INSEE's Code officiel géographique):
  regions.json, departements.json, communes.json;
- GeoNames' cities500.txt (CC BY 4.0), which carries the INSEE code of French
  communes in its admin4 column and their coordinates.

Only communes present in both are kept: every commune in the output has real
coordinates. The output is what `manage.py load_territories` reads.
"""

import csv
import json
import sys
from pathlib import Path


def main(cog_dir: str, cities500: str, out_dir: str) -> None:
    cog, out = Path(cog_dir), Path(out_dir)
    # The 18 regions and 101 departments; overseas collectivities are out of scope.
    regions = [r for r in json.loads((cog / "regions.json").read_text()) if len(r["code"]) == 2]
    region_codes = {r["code"] for r in regions}
    departments = [
        d for d in json.loads((cog / "departements.json").read_text()) if d["region"] in region_codes
    ]
    communes = {
        c["code"]: c
        for c in json.loads((cog / "communes.json").read_text())
        if c["type"] == "commune-actuelle"
    }
    coords = {}
    with open(cities500, encoding="utf-8") as fh:
        for line in fh:
            row = line.rstrip("\n").split("\t")
            code = row[13]
            if row[8] in {"FR", "RE", "GP", "MQ", "GF", "YT"} and code in communes:
                coords.setdefault(code, (row[4], row[5]))

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
    with open(out / "communes.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "department", "postal_codes", "latitude", "longitude", "population"])
        for code in sorted(coords):
            c = communes[code]
            lat, lon = coords[code]
            w.writerow(
                [
                    code,
                    c["nom"],
                    c["departement"],
                    " ".join(c.get("codesPostaux", [])),
                    lat,
                    lon,
                    c.get("population") or 0,
                ]
            )


if __name__ == "__main__":
    main(*sys.argv[1:4])
