"""The accelerator's live topics (backend/realtime/live.py). Who receives an event is part of the declaration:
the queue is Cnam staff's; on a request, internal notes and staff presence are theirs too; a region's ARS
inbox is its agents' and staff's, the ARS's notes included, the Cnam's internal notes not."""

from django.db import models

from backend.core.viewer import viewer_for
from backend.realtime.live import Topic

from .permissions import is_accelerator_staff


class EventKind(models.TextChoices):
    """What happened to a request, in each event of its topics (the `kind` of the payload)."""

    SUBMITTED = "SUBMITTED", "Nouvelle demande"
    TRIAGED = "TRIAGED", "Catégorie, impact ou priorité fixés"
    ASSIGNED = "ASSIGNED", "Attribuée"
    MESSAGE = "MESSAGE", "Réponse ou note interne"
    STATE = "STATE", "Changement d'état"
    ROUTED = "ROUTED", "Orientée vers une MSP tête de pont ou l'ARS"
    MERGED = "MERGED", "Fusionnée (ou a reçu un doublon)"
    AT_RISK = "AT_RISK", "Délai à risque"
    BREACHED = "BREACHED", "Délai dépassé"
    ON_TRACK = "ON_TRACK", "De nouveau dans les délais"
    PRESENCE = "PRESENCE", "Un agent consulte ou répond"
    TAGS = "TAGS", "Étiquettes modifiées"


def _staff(info) -> bool:
    return is_accelerator_staff(viewer_for(info.context))


def staff_only(payload, info) -> bool:
    return _staff(info)


def _ars_agent(info) -> bool:
    return viewer_for(info.context).ars_region_code is not None


def public_or_staff(payload, info) -> bool:
    """Public replies and changes to whoever may see the request; internal notes and presence to staff; the
    ARS's notes to staff and ARS agents (the region is checked on the request, with the message)."""
    if payload.get("kind") == EventKind.PRESENCE:
        return _staff(info)
    if payload.get("internal"):
        return _staff(info) or (bool(payload.get("ars")) and _ars_agent(info))
    return True


REQUEST = Topic(
    "accelerator-request",
    key="the accelerator request's primary key",
    description="A change to the request: state, triage, assignee, a message, routing, presence.",
    payload=("request", "kind", "message", "internal", "ars", "user", "activity"),
    audience=public_or_staff,
)
QUEUE = Topic(
    "accelerator-queue",
    key='"staff" (one queue)',
    description="A change anywhere in the queue.",
    payload=("request", "kind", "message", "internal", "ars"),
    audience=staff_only,
)
ARS_INBOX = Topic(
    "accelerator-ars-inbox",
    key="the INSEE code of the region whose ARS the request was routed to",
    description="A change to a request routed to the region's ARS: routing, replies, notes, state.",
    payload=("request", "kind", "message", "internal", "ars"),
    audience=public_or_staff,  # subscribing is for the region's agents and staff (the subscription's check)
)
