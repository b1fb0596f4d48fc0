"""A request's life: submitted, triaged, assigned, merged, moved between states, closed, reopened, rated."""

import graphene
from graphene_file_upload.scalars import Upload

from backend.core.graphql import decode_global_id, enum_value, get_object
from backend.core.permissions import Permission
from mentoring.graphql.common import MentoringMutation, practitioner_of

from .. import models, services
from ..models import Level
from ..services import attachments
from . import types
from .enums import CategoryEnum, LevelEnum, StateEnum
from .inputs import QuestionInput
from .mutation_base import (
    AcceleratorRequestMutation,
    named_request,
    named_staff_member,
)


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
        request = named_request(id)
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
        request = named_request(id)
        assignee = None
        if not unassign:
            assignee = info.context.user
            if assignee_id:
                assignee = named_staff_member(assignee_id, "assigneeId")
        return cls(request=services.assign(request, info.context.user, assignee), errors=[])


class AssignAcceleratorRequests(MentoringMutation):
    """Assign several requests at once (all or none): to a staff member, to oneself (no `assigneeId`), or to
    nobody (`unassign: true`)."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        ids = graphene.List(
            graphene.NonNull(graphene.ID),
            required=True,
            description="Global IDs of the requests (100 at most).",
        )
        assignee_id = graphene.ID(description="Global ID of the staff member; omit to take them yourself.")
        unassign = graphene.Boolean(default_value=False, description="Leave them unassigned.")

    requests = graphene.List(
        graphene.NonNull(types.AcceleratorRequest), description="The requests, after the change."
    )

    @classmethod
    def perform(cls, root, info, ids, assignee_id=None, unassign=False):
        # One more than allowed is enough for the rule to refuse: the rest is never looked up.
        requests = [get_object(id, models.AcceleratorRequest, "AcceleratorRequest", "ids")
                    for id in ids[: services.MAX_BULK + 1]]  # fmt: skip
        assignee = None
        if not unassign:
            assignee = named_staff_member(assignee_id, "assigneeId") if assignee_id else info.context.user
        return cls(requests=services.assign_many(requests, info.context.user, assignee), errors=[])


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
        request = named_request(id)
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
        request = named_request(id)
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
        request = named_request(id)
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
        request = named_request(id)
        return cls(request=services.reopen(request, info.context.user, reason), errors=[])


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
