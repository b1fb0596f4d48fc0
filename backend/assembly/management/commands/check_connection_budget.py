"""`python manage.py check_connection_budget`: exit 0 when the stated budget fits under PostgreSQL's
`max_connections` with the margin (backend/core/connection_budget.py), 1 with the French reason otherwise. The
image's worker runs it before starting; the app's launcher checks it itself."""

import sys

from django.core.management.base import BaseCommand

from backend.core.connection_budget import check_at_start


class Command(BaseCommand):
    help = "Vérifie que les connexions prévues (répliques × processus × pool + workers) tiennent dans max_connections."

    def handle(self, *args, **options):
        refusal = check_at_start()
        if refusal:
            self.stderr.write(refusal)
            sys.exit(1)
        self.stdout.write("Budget de connexions à PostgreSQL respecté.")
