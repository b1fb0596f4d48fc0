from django.apps import AppConfig
from django.db.models.signals import post_migrate

# What Cnam staff read in the admin back office.
CNAM_STAFF_VIEWS = [
    "view_supportoffer",
    "view_slot",
    "view_booking",
    "view_mentoringrequest",
    "view_mentorship",
    "view_coordinationsession",
]


def grant_cnam_views(sender, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    from network.permissions import CNAM_STAFF_GROUP

    group, _ = Group.objects.using(using).get_or_create(name=CNAM_STAFF_GROUP)
    group.permissions.add(
        *Permission.objects.using(using).filter(
            content_type__app_label="mentoring", codename__in=CNAM_STAFF_VIEWS
        )
    )


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Accompagnement et accélérateur"

    def ready(self):
        post_migrate.connect(grant_cnam_views, sender=self)
