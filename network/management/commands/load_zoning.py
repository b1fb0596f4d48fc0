"""Load the ARS zoning of medical deserts (ZIP / ZAC) from a CSV file.

Format (UTF-8, a header line, `;` or `,` as separator):

    code_insee;zone
    51272;ZIP
    51507;ZAC
    51108;

`code_insee`: the commune's INSEE code; `zone`: `ZIP` (zone d'intervention prioritaire), `ZAC` (zone d'action
complémentaire), or empty / `HORS` (outside the zoning). With `--region CODE`, every commune of that region
not in the file is set outside the zoning first, so a region's official file replaces its previous zoning;
codes of other regions are then refused. The whole file is checked before anything is written: one bad
line, and nothing changes.
"""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from network.models import Commune, Zoning

ZONES = {"ZIP": Zoning.ZIP, "ZAC": Zoning.ZAC, "": Zoning.NONE, "HORS": Zoning.NONE}


class Command(BaseCommand):
    help = "Charge le zonage ARS (ZIP / ZAC) des communes depuis un fichier CSV (code_insee;zone)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier CSV : code_insee;zone (ZIP, ZAC ou vide).")
        parser.add_argument("--region", help="Code INSEE de la région dont le fichier remplace le zonage.")

    def handle(self, *args, file, region=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        text = path.read_text(encoding="utf-8-sig")
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ";", delimiters=";,")
        rows = list(csv.DictReader(text.splitlines(), dialect=dialect))
        if not rows or not {"code_insee", "zone"} <= set(rows[0]):
            raise CommandError("En-tête attendu : code_insee;zone")
        known = Commune.objects.all()
        if region:
            known = known.filter(department__region_id=region)
        known_codes = set(known.values_list("code", flat=True))
        zoning, problems = {}, []
        for number, row in enumerate(rows, start=2):
            code, zone = (row.get("code_insee") or "").strip(), (row.get("zone") or "").strip().upper()
            if zone not in ZONES:
                problems.append(f"ligne {number} : zone « {zone} » inconnue (ZIP, ZAC ou vide)")
            elif code not in known_codes:
                where = f" dans la région {region}" if region else ""
                problems.append(f"ligne {number} : commune « {code} » inconnue{where}")
            else:
                zoning[code] = ZONES[zone]
        if problems:
            raise CommandError("Rien n'a été chargé :\n" + "\n".join(problems[:50]))
        with transaction.atomic():
            if region:
                known.exclude(code__in=zoning).update(zoning=Zoning.NONE)
            for zone in (Zoning.ZIP, Zoning.ZAC, Zoning.NONE):
                Commune.objects.filter(code__in=[c for c, z in zoning.items() if z == zone]).update(
                    zoning=zone
                )
        counts = {zone: sum(1 for z in zoning.values() if z == zone) for zone in (Zoning.ZIP, Zoning.ZAC)}
        self.stdout.write(
            self.style.SUCCESS(
                f"Zonage chargé : {counts[Zoning.ZIP]} communes en ZIP, {counts[Zoning.ZAC]} en ZAC "
                f"({len(zoning)} lignes)."
            )
        )
