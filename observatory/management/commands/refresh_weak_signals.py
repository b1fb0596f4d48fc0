from django.core.management.base import BaseCommand

from observatory.services import weak_signals


class Command(BaseCommand):
    help = (
        "Recalcule les signaux faibles : ouvre ceux des situations nouvelles, clôt ceux dont la situation a "
        "cessé (une tâche périodique le fait chaque heure quand un worker tourne)."
    )

    def handle(self, *args, **options):
        result = weak_signals.refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Signaux faibles : {result.opened} ouvert(s), {result.closed} clos, {result.kept} inchangé(s)."
            )
        )
