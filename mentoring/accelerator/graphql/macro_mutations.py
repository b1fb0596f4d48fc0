"""The staff's tools: canned answers and macros, tags, saved views of the queue."""

from datetime import date, datetime
from enum import Enum

import graphene
from graphene.utils.str_converters import to_camel_case

from backend.core.graphql import enum_value, get_object
from backend.core.permissions import Permission
from mentoring.graphql.common import MentoringMutation

from .. import models, services
from . import types
from .enums import AcceleratorOrder, CategoryEnum, LevelEnum, StateEnum
from .inputs import AcceleratorFilter
from .mutation_base import (
    AcceleratorRequestMutation,
    TagMutation,
    named_request,
    named_staff_member,
    named_tag,
)


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
            "tags": [named_tag(t, "setsTagIds") for t in sets_tag_ids or []],
            "assigns_to": named_staff_member(assigns_to_id) if assigns_to_id else None,
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
        request = services.apply_macro(named_request(id), info.context.user, answer, internal=internal)
        return cls(request=request, errors=[])


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
        return cls(tag=services.tags.rename_tag(named_tag(id), name), errors=[])


class MergeAcceleratorTags(TagMutation):
    """Merge a tag into another: its requests get the other, it is deleted. Cnam staff."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        source_id = graphene.ID(required=True, description="Global ID of the tag that goes.")
        target_id = graphene.ID(required=True, description="Global ID of the tag that stays.")

    @classmethod
    def perform(cls, root, info, source_id, target_id):
        target = services.tags.merge_tags(named_tag(source_id, "sourceId"), named_tag(target_id, "targetId"))
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
        tags = [named_tag(tag_id, "tagIds") for tag_id in tag_ids]
        return cls(request=services.tags.set_tags(named_request(id), info.context.user, tags), errors=[])


def _as_given(value):
    """An input as its client wrote it (API names, enum names, ISO dates), to be given back as it was."""
    if isinstance(value, dict):
        return {to_camel_case(key): _as_given(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_as_given(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.name
    return value


class SaveAcceleratorView(MentoringMutation):
    """Save the queue filter under a name (one's own; the same name replaces it), 30 at most."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        name = graphene.String(required=True, description="Its name (60 characters at most).")
        filter = AcceleratorFilter(
            required=True, description="The filter, as `acceleratorRequests` takes it."
        )
        order_by = AcceleratorOrder(default_value="SLA_DUE", description="The order.")

    view = graphene.Field(types.AcceleratorSavedView, description="The view saved.")

    @classmethod
    def perform(cls, root, info, name, filter, order_by="SLA_DUE"):
        view = services.save_view(info.context.user, name, _as_given(filter), str(enum_value(order_by)))
        return cls(view=view, errors=[])


class DeleteAcceleratorView(MentoringMutation):
    """Delete one of one's saved views."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the view.")

    ok = graphene.Boolean(required=True, description="True once deleted.")
    error_defaults = {"ok": False}

    @classmethod
    def perform(cls, root, info, id):
        view = get_object(id, models.AcceleratorSavedView, "AcceleratorSavedView", "id")
        services.delete_view(info.context.user, view)
        return cls(ok=True, errors=[])
