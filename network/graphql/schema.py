import graphene

from . import mutations
from .queries import NetworkQuery
from .subscriptions import NetworkSubscription

__all__ = ["NetworkMutation", "NetworkQuery", "NetworkSubscription"]


class NetworkMutation(graphene.ObjectType):
    register_practitioner = mutations.RegisterPractitioner.Field(
        description=mutations.RegisterPractitioner.__doc__
    )
    confirm_registration = mutations.ConfirmRegistration.Field(
        description=mutations.ConfirmRegistration.__doc__
    )
    create_msp = mutations.CreateMsp.Field(description=mutations.CreateMsp.__doc__)
    update_msp = mutations.UpdateMsp.Field(description=mutations.UpdateMsp.__doc__)
    invite_msp_member = mutations.InviteMspMember.Field(description=mutations.InviteMspMember.__doc__)
    respond_to_msp_invitation = mutations.RespondToMspInvitation.Field(
        description=mutations.RespondToMspInvitation.__doc__
    )
    cancel_msp_invitation = mutations.CancelMspInvitation.Field(
        description=mutations.CancelMspInvitation.__doc__
    )
    verify_msp = mutations.VerifyMsp.Field(description=mutations.VerifyMsp.__doc__)
    end_msp_membership = mutations.EndMspMembership.Field(description=mutations.EndMspMembership.__doc__)
    apply_for_hub = mutations.ApplyForHub.Field(description=mutations.ApplyForHub.__doc__)
    approve_hub = mutations.ApproveHub.Field(description=mutations.ApproveHub.__doc__)
    suspend_hub = mutations.SuspendHub.Field(description=mutations.SuspendHub.__doc__)
