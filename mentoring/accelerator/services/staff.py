"""The Cnam staff of the accelerator: who they are (the agents, where the team is told), their canned answers,
their presence on a request.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentoring.accelerator.permissions import ACCELERATOR_STAFF
from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import required_text

from ..models import (
    AcceleratorPresence,
    AcceleratorRequest,
    CannedAnswer,
    Category,
)
from ..permissions import STAFF_REPLY
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
    answer: CannedAnswer | None,
    actor,
    title: str,
    body: str,
    category: str = "",
    *,
    macro: dict | None = None,
) -> CannedAnswer:
    """Save a canned answer; `macro` (sets_state, sets_impact, tags, assigns_to, assigns_to_self) makes it a
    macro that also changes the request when applied."""
    from ..models import Level, State

    answer = answer or CannedAnswer()
    macro = macro or {}
    errors = {}
    if macro.get("sets_state") and macro["sets_state"] not in State.values:
        errors["sets_state"] = ValidationError("État inconnu.", code=Code.INVALID)
    if macro.get("sets_impact") and macro["sets_impact"] not in Level.values:
        errors["sets_impact"] = ValidationError("Impact inconnu.", code=Code.INVALID)
    assignee = macro.get("assigns_to")
    if assignee is not None and not assignee.has_perm(ACCELERATOR_STAFF):
        errors["assigns_to_id"] = ValidationError(
            "Seul un agent de l'accélérateur peut recevoir une demande.", code=Code.INVALID
        )
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
    answer.sets_state = macro.get("sets_state") or ""
    answer.sets_impact = macro.get("sets_impact") or ""
    answer.assigns_to = assignee
    answer.assigns_to_self = bool(macro.get("assigns_to_self"))
    answer.save()
    answer.sets_tags.set(macro.get("tags") or [])
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


@transaction.atomic
def apply_macro(request, actor, answer: CannedAnswer, *, internal: bool = False):
    """A canned answer as a macro, in one action: its reply (public, or an internal note), then its tags
    (added), its impact (priority follows), its assignee and its state. All or nothing."""
    from .recording import lock
    from .requests import assign, reply, set_state, triage
    from .tags import set_tags

    request = lock(request)
    next_state = answer.sets_state or None
    reply(request, actor, answer.body, internal=internal, rights=STAFF_REPLY)
    tags = list(answer.sets_tags.all())
    if tags:
        set_tags(request, actor, [*request.tags.all(), *tags])
    if answer.sets_impact:
        triage(request, actor, impact=answer.sets_impact, reason=f"Macro « {answer.title} »")
    assignee = actor if answer.assigns_to_self else answer.assigns_to
    if assignee is not None:
        assign(request, actor, assignee)
    if next_state and next_state != lock(request).state:
        set_state(request, actor, next_state, f"Macro « {answer.title} »")
    return lock(request)
