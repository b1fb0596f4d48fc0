from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from backend.mail.models import EmailStatus, OutgoingEmail
from mentoring.accelerator.demo import load_accelerator_demo
from mentoring.demo import load_mentoring_demo
from network.demo import DEMO_PASSWORD, describe_account, load_demo


class Command(BaseCommand):
    help = "Charge (ou met à jour) les données de démonstration ; sans effet de bord si elles sont déjà là."

    def handle(self, *args, **options):
        call_command("load_territories", if_empty=True, stdout=self.stdout)
        before = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        logins = load_demo()
        load_mentoring_demo()
        load_accelerator_demo()
        # The demo's situations at risk, for the ARS and the Cnam (the observatory's command).
        call_command("refresh_weak_signals", stdout=self.stdout)
        # The demo's story sends e-mails (bookings, requests…) to fictitious addresses: they are kept in the
        # admin's outbox, not sent.
        kept = OutgoingEmail.objects.filter(pk__gt=before, status=EmailStatus.QUEUED).update(
            status=EmailStatus.DROPPED
        )
        if kept:
            self.stdout.write(f"{kept} e-mail(s) de la démonstration gardés sans envoi (admin : E-mails).")
        self.stdout.write(
            self.style.SUCCESS(f"Données de démonstration prêtes. Comptes (mot de passe : {DEMO_PASSWORD}) :")
        )
        users = {
            u.email: u for u in get_user_model().objects.filter(email__in=[email for email, _ in logins])
        }
        width = max(len(email) for email, _ in logins)
        self.stdout.write(f"  {'e-mail':<{width}}  admin  rôle")
        for email, _ in dict.fromkeys(logins):
            user = users[email]
            admin = "oui" if user.is_staff and user.is_active else "non"
            self.stdout.write(f"  {email:<{width}}  {admin:<5}  {describe_account(user)}")
