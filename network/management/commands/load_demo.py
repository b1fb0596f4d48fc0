from django.core.management import call_command
from django.core.management.base import BaseCommand

from mentoring.accelerator.demo import load_accelerator_demo
from mentoring.demo import load_mentoring_demo
from network.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Charge (ou met à jour) les données de démonstration ; sans effet de bord si elles sont déjà là."

    def handle(self, *args, **options):
        call_command("load_territories", if_empty=True, stdout=self.stdout)
        logins = load_demo()
        load_mentoring_demo()
        load_accelerator_demo()
        self.stdout.write(
            self.style.SUCCESS("Données de démonstration prêtes. Comptes (mot de passe commun) :")
        )
        for email, role in logins:
            self.stdout.write(f"  {email:<48} {role}")
        self.stdout.write(f"  mot de passe : {DEMO_PASSWORD}")
