"""The ARS's side of a question routed to it: its agents (of the request's region) reply to the requester,
write notes the Cnam reads and the requester never does, and hand the question back to the Cnam.

Who is an agent of which region is the caller's check (mentoring.permissions); these rules hold whoever
calls them: a reply or a hand-back only while the question is with the ARS.
"""

from django.db import transaction
from django.utils import timezone

from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import domain_error as _error
from mentoring.errors import required_text

from .. import notifications
from ..events import EventKind
from ..models import AcceleratorMessage, AcceleratorRequest, State, Visibility
from .recording import MAX_BODY, announce, lock
from .requests import move, post
from .service_levels import save_with_clocks

NOT_WITH_THE_ARS = "Cette demande n'est plus entre les mains de l'ARS : seule la Cnam peut y répondre."


@transaction.atomic
def reply_as_ars(request: AcceleratorRequest, agent, body: str, *, note: bool) -> AcceleratorMessage:
    """A reply to the requester (e-mailed) or, with `note`, a note for the ARS and the Cnam only.

    A reply needs the question to be with the ARS; a note may be added as long as the agent sees it.
    """
    body = required_text(body, "body", "Le message", MAX_BODY)
    request = lock(request)
    if request.ars_region_id is None:
        raise _error(Code.INVALID_TRANSITION, "Cette demande n'a pas été orientée vers l'ARS.")
    if not note and request.state != State.ROUTED_TO_ARS:
        raise _error(Code.INVALID_TRANSITION, NOT_WITH_THE_ARS)
    message = post(request, agent, body, Visibility.ARS_NOTE if note else Visibility.PUBLIC)
    if not note:
        notifications.ars_replied(request, body)
    announce(request, EventKind.MESSAGE, message)
    return message


@transaction.atomic
def hand_back_to_cnam(request: AcceleratorRequest, agent, note: str) -> AcceleratorRequest:
    """The ARS gives the question back to the Cnam, with a note for it: the request is in progress again
    (its resolution clock runs again, as for any reopened request) and stays readable by the ARS."""
    note = required_text(note, "note", "La note pour la Cnam", MAX_BODY)
    request = lock(request)
    if request.state != State.ROUTED_TO_ARS:
        raise _error(Code.INVALID_TRANSITION, "Cette demande n'est pas dans la boîte de l'ARS.")
    now = timezone.now()
    message = post(request, agent, note, Visibility.ARS_NOTE)
    move(request, State.IN_PROGRESS, agent, "Rendue à la Cnam par l'ARS", now)
    save_with_clocks(request, now)
    announce(request, EventKind.STATE, message)
    return request
