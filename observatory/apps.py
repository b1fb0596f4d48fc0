from django.apps import AppConfig
from django.db.models.signals import post_migrate

# What Cnam staff read in the admin back office, beside their API rights (backend.core.permissions.CNAM_STAFF).
CNAM_STAFF_BACK_OFFICE = ["view_weaksignal", "view_weaksignalnote", "view_snapshot"]


def grant_cnam_staff(sender, using="default", **kwargs):
    # after migrations: models and permissions cannot be imported while apps load (this function bears its name)
    from backend.core.permissions import grant_cnam_staff

    grant_cnam_staff("observatory", CNAM_STAFF_BACK_OFFICE, using)


class ObservatoryConfig(AppConfig):
    name = "observatory"
    verbose_name = "Observatoire"

    def ready(self):
        post_migrate.connect(grant_cnam_staff, sender=self)
