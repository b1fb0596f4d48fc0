from django.core.management.base import BaseCommand

from observatory.services.snapshots import take_snapshots


class Command(BaseCommand):
    help = (
        "Enregistre les chiffres du mois de l'observatoire pour la France, chaque région et chaque département "
        "(le mois déjà enregistré est remplacé ; une tâche périodique le fait quand un worker tourne)."
    )

    def handle(self, *args, **options):
        count = take_snapshots()
        self.stdout.write(self.style.SUCCESS(f"{count} territoires enregistrés pour le mois."))
