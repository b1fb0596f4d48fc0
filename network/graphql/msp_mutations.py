"""Mutations on MSPs and their members: create, update, verify, invite, respond, cancel, end a membership.
Each validates its input, checks who may act, calls a service in `network/services/`."""

import graphene
from django.core.exceptions import ValidationError
from graphql_relay import from_global_id

from backend.core.graphql import Forbidden, decode_global_id, enum_value, get_object
from backend.core.permissions import Permission

from .. import models
from ..errors import NetworkErrorCode
from ..permissions import NetworkPermission, invitations_filter, viewer_for
from ..services import directory, identity, invitations, milestones, training
from . import enums, types
from .common import NetworkMutation, managed_msp
from .inputs import CreateMspInput, UpdateMspInput


def _site_data(site_input, msp_pk=None) -> directory.SiteData:
    site_id = None
    if site_input.get("id"):
        found_type, pk = from_global_id(site_input["id"])
        if found_type != "MspSite":
            raise ValidationError(
                {"sites": ValidationError("Identifiant de site invalide.", code=NetworkErrorCode.NOT_FOUND)}
            )
        site_id = int(pk)
    return directory.SiteData(
        id=site_id,
        name=site_input.get("name") or "",
        address=site_input["address"],
        commune_code=site_input["commune_code"],
        latitude=site_input.get("latitude"),
        longitude=site_input.get("longitude"),
        is_main=bool(site_input.get("is_main")),
    )


def _msp_data(data) -> directory.MspData:
    msp_data = directory.MspData(
        name=data.get("name"),
        finess=data.get("finess"),
        status=data.get("status"),
        opening_date=data.get("opening_date"),
        siret=data.get("siret"),
        themes=data.get("themes"),
        sites=[_site_data(s) for s in data["sites"]] if data.get("sites") is not None else None,
    )
    msp_data.unset = {k for k in ("finess", "opening_date", "siret") if k in data and data[k] is None}
    return msp_data


class CreateMsp(NetworkMutation):
    """Create an MSP (usually in project). A practitioner who creates it becomes its coordinator."""

    class Meta:
        permissions = [Permission.PRACTITIONER, Permission.MANAGE_ANY_MSP]

    class Arguments:
        input = CreateMspInput(required=True, description="The MSP to create.")

    msp = graphene.Field(types.Msp, description="The MSP created.")

    @classmethod
    def perform(cls, root, info, input):
        viewer = viewer_for(info.context)
        if input.get("status") == models.MspStatus.CLOSED:
            raise ValidationError(
                {
                    "status": ValidationError(
                        "Une MSP ne peut pas être créée fermée.", code=NetworkErrorCode.INVALID
                    )
                }
            )
        msp = directory.create_msp(_msp_data(input), founder=viewer.practitioner)
        return cls(msp=msp, errors=[])


class UpdateMsp(NetworkMutation):
    """Change an MSP: its coordinators, or an admin."""

    class Meta:
        permissions = [Permission.MSP_COORDINATOR]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the MSP.")
        input = UpdateMspInput(required=True, description="The changes.")

    msp = graphene.Field(types.Msp, description="The MSP after the change.")

    @classmethod
    def perform(cls, root, info, id, input):
        msp = directory.update_msp(managed_msp(info, id, "id"), _msp_data(input))
        return cls(msp=msp, errors=[])


class InviteMspMember(NetworkMutation):
    """Invite a practitioner to join an MSP with a role (its coordinators, or an admin). They become a
    member, and their contact details visible to the MSP, only when they accept. The answer is the same
    whether or not an RPPS number is registered."""

    class Meta:
        permissions = [Permission.MSP_COORDINATOR]

    class Arguments:
        msp_id = graphene.ID(required=True, description="Global ID of the MSP.")
        practitioner_id = graphene.ID(description="Global ID of the practitioner (or give `rpps`).")
        rpps = graphene.String(description="RPPS of the practitioner (or give `practitionerId`).")
        role = enums.MembershipRoleEnum(required=True, description="Role offered in the MSP.")
        start_date = graphene.Date(
            description="Proposed first day of membership; the day they accept if omitted."
        )

    invitation = graphene.Field(types.MspInvitation, description="The invitation (pending until answered).")

    @classmethod
    def perform(cls, root, info, msp_id, role, practitioner_id=None, rpps=None, start_date=None):
        msp = managed_msp(info, msp_id, "mspId")
        if bool(practitioner_id) == bool(rpps):
            raise ValidationError(
                ValidationError(
                    "Indiquez soit l'identifiant du professionnel, soit son RPPS.",
                    code=NetworkErrorCode.REQUIRED,
                )
            )
        practitioner = None
        if practitioner_id:
            practitioner = get_object(practitioner_id, models.Practitioner, "Practitioner", "practitionerId")
        invitation = invitations.invite_member(
            msp, role, info.context.user, practitioner=practitioner, rpps=rpps or "", start_date=start_date
        )
        return cls(invitation=invitation, errors=[])


class RespondToMspInvitation(NetworkMutation):
    """Accept (the membership starts) or decline an invitation to join an MSP: the invitee only."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the invitation.")
        accept = graphene.Boolean(required=True, description="True to join the MSP, false to decline.")

    invitation = graphene.Field(types.MspInvitation, description="The invitation, answered.")
    membership = graphene.Field(types.Membership, description="The membership started, when accepted.")

    @classmethod
    def perform(cls, root, info, id, accept):
        practitioner = viewer_for(info.context).practitioner
        queryset = models.MspInvitation.objects.filter(invitations_filter(practitioner))
        invitation = get_object(id, models.MspInvitation, "MspInvitation", "id", queryset=queryset)
        invitation = invitations.respond(invitation, practitioner, accept)
        return cls(invitation=invitation, membership=invitation.membership, errors=[])


class CancelMspInvitation(NetworkMutation):
    """Withdraw an invitation that has had no answer: the MSP's coordinators, or an admin."""

    class Meta:
        permissions = [Permission.MSP_COORDINATOR]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the invitation.")

    invitation = graphene.Field(types.MspInvitation, description="The invitation, cancelled.")

    @classmethod
    def perform(cls, root, info, id):
        visible = types.MspInvitation.get_queryset(models.MspInvitation.objects.all(), info)
        invitation = get_object(id, models.MspInvitation, "MspInvitation", "id", queryset=visible)
        if not viewer_for(info.context).can_manage_msp(invitation.msp_id):
            raise Forbidden("Seuls les coordinateurs de cette MSP peuvent retirer ses invitations.")
        return cls(invitation=invitations.cancel(invitation), errors=[])


class VerifyMsp(NetworkMutation):
    """Confirm a declared MSP (Cnam staff): its coordinators may then see their members' contact details."""

    class Meta:
        permissions = [Permission.VERIFY_MSP]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the MSP.")

    msp = graphene.Field(types.Msp, description="The MSP, confirmed.")

    @classmethod
    def perform(cls, root, info, id):
        msp = get_object(id, models.Msp, "Msp", "id")
        return cls(msp=invitations.verify_msp(msp, info.context.user), errors=[])


class VerifyPractitionerRpps(NetworkMutation):
    """Record that a practitioner's identity (RPPS) was checked by the Cnam, by whom and when (Pro Santé Connect
    proves it at sign-in otherwise)."""

    class Meta:
        permissions = [Permission.VERIFY_MSP]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the practitioner.")

    practitioner = graphene.Field(types.Practitioner, description="The practitioner, identity verified.")

    @classmethod
    def perform(cls, root, info, id):
        practitioner = get_object(id, models.Practitioner, "Practitioner", "id")
        return cls(practitioner=identity.verify_rpps(practitioner, info.context.user), errors=[])


class EndMspMembership(NetworkMutation):
    """End a membership (it stays in history): the MSP's coordinators, the member, or an admin."""

    class Meta:
        permissions = [Permission.PRACTITIONER, Permission.MSP_COORDINATOR]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the membership.")
        end_date = graphene.Date(description="First day no longer a member; today when omitted.")
        reason = graphene.String(description="Why the membership ends.")

    membership = graphene.Field(types.Membership, description="The ended membership.")

    @classmethod
    def perform(cls, root, info, id, end_date=None, reason=""):
        viewer = viewer_for(info.context)
        membership = get_object(id, models.Membership, "Membership", "id")
        is_self = viewer.practitioner is not None and membership.practitioner_id == viewer.practitioner.pk
        if not (is_self or viewer.can_manage_msp(membership.msp_id)):
            raise Forbidden(
                "Seuls les coordinateurs de cette MSP ou le membre lui-même peuvent y mettre fin."
            )
        membership = directory.end_membership(
            membership,
            end_date,
            reason or "",
            allow_last_coordinator=viewer.has_perm(NetworkPermission.MANAGE_ANY_MSP),
        )
        return cls(membership=membership, errors=[])


class DeclareTrainingPlace(NetworkMutation):
    """Say whom the MSP takes in training (measure 1): kinds of students and interns, places a semester, and
    supervisors among its current members with an RPPS; no kinds: it takes none any more. Its coordinators,
    or an admin."""

    class Meta:
        permissions = [Permission.MSP_COORDINATOR]

    class Arguments:
        msp_id = graphene.ID(required=True, description="Global ID of the MSP.")
        kinds = graphene.List(
            graphene.NonNull(enums.TraineeKindEnum),
            required=True,
            description="Whom it takes (empty: nobody).",
        )
        places_per_semester = graphene.Int(default_value=1, description="Places a semester (1 to 50).")
        supervisor_ids = graphene.List(
            graphene.NonNull(graphene.ID),
            default_value=[],
            description="Global IDs of the supervising members (Practitioner), each with an RPPS (20 at most).",
        )

    msp = graphene.Field(types.Msp, description="The MSP, with its `training`.")

    @classmethod
    def perform(cls, root, info, msp_id, kinds, places_per_semester=1, supervisor_ids=()):
        msp = managed_msp(info, msp_id, "mspId")
        ids = [
            int(decode_global_id(gid, "Practitioner"))
            for gid in list(supervisor_ids)[: training.MAX_SUPERVISORS + 1]
        ]
        training.declare_training(msp, [enum_value(kind) for kind in kinds], places_per_semester, ids)
        return cls(msp=models.Msp.objects.get(pk=msp.pk), errors=[])


class RecordProjectMilestone(NetworkMutation):
    """Record a step the MSP project reached (again: corrects its date or note). Its coordinators, or an admin."""

    class Meta:
        permissions = [Permission.MSP_COORDINATOR]

    class Arguments:
        msp_id = graphene.ID(required=True, description="Global ID of the MSP.")
        kind = enums.MilestoneKindEnum(required=True, description="The step.")
        reached_on = graphene.Date(required=True, description="When it was reached (not in the future).")
        note = graphene.String(description="A precision, in French (500 characters at most).")

    msp = graphene.Field(types.Msp, description="The MSP, with its `milestones` and `projectStage`.")

    @classmethod
    def perform(cls, root, info, msp_id, kind, reached_on, note=""):
        msp = managed_msp(info, msp_id, "mspId")
        milestones.record(msp, info.context.user, enum_value(kind), reached_on, note or "")
        return cls(msp=models.Msp.objects.get(pk=msp.pk), errors=[])
