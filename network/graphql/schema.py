"""The network directory's part of the root schema: assembled here, defined beside."""

import graphene

from . import compiled, hub_mutations, msp_mutations, registration_mutations
from .queries import NetworkQueryFields
from .subscriptions import NetworkSubscriptionFields

# `compiled` declares the network's types and lists to the compiled reads (backend/core/compiled.py).
__all__ = ["NetworkMutationFields", "NetworkQueryFields", "NetworkSubscriptionFields", "compiled"]


class NetworkMutationFields(graphene.ObjectType):
    register_practitioner = registration_mutations.RegisterPractitioner.Field()
    confirm_registration = registration_mutations.ConfirmRegistration.Field()
    create_msp = msp_mutations.CreateMsp.Field()
    update_msp = msp_mutations.UpdateMsp.Field()
    declare_training_place = msp_mutations.DeclareTrainingPlace.Field()
    record_project_milestone = msp_mutations.RecordProjectMilestone.Field()
    invite_msp_member = msp_mutations.InviteMspMember.Field()
    respond_to_msp_invitation = msp_mutations.RespondToMspInvitation.Field()
    cancel_msp_invitation = msp_mutations.CancelMspInvitation.Field()
    verify_msp = msp_mutations.VerifyMsp.Field()
    verify_practitioner_rpps = msp_mutations.VerifyPractitionerRpps.Field()
    end_msp_membership = msp_mutations.EndMspMembership.Field()
    apply_for_hub = hub_mutations.ApplyForHub.Field()
    approve_hub = hub_mutations.ApproveHub.Field()
    give_ars_opinion_on_hub = hub_mutations.GiveArsOpinionOnHub.Field()
    suspend_hub = hub_mutations.SuspendHub.Field()
