"""The Cnam staff of the accelerator: who they are (the agents, where the team is told), their canned answers,
their presence on a request.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import required_text
from mentoring.permissions import ACCELERATOR_STAFF

from ..models import (
    AcceleratorPresence,
    AcceleratorRequest,
    CannedAnswer,
    Category,
)
from .recording import MAX_BODY, publish_presence


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


@transaction.atomic
def save_canned_answer(
    answer: CannedAnswer | None, actor, title: str, body: str, category: str = ""
) -> CannedAnswer:
    answer = answer or CannedAnswer()
    errors = {}
    for name, value, label, limit in (
        ("title", title, "Le titre", 200),
        ("body", body, "Le texte", MAX_BODY),
    ):
        try:
            setattr(answer, name, required_text(value, name, label, limit))
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if category and category not in Category.values:
        errors["category"] = ValidationError("Catégorie inconnue.", code=Code.INVALID)
    if errors:
        raise ValidationError(errors)
    answer.category = category or ""
    answer.updated_by = actor
    answer.save()
    return answer


def set_presence(request: AcceleratorRequest, user, activity: str | None) -> None:
    """Record (or, with no activity, end) a staff member's presence on a request, and tell the others."""
    if activity:
        AcceleratorPresence.objects.update_or_create(
            request=request, user=user, defaults={"activity": activity, "seen_at": timezone.now()}
        )
    else:
        AcceleratorPresence.objects.filter(request=request, user=user).delete()
    publish_presence(request, user, activity)
