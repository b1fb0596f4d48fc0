from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_reference_data(sender, using="default", **kwargs):
    """Professions (TRE_G15) and the Cnam staff group: reference data every database needs."""
    from django.contrib.auth.models import Group, Permission

    from .permissions import CNAM_STAFF_GROUP, CNAM_STAFF_PERMISSIONS
    from .professions import load_professions

    load_professions()
    group, _ = Group.objects.using(using).get_or_create(name=CNAM_STAFF_GROUP)
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="network", codename__in=CNAM_STAFF_PERMISSIONS
    )
    group.permissions.add(*permissions)


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Réseau des MSP"

    def ready(self):
        post_migrate.connect(ensure_reference_data, sender=self)
