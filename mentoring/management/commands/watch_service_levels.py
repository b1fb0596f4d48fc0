import time

from django.core.management.base import BaseCommand

from mentoring.accelerator.services import check_service_levels


class Command(BaseCommand):
    help = (
        "Met à jour les délais (à risque, dépassé) des demandes de l'accélérateur et prévient la file en direct. "
        "Sans --once, recommence toutes les --every secondes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Un seul passage.")
        parser.add_argument("--every", type=int, default=60, help="Secondes entre deux passages (défaut 60).")

    def handle(self, *args, once=False, every=60, **options):
        while True:
            changed = check_service_levels()
            self.stdout.write(f"{changed} demande(s) changent de statut de délai.")
            if once:
                return
            time.sleep(max(every, 5))
