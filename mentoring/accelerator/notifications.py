"""The accelerator's e-mails: to the requester (a reply of the Cnam or of the ARS, a question routed or merged),
and to the Cnam's team (a service level at risk or breached, an escalation).

Each is a pair of templates in `mentoring/accelerator/templates/email/accelerator/` (backend/mail/rendering.py),
queued in the outbox within the transaction of the change.
"""

from django.utils import timezone

from backend.mail.services import queue_templated_email
from network.services.business_hours import ZONE as PARIS


def _to_requester(request, template: str, kind: str, **context) -> None:
    context = {"number": request.pk, "question": request.subject, **context}
    queue_templated_email(request.requester.mailing_address, f"accelerator/{template}", context, kind=kind)


def replied(request, body: str) -> None:
    _to_requester(request, "reply", "accelerator.reply", body=body)


def ars_replied(request, body: str) -> None:
    _to_requester(request, "ars_reply", "accelerator.ars_reply", body=body)


def routed_to_ars(request, message) -> None:
    _to_requester(request, "routed_to_ars", "accelerator.routed_to_ars", message=message.body)


def merged(request, message) -> None:
    _to_requester(request, "merged", "accelerator.merged", message=message.body)


def service_level_alert(request, clocks, addresses) -> None:
    """To the assignee, or the whole team when nobody has the request: where its clocks stand."""
    late = request.sla_status == "BREACHED"
    lines = []
    for label, clock in (("Première réponse", clocks[0]), ("Résolution", clocks[1])):
        if clock.done:
            continue
        hours = abs(clock.left_seconds) / 3600
        standing = f"dépassée de {hours:.1f} h ouvrées" if clock.breached else f"reste {hours:.1f} h ouvrées"
        due = (
            f", attendue le {timezone.localtime(clock.due_at, PARIS):%d/%m/%Y à %H:%M}"
            if clock.due_at
            else ""
        )
        lines.append(f"{label} : {standing}{due}")
    context = {
        "number": request.pk,
        "question": request.subject,
        "priority": request.get_priority_display(),
        "late": late,
        "clocks": lines,
        "assigned": request.assignee_id is not None,
    }
    kind = "accelerator.sla_breached" if late else "accelerator.sla_at_risk"
    for address in addresses:
        queue_templated_email(address, "accelerator/service_level_alert", context, kind=kind)


def escalated(request, reassigned_to, addresses) -> None:
    context = {
        "number": request.pk,
        "question": request.subject,
        "priority": request.get_priority_display(),
        "category": request.get_category_display(),
        "reassigned_to": (reassigned_to.get_full_name() or reassigned_to.email) if reassigned_to else "",
    }
    for address in addresses:
        queue_templated_email(address, "accelerator/escalated", context, kind="accelerator.escalated")
