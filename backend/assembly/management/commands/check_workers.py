"""`python manage.py check_workers`: exit 0 when a job worker has beaten its heart in the last minute (the
compose stack's worker healthcheck), 1 with a French line otherwise."""

import sys

from django.core.management.base import BaseCommand
from django.db import connection

FRESH_SECONDS = 60


class Command(BaseCommand):
    help = "Vérifie qu'un worker de la file de tâches est vivant (battement de cœur de moins d'une minute)."

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - %s * interval '1 second'",
                [FRESH_SECONDS],
            )
            (alive,) = cursor.fetchone()
        if not alive:
            self.stderr.write(f"Aucun worker n'a donné signe de vie depuis {FRESH_SECONDS} s.")
            sys.exit(1)
        self.stdout.write(f"{alive} worker(s) en vie.")
