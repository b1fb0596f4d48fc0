"""Replies: the thread's public replies and internal notes, and the ARS's replies, notes and hand-back."""

import graphene
from django.core.exceptions import ValidationError
from graphene_file_upload.scalars import Upload

from backend.core.graphql import Forbidden, enum_value, get_object
from backend.core.permissions import Permission
from mentoring.accelerator.permissions import acts_as_ars
from mentoring.graphql.common import MentoringMutation
from network.permissions import viewer_for

from .. import models, services
from ..permissions import reply_rights
from ..services import attachments
from . import types
from .enums import StateEnum
from .mutation_base import (
    AcceleratorRequestMutation,
)


class ReplyToAcceleratorRequest(MentoringMutation):
    """Reply: a public reply (the requester sees it and is e-mailed) or, for staff, an internal note (never
    shown to the requester by any channel). The requester may reply publicly on their own request; the
    coordinators of a hub it was routed to reply publicly (their reply marks it answered)."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF, Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        body = graphene.String(required=True, description="The text, in French.")
        internal = graphene.Boolean(default_value=False, description="An internal note (staff only).")
        next_state = StateEnum(description="Staff: the state to move to with this reply (e.g. ANSWERED).")
        files = graphene.List(
            graphene.NonNull(Upload),
            description="Documents attached to the message (GraphQL multipart request; same limits as "
            "`submitAcceleratorRequest`): readable by whoever reads the message, an internal note's by staff only.",
        )

    message = graphene.Field(types.AcceleratorMessage, description="The message.")
    request = graphene.Field(types.AcceleratorRequest, description="The request, after the change.")

    @classmethod
    def perform(cls, root, info, id, body, internal=False, next_state=None, files=None):
        request = get_object(
            id, models.AcceleratorRequest, "AcceleratorRequest", "id",
            types.AcceleratorRequest.get_queryset(models.AcceleratorRequest.objects.all(), info),
        )  # fmt: skip
        rights = reply_rights(viewer_for(info.context), request)
        if internal and not rights.staff:
            raise Forbidden("Seule l'équipe de la Cnam écrit des notes internes.")
        if not rights.may_reply:
            raise Forbidden("Vous ne pouvez pas répondre à cette demande.")
        checked = attachments.check(files)

        def change(stored):
            message = services.reply(
                request, info.context.user, body, internal=internal, rights=rights,
                next_state=enum_value(next_state),
            )  # fmt: skip
            attachments.store(request, message, checked, info.context.user, stored)
            return message

        message = attachments.with_files(change)
        request = types.AcceleratorRequest.get_queryset(
            models.AcceleratorRequest.objects.filter(pk=request.pk), info
        ).get()
        message.request = request
        return cls(message=message, request=request, errors=[])


def _with_the_ars(info, request_id):
    """A request the caller acts on as its region's ARS: NOT_FOUND for anyone else (administrators act
    for any ARS)."""
    request = get_object(
        request_id, models.AcceleratorRequest, "AcceleratorRequest", "id",
        types.AcceleratorRequest.get_queryset(models.AcceleratorRequest.objects.all(), info),
    )  # fmt: skip
    if not acts_as_ars(viewer_for(info.context), request):
        raise ValidationError({"id": ValidationError("Objet introuvable.", code="NOT_FOUND")})
    return request


class ReplyToAcceleratorRequestAsArs(MentoringMutation):
    """The ARS of the request's region replies to the requester (who is e-mailed) while the question is
    with it, or adds a note that the ARS and the Cnam read and the requester never does."""

    class Meta:
        permissions = [Permission.ARS_AGENT]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of a request routed to the caller's ARS.")
        body = graphene.String(required=True, description="The text, in French.")
        note = graphene.Boolean(
            default_value=False, description="A note for the ARS and the Cnam, not sent to the requester."
        )

    message = graphene.Field(types.AcceleratorMessage, description="The message.")
    request = graphene.Field(types.AcceleratorRequest, description="The request, after the change.")

    @classmethod
    def perform(cls, root, info, id, body, note=False):
        request = _with_the_ars(info, id)
        message = services.reply_as_ars(request, info.context.user, body, note=note)
        message.request = request
        return cls(message=message, request=request, errors=[])


class HandAcceleratorRequestBackToCnam(AcceleratorRequestMutation):
    """The ARS gives a question routed to it back to the Cnam, with a note for the Cnam (the requester does
    not see it): the request is in progress again and leaves the ARS inbox."""

    class Meta:
        permissions = [Permission.ARS_AGENT]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of a request routed to the caller's ARS.")
        note = graphene.String(required=True, description="Why, for the Cnam, in French.")

    @classmethod
    def perform(cls, root, info, id, note):
        request = _with_the_ars(info, id)
        return cls(request=services.hand_back_to_cnam(request, info.context.user, note), errors=[])
