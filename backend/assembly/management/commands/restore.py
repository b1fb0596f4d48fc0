"""`python manage.py restore FOLDER`: a backup into an empty database and MEDIA_ROOT (backend/assembly/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from backend.assembly.backup import restore


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde (dossier de `backup`) dans une base vide et le dossier des pièces jointes."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, **options):
        manifest = restore(options["folder"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Restaurée : la base du {manifest['taken_at']}, {manifest['attachments']} pièce(s) jointe(s)."
            )
        )
