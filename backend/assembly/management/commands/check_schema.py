"""Fail when the checked-in schema.graphql differs from the live schema."""

import difflib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backend.assembly.schema_file import SCHEMA_FILE, printed_schema


class Command(BaseCommand):
    help = "Vérifie que schema.graphql correspond au schéma GraphQL actuel (make schema pour le régénérer)."

    def handle(self, *args, **options):
        live = printed_schema()
        checked_in = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if live != checked_in:
            diff = "".join(
                difflib.unified_diff(
                    checked_in.splitlines(True), live.splitlines(True), "schema.graphql", "live schema", n=1
                )
            )
            raise CommandError(f"schema.graphql is out of date; run `make schema`.\n{diff[:5000]}")
        self.stdout.write(f"{Path(SCHEMA_FILE).relative_to(settings.BASE_DIR)} is up to date.")
