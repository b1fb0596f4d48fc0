"""The Cnam staff's canned answers, and macros: a canned answer applied to a request in one step (the reply,
its tags, its state, its assignee)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import required_text

from ..models import CannedAnswer, Category, Level, State
from ..permissions import ACCELERATOR_STAFF, STAFF_REPLY
from .recording import MAX_BODY, lock
from .requests import assign, reply, set_state, triage
from .tags import set_tags


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


@transaction.atomic
def apply_macro(request, actor, answer: CannedAnswer, *, internal: bool = False):
    """A canned answer as a macro, in one action: its reply (public, or an internal note), then its tags
    (added), its impact (priority follows), its assignee and its state. All or nothing."""
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
