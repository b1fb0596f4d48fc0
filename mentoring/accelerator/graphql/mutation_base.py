"""The accelerator's mutations share these: the request, staff member or tag an argument names, and the bases of the
mutations that return a request or a tag."""

import graphene
from django.contrib.auth import get_user_model

from backend.core.graphql import get_object
from mentoring.graphql.common import MentoringMutation

from .. import models
from . import types


def named_request(request_id):
    """The request an agent names (after the gate: agents see every request)."""
    return get_object(request_id, models.AcceleratorRequest, "AcceleratorRequest", "id")


def named_staff_member(user_id, field="assignsToId"):
    return get_object(user_id, get_user_model(), "StaffMember", field)


def named_tag(tag_id, field="id"):
    return get_object(tag_id, models.AcceleratorTag, "AcceleratorTag", field)


class AcceleratorRequestMutation(MentoringMutation):
    """The base of the mutations that change an accelerator request: they return it."""

    class Meta:
        abstract = True

    request = graphene.Field(types.AcceleratorRequest, description="The request, after the change.")


class TagMutation(MentoringMutation):
    class Meta:
        abstract = True

    tag = graphene.Field(types.AcceleratorTag, description="The tag.")
