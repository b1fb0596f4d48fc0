"""The Cnam staff of the accelerator: who they are (the agents, where the team is told), their presence on a
request. Their canned answers and macros are in `macros.py`."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentoring.accelerator.permissions import ACCELERATOR_STAFF
from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import domain_error as _error
from mentoring.errors import required_text

from ..models import (
    AcceleratorPresence,
    AcceleratorRequest,
    AcceleratorSavedView,
)
from .recording import publish_presence


def staff_users(administrators: bool = True):
    """Who may handle requests: active users holding the accelerator's permission, through the Cnam group or
    their own, and (unless `administrators` is false) the administrators, who hold every permission."""
    app_label, codename = ACCELERATOR_STAFF.split(".")
    holds = Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
    ) | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    if administrators:
        holds |= Q(is_superuser=True)
    agents = get_user_model().objects.filter(holds, is_active=True).values("pk")
    return get_user_model().objects.filter(pk__in=agents).order_by("email")


def staff_addresses() -> list[str]:
    """Where the Cnam team is told what concerns no one in particular: ACCELERATOR_TEAM_EMAIL (a shared
    mailbox) when set, else every active accelerator agent."""
    if settings.ACCELERATOR_TEAM_EMAIL:
        return [settings.ACCELERATOR_TEAM_EMAIL]
    return list(staff_users(administrators=False).values_list("email", flat=True))


def set_presence(request: AcceleratorRequest, user, activity: str | None) -> None:
    """Record (or, with no activity, end) a staff member's presence on a request, and tell the others."""
    if activity:
        AcceleratorPresence.objects.update_or_create(
            request=request, user=user, defaults={"activity": activity, "seen_at": timezone.now()}
        )
    else:
        AcceleratorPresence.objects.filter(request=request, user=user).delete()
    publish_presence(request, user, activity)


MAX_SAVED_VIEWS = 30  # per agent


@transaction.atomic
def save_view(user, name: str, filter_data: dict, order: str) -> AcceleratorSavedView:
    """Save the agent's queue filter under `name`, replacing the one of that name (whatever its case). The
    agent's row is locked first: two saves at once neither collide on the name nor pass the cap together."""
    name = required_text(name, "name", "Le nom de la vue", 60)
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    view = AcceleratorSavedView.objects.filter(user=user, name__iexact=name).first()
    if view is None:
        if AcceleratorSavedView.objects.filter(user=user).count() >= MAX_SAVED_VIEWS:
            raise _error(
                Code.INVALID,
                f"Au plus {MAX_SAVED_VIEWS} vues enregistrées : supprimez-en une d'abord.",
                "name",
            )
        view = AcceleratorSavedView(user=user)
    view.name, view.filter, view.order = name, filter_data, order
    view.save()
    return view


def delete_view(user, view: AcceleratorSavedView) -> None:
    """Delete one of the agent's own views (another agent's is not theirs to delete)."""
    if view.user_id != user.pk:
        raise _error(Code.NOT_FOUND, "Objet introuvable.", "id")  # as for one that does not exist
    view.delete()
