"""The accelerator's part of the root schema (assembled in backend/schema.py)."""

from .articles import ArticleMutationFields, ArticleQueryFields
from .macro_mutations import (
    ApplyAcceleratorMacro,
    CreateAcceleratorTag,
    DeleteAcceleratorView,
    MergeAcceleratorTags,
    RenameAcceleratorTag,
    SaveAcceleratorView,
    SaveCannedAnswer,
    TagAcceleratorRequest,
)
from .presence_mutations import SetAcceleratorPresence
from .queries import AcceleratorQueryFields as RequestQueryFields
from .reply_mutations import (
    HandAcceleratorRequestBackToCnam,
    ReplyToAcceleratorRequest,
    ReplyToAcceleratorRequestAsArs,
)
from .request_mutations import (
    AssignAcceleratorRequest,
    AssignAcceleratorRequests,
    CloseAcceleratorRequest,
    MergeAcceleratorRequest,
    RateAcceleratorAnswer,
    ReopenAcceleratorRequest,
    SetAcceleratorRequestState,
    SubmitAcceleratorRequest,
    TriageAcceleratorRequest,
)
from .routing_mutations import RouteAcceleratorRequestToArs, RouteAcceleratorRequestToHub
from .subscriptions import AcceleratorSubscriptionFields


class AcceleratorQueryFields(RequestQueryFields, ArticleQueryFields):
    pass


class AcceleratorMutationFields(ArticleMutationFields):
    submit_accelerator_request = SubmitAcceleratorRequest.Field()
    triage_accelerator_request = TriageAcceleratorRequest.Field()
    assign_accelerator_request = AssignAcceleratorRequest.Field()
    assign_accelerator_requests = AssignAcceleratorRequests.Field()
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
    save_accelerator_view = SaveAcceleratorView.Field()
    delete_accelerator_view = DeleteAcceleratorView.Field()
    tag_accelerator_request = TagAcceleratorRequest.Field()


__all__ = ["AcceleratorMutationFields", "AcceleratorQueryFields", "AcceleratorSubscriptionFields"]
