from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_reference_data(sender, using="default", **kwargs):
    """Professions (TRE_G15) and the Cnam staff group: reference data every database needs."""
    # after migrations: models and permissions cannot be imported while apps load
    from backend.core.permissions import grant_cnam_staff

    from .permissions import CNAM_STAFF_BACK_OFFICE
    from .professions import load_professions

    load_professions()
    grant_cnam_staff("network", CNAM_STAFF_BACK_OFFICE, using)


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Réseau des MSP"

    def ready(self):
        post_migrate.connect(ensure_reference_data, sender=self)
