"""Mutations of the accelerator: each declares who may call it, checks the request it names, calls a service."""

import graphene
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from graphene_file_upload.scalars import Upload

from backend.core.graphql import Forbidden, decode_global_id, enum_value, get_object
from backend.core.permissions import Permission
from mentoring.graphql.common import MentoringMutation, practitioner_of
from network.models import HubDesignation
from network.permissions import viewer_for

from .. import models, services
from ..models import Level
from ..permissions import reply_rights
from ..services import attachments
from . import types
from .enums import ActivityEnum, CategoryEnum, LevelEnum, StateEnum
from .inputs import QuestionInput


def _request(request_id):
    """The request an agent names (after the gate: agents see every request)."""
    return get_object(request_id, models.AcceleratorRequest, "AcceleratorRequest", "id")


class AcceleratorRequestMutation(MentoringMutation):
    """The base of the mutations that change an accelerator request: they return it."""

    class Meta:
        abstract = True

    request = graphene.Field(types.AcceleratorRequest, description="The request, after the change.")


class SubmitAcceleratorRequest(AcceleratorRequestMutation):
    """Ask the accelerator a question (a practitioner or project holder)."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        input = QuestionInput(required=True, description="The question.")
        files = graphene.List(
            graphene.NonNull(Upload),
            description="Documents (GraphQL multipart request): PDF, PNG, JPEG, Word, Excel, PowerPoint, "
            "OpenDocument, text or CSV; 5 files, 10 MB each and 25 MB together at most.",
        )

    @classmethod
    def perform(cls, root, info, input, files=None):
        practitioner = practitioner_of(info)
        question = services.Question(
            subject=input["subject"], body=input["body"], category=input["category"],
            commune_code=input.get("commune_code"), department_code=input.get("department_code"),
            urgency=input.get("urgency") or Level.MEDIUM,
            msp_id=int(decode_global_id(input["msp_id"], "Msp")) if input.get("msp_id") else None,
        )  # fmt: skip
        checked = attachments.check(files)

        def change(stored):
            request = services.submit(practitioner, question, actor=info.context.user)
            attachments.store(request, None, checked, info.context.user, stored)
            return request

        return cls(request=attachments.with_files(change), errors=[])


class TriageAcceleratorRequest(AcceleratorRequestMutation):
    """Set category and impact (priority follows)."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        category = CategoryEnum(description="Corrected category.")
        impact = LevelEnum(description="Impact.")
        reason = graphene.String(description="Why (kept in the audit trail).")

    @classmethod
    def perform(cls, root, info, id, category=None, impact=None, reason=""):
        request = _request(id)
        request = services.triage(
            request, info.context.user, category=category, impact=impact, reason=reason or ""
        )
        return cls(request=request, errors=[])


class AssignAcceleratorRequest(AcceleratorRequestMutation):
    """Assign a request to a staff member, take it (no `assigneeId`), or unassign (`unassign: true`)."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        assignee_id = graphene.ID(description="Global ID of the staff member; omit to take it yourself.")
        unassign = graphene.Boolean(default_value=False, description="Leave it unassigned.")

    @classmethod
    def perform(cls, root, info, id, assignee_id=None, unassign=False):
        request = _request(id)
        assignee = None
        if not unassign:
            assignee = info.context.user
            if assignee_id:
                assignee = get_object(assignee_id, get_user_model(), "StaffMember", "assigneeId")
        return cls(request=services.assign(request, info.context.user, assignee), errors=[])


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


class RouteAcceleratorRequestToHub(AcceleratorRequestMutation):
    """Route the question to a peer hub (see `suggestedHubs`): a linked mentoring request is sent to it, and
    the requester is told."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        hub_id = graphene.ID(required=True, description="Global ID of the hub.")
        note = graphene.String(
            description="A note for the hub, added to the linked request (the requester sees it too)."
        )

    @classmethod
    def perform(cls, root, info, id, hub_id, note=""):
        request = _request(id)
        hub = get_object(hub_id, HubDesignation, "Hub", "hubId", HubDesignation.objects.select_related("msp"))
        return cls(request=services.route_to_hub(request, info.context.user, hub, note or ""), errors=[])


class RouteAcceleratorRequestToArs(AcceleratorRequestMutation):
    """Route the question to the region's ARS, with an explanation for the requester."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        note = graphene.String(required=True, description="What the requester should do, in French.")

    @classmethod
    def perform(cls, root, info, id, note):
        request = _request(id)
        return cls(request=services.route_to_ars(request, info.context.user, note), errors=[])


def _with_the_ars(info, request_id):
    """A request the caller acts on as its region's ARS: NOT_FOUND for anyone else (administrators act
    for any ARS)."""
    from mentoring.accelerator.permissions import acts_as_ars

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


class MergeAcceleratorRequest(AcceleratorRequestMutation):
    """Merge a duplicate into another request; its requester is told."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the duplicate.")
        into_id = graphene.ID(required=True, description="Global ID of the request it joins.")
        reason = graphene.String(description="Why.")

    @classmethod
    def perform(cls, root, info, id, into_id, reason=""):
        request = _request(id)
        into = get_object(into_id, models.AcceleratorRequest, "AcceleratorRequest", "intoId")
        return cls(request=services.merge(request, info.context.user, into, reason or ""), errors=[])


class SetAcceleratorRequestState(AcceleratorRequestMutation):
    """Move a request to another state (checked transitions; closing unanswered needs a reason)."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        state = StateEnum(required=True, description="The new state.")
        reason = graphene.String(description="Why (required to close an unanswered request).")

    @classmethod
    def perform(cls, root, info, id, state, reason=""):
        request = _request(id)
        state = enum_value(state)
        return cls(request=services.set_state(request, info.context.user, state, reason or ""), errors=[])


class CloseAcceleratorRequest(AcceleratorRequestMutation):
    """Close a request (a reason is required unless it was answered)."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        reason = graphene.String(description="Why.")

    @classmethod
    def perform(cls, root, info, id, reason=""):
        request = _request(id)
        return cls(request=services.close(request, info.context.user, reason or ""), errors=[])


class ReopenAcceleratorRequest(AcceleratorRequestMutation):
    """Reopen an answered, routed or closed request (back in progress; the resolution clock runs again)."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        reason = graphene.String(required=True, description="Why.")

    @classmethod
    def perform(cls, root, info, id, reason):
        request = _request(id)
        return cls(request=services.reopen(request, info.context.user, reason), errors=[])


class SaveCannedAnswer(MentoringMutation):
    """Create (no `id`) or change a canned answer."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(description="Global ID, to change an existing one.")
        title = graphene.String(required=True, description="Title.")
        body = graphene.String(required=True, description="Text, in French.")
        category = CategoryEnum(description="The category it suits; none for all.")
        sets_state = StateEnum(description="Macro: the state the request goes to.")
        sets_impact = LevelEnum(description="Macro: the impact it sets (the priority follows).")
        sets_tag_ids = graphene.List(graphene.NonNull(graphene.ID), description="Macro: tags it adds.")
        assigns_to_id = graphene.ID(description="Macro: the staff member it assigns the request to.")
        assigns_to_self = graphene.Boolean(description="Macro: assigns the request to whoever applies it.")

    answer = graphene.Field(types.CannedAnswer, description="The answer saved.")

    @classmethod
    def perform(
        cls, root, info, title, body, id=None, category=None, sets_state=None, sets_impact=None,
        sets_tag_ids=None, assigns_to_id=None, assigns_to_self=False,
    ):  # fmt: skip
        answer = get_object(id, models.CannedAnswer, "CannedAnswer", "id") if id else None
        category = enum_value(category) or ""
        macro = {
            "sets_state": enum_value(sets_state) or "",
            "sets_impact": enum_value(sets_impact) or "",
            "tags": [_tag(t, "setsTagIds") for t in sets_tag_ids or []],
            "assigns_to": _staff_member(assigns_to_id) if assigns_to_id else None,
            "assigns_to_self": assigns_to_self,
        }
        saved = services.save_canned_answer(answer, info.context.user, title, body, category, macro=macro)
        return cls(answer=saved, errors=[])


class ApplyAcceleratorMacro(AcceleratorRequestMutation):
    """Apply a canned answer in one action: its reply (public, or an internal note with `internal`), then the
    tags, impact, assignee and state it sets. All or nothing. Cnam staff."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        canned_answer_id = graphene.ID(required=True, description="Global ID of the canned answer.")
        internal = graphene.Boolean(default_value=False, description="Post its text as an internal note.")

    @classmethod
    def perform(cls, root, info, id, canned_answer_id, internal=False):
        answer = get_object(canned_answer_id, models.CannedAnswer, "CannedAnswer", "cannedAnswerId")
        request = services.apply_macro(_request(id), info.context.user, answer, internal=internal)
        return cls(request=request, errors=[])


class SetAcceleratorPresence(MentoringMutation):
    """Say you are viewing or replying to a request (repeat every 30 s; lapses after a minute); `activity`
    null to leave. Other staff see it in `presence` and live."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        activity = ActivityEnum(description="Viewing or replying; null when leaving.")

    ok = graphene.Boolean(required=True, description="True once recorded.")
    error_defaults = {"ok": False}

    @classmethod
    def perform(cls, root, info, id, activity=None):
        request = _request(id)
        services.set_presence(request, info.context.user, enum_value(activity))
        return cls(ok=True, errors=[])


class RateAcceleratorAnswer(AcceleratorRequestMutation):
    """The requester rates the answer to their closed request, once (1 to 5 and a comment)."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of one's own closed request.")
        rating = graphene.Int(required=True, description="1 (not satisfied) to 5 (very satisfied).")
        comment = graphene.String(description="A comment, in French.")

    @classmethod
    def perform(cls, root, info, id, rating, comment=""):
        requester = practitioner_of(info)
        request = get_object(
            id, models.AcceleratorRequest, "AcceleratorRequest", "id",
            models.AcceleratorRequest.objects.filter(requester=requester),
        )  # fmt: skip
        return cls(request=services.rate(request, requester, rating, comment or ""), errors=[])


def _staff_member(user_id, field="assignsToId"):
    return get_object(user_id, get_user_model(), "StaffMember", field)


def _tag(tag_id, field="id"):
    return get_object(tag_id, models.AcceleratorTag, "AcceleratorTag", field)


class TagMutation(MentoringMutation):
    class Meta:
        abstract = True

    tag = graphene.Field(types.AcceleratorTag, description="The tag.")


class CreateAcceleratorTag(TagMutation):
    """Create a tag (a name no other tag has, whatever its case). Cnam staff."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        name = graphene.String(required=True, description="Its name (60 characters at most).")

    @classmethod
    def perform(cls, root, info, name):
        return cls(tag=services.tags.create_tag(name), errors=[])


class RenameAcceleratorTag(TagMutation):
    """Rename a tag. Cnam staff."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the tag.")
        name = graphene.String(required=True, description="Its new name.")

    @classmethod
    def perform(cls, root, info, id, name):
        return cls(tag=services.tags.rename_tag(_tag(id), name), errors=[])


class MergeAcceleratorTags(TagMutation):
    """Merge a tag into another: its requests get the other, it is deleted. Cnam staff."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        source_id = graphene.ID(required=True, description="Global ID of the tag that goes.")
        target_id = graphene.ID(required=True, description="Global ID of the tag that stays.")

    @classmethod
    def perform(cls, root, info, source_id, target_id):
        target = services.tags.merge_tags(_tag(source_id, "sourceId"), _tag(target_id, "targetId"))
        return cls(tag=target, errors=[])


class TagAcceleratorRequest(AcceleratorRequestMutation):
    """Set a request's tags (replacing them; kept in its audit trail). Cnam staff."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        tag_ids = graphene.List(
            graphene.NonNull(graphene.ID), required=True, description="Its tags (20 at most)."
        )

    @classmethod
    def perform(cls, root, info, id, tag_ids):
        tags = [_tag(tag_id, "tagIds") for tag_id in tag_ids]
        return cls(request=services.tags.set_tags(_request(id), info.context.user, tags), errors=[])


class AcceleratorMutationFields(graphene.ObjectType):
    submit_accelerator_request = SubmitAcceleratorRequest.Field()
    triage_accelerator_request = TriageAcceleratorRequest.Field()
    assign_accelerator_request = AssignAcceleratorRequest.Field()
    reply_to_accelerator_request = ReplyToAcceleratorRequest.Field()
    route_accelerator_request_to_hub = RouteAcceleratorRequestToHub.Field()
    route_accelerator_request_to_ars = RouteAcceleratorRequestToArs.Field()
    reply_to_accelerator_request_as_ars = ReplyToAcceleratorRequestAsArs.Field()
    hand_accelerator_request_back_to_cnam = HandAcceleratorRequestBackToCnam.Field()
    merge_accelerator_request = MergeAcceleratorRequest.Field()
    set_accelerator_request_state = SetAcceleratorRequestState.Field()
    close_accelerator_request = CloseAcceleratorRequest.Field()
    reopen_accelerator_request = ReopenAcceleratorRequest.Field()
    save_canned_answer = SaveCannedAnswer.Field()
    set_accelerator_presence = SetAcceleratorPresence.Field()
    rate_accelerator_answer = RateAcceleratorAnswer.Field()
    apply_accelerator_macro = ApplyAcceleratorMacro.Field()
    create_accelerator_tag = CreateAcceleratorTag.Field()
    rename_accelerator_tag = RenameAcceleratorTag.Field()
    merge_accelerator_tags = MergeAcceleratorTags.Field()
    tag_accelerator_request = TagAcceleratorRequest.Field()
