from django.apps import AppConfig
from django.db.models.signals import post_migrate

# What Cnam staff read (and, for canned answers, write) in the admin back office, beside their API rights
# (backend.core.permissions.CNAM_STAFF).
CNAM_STAFF_BACK_OFFICE = [
    "view_supportoffer",
    "view_slot",
    "view_booking",
    "view_mentoringrequest",
    "view_mentorship",
    "view_coordinationsession",
    "view_acceleratorrequest",
    "view_acceleratormessage",  # the thread and the audit trail, shown inline on a request
    "view_acceleratorchange",
    "view_cannedanswer",
    "add_cannedanswer",
    "change_cannedanswer",
    "view_serviceleveltarget",
]

# Default service-level targets per priority, in business hours (first response, resolution). They are
# data: created when missing, then edited in the admin.
DEFAULT_TARGETS = {"P1": (4, 16), "P2": (8, 40), "P3": (16, 80), "P4": (24, 120)}


def ensure_reference_data(sender, using="default", **kwargs):
    """Cnam staff's rights on mentoring and the accelerator; the default service-level targets."""
    # after migrations: models and permissions cannot be imported while apps load
    from backend.core.permissions import grant_cnam_staff

    from .accelerator.models import ServiceLevelTarget

    grant_cnam_staff("mentoring", CNAM_STAFF_BACK_OFFICE, using)
    for priority, (first, resolution) in DEFAULT_TARGETS.items():
        ServiceLevelTarget.objects.using(using).get_or_create(
            priority=priority, defaults={"first_response_hours": first, "resolution_hours": resolution}
        )


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Accompagnement et accélérateur"

    def ready(self):
        post_migrate.connect(ensure_reference_data, sender=self)
