"""`python manage.py backup [--to DIR]`: the database and the attachments, with a manifest (backend/assembly/backup.py)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand

from backend.assembly.backup import backup


class Command(BaseCommand):
    help = "Sauvegarde la base (pg_dump) et les pièces jointes dans un nouveau dossier de DIR."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, default=Path(os.environ.get("BACKUP_DIR", ".backups")))

    def handle(self, *args, **options):
        folder = backup(options["to"])
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde : {folder}"))
