from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from network.scale import generate


class Command(BaseCommand):
    help = "Génère des données à l'échelle (par défaut 4 000 MSP et 40 000 professionnels) pour les mesures."

    def add_arguments(self, parser):
        parser.add_argument("--msps", type=int, default=4000)
        parser.add_argument("--practitioners", type=int, default=40_000)
        parser.add_argument(
            "--hub-share", type=float, default=0.12, help="Part des MSP en fonctionnement têtes de pont."
        )
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args, **options):
        call_command("load_territories", if_empty=True, stdout=self.stdout)
        report = generate(options["msps"], options["practitioners"], options["hub_share"], options["seed"])
        with connection.cursor() as cursor:
            # The planner's statistics as autovacuum would leave them: measures right after a bulk load
            # otherwise run with estimates of empty tables (a 40,000-row table taken for 4,000).
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.msps} MSP, {report.practitioners} professionnels, {report.memberships} adhésions, "
                f"{report.hubs} têtes de pont créés."
            )
        )
