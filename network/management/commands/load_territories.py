"""Load regions, departments and communes from the CSV files the project ships (or others of the same shape)."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from network.models import Commune, Department, Region, normalize_search

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def read_csv(path: Path) -> list[dict]:
    if not path.exists():
        raise CommandError(f"Fichier introuvable : {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_territories(
    data_dir: Path = DATA_DIR, communes_file: Path | None = None, only: set[str] | None = None
) -> int:
    """Upsert the territories (only the communes whose codes are in `only`, if given); return the
    number of communes loaded. Re-running updates in place."""
    regions = read_csv(data_dir / "regions.csv")
    departments = read_csv(data_dir / "departments.csv")
    communes = read_csv(communes_file or data_dir / "communes.csv")
    if only is not None:
        communes = [row for row in communes if row["code"] in only]
    with transaction.atomic():
        Region.objects.bulk_create(
            [Region(code=r["code"], name=r["name"]) for r in regions],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name"],
        )
        Department.objects.bulk_create(
            [Department(code=d["code"], name=d["name"], region_id=d["region"]) for d in departments],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "region"],
        )
        known_departments = {d["code"] for d in departments}
        objects = []
        for row in communes:
            if row["department"] not in known_departments:
                raise CommandError(f"Commune {row['code']} : département {row['department']} inconnu.")
            objects.append(
                Commune(
                    code=row["code"],
                    name=row["name"],
                    search_name=normalize_search(row["name"]),
                    department_id=row["department"],
                    postal_codes=row["postal_codes"].split(),
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                    population=int(row["population"] or 0),
                    zoning=row.get("zoning", "") or "",
                )
            )
        update = ["name", "search_name", "department", "postal_codes", "latitude", "longitude", "population"]
        if communes and "zoning" in communes[0]:
            update.append("zoning")  # keep zoning set elsewhere unless the file carries it
        Commune.objects.bulk_create(
            objects, batch_size=2000, update_conflicts=True, unique_fields=["code"], update_fields=update
        )
    return len(communes)


class Command(BaseCommand):
    help = (
        "Charge les régions, départements et communes (code INSEE, coordonnées, population) depuis des CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=DATA_DIR, help="Dossier de regions.csv et departments.csv."
        )
        parser.add_argument("--communes", type=Path, help="Autre fichier de communes, même format.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Ne rien faire si des communes sont déjà chargées."
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Commune.objects.exists():
            self.stdout.write("Territoires déjà chargés.")
            return
        count = load_territories(options["dir"], options["communes"])
        self.stdout.write(self.style.SUCCESS(f"{count} communes chargées."))
