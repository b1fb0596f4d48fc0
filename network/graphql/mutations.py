"""Mutations of the network directory: validate input, check permission, call the service, shape the payload."""

from decimal import Decimal

import graphene
from django.core.exceptions import ValidationError
from graphql_relay import from_global_id

from backend.core.graphql import (
    BaseMutation,
    Forbidden,
    error_type,
    errors_field,
    get_object,
    require_authenticated,
    require_permission,
)

from .. import models
from ..errors import NetworkErrorCode
from ..permissions import NetworkPermission, viewer_for
from ..services import directory, hubs, invitations
from . import types

NetworkError = error_type("NetworkError", types.NetworkErrorCodeEnum, "network")


class NetworkMutation(BaseMutation):
    class Meta:
        abstract = True

    error_code_enum = NetworkErrorCode


def managed_msp(info, global_id: str, field: str) -> models.Msp:
    """The MSP behind `global_id`, if the signed-in user may change it (its coordinators, admins)."""
    require_authenticated(info)
    msp = get_object(global_id, models.Msp, "Msp", field)
    if not viewer_for(info.context).can_manage_msp(msp.pk):
        raise Forbidden("Seuls les coordinateurs de cette MSP peuvent la modifier.")
    return msp


# --- Inputs --------------------------------------------------------------------------------


class SiteInput(graphene.InputObjectType):
    """A site of an MSP. On update, give the `id` of a site to keep it; sites left out are removed."""

    id = graphene.ID(description="Global ID of an existing site (update only).")
    name = graphene.String(description="Name of the site, e.g. « Antenne de Saint-Clément ».")
    address = graphene.String(required=True, description="Street address.")
    commune_code = graphene.String(required=True, description="INSEE code of the site's commune.")
    latitude = graphene.Float(description="Latitude; the commune centre when omitted.")
    longitude = graphene.Float(description="Longitude; the commune centre when omitted.")
    is_main = graphene.Boolean(default_value=False, description="True for the main site (exactly one).")


class MspInputFields:
    finess = graphene.String(description="FINESS number; required once the MSP is operating.")
    status = graphene.Field(types.MspStatusEnum, description="Lifecycle status.")
    opening_date = graphene.Date(description="Opening date.")
    siret = graphene.String(description="SIRET of the Sisa.")
    themes = graphene.List(graphene.NonNull(graphene.String), description="Themes of the health project.")


class CreateMspInput(MspInputFields, graphene.InputObjectType):
    """A new MSP and its sites."""

    name = graphene.String(required=True, description="Name of the MSP.")
    sites = graphene.List(graphene.NonNull(SiteInput), required=True, description="Sites, exactly one main.")


class UpdateMspInput(MspInputFields, graphene.InputObjectType):
    """Changes to an MSP; omitted fields are kept, null clears an optional field."""

    name = graphene.String(description="Name of the MSP.")
    sites = graphene.List(graphene.NonNull(SiteInput), description="The full list of sites, if it changes.")


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


# --- MSPs --------------------------------------------------------------------------------------


class CreateMsp(NetworkMutation):
    """Create an MSP (usually in project). A practitioner who creates it becomes its coordinator."""

    class Arguments:
        input = CreateMspInput(required=True, description="The MSP to create.")

    msp = graphene.Field(types.Msp, description="The MSP created.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, input):
        require_authenticated(info)
        viewer = viewer_for(info.context)
        if viewer.practitioner is None and not viewer.has_perm("network.add_msp"):
            raise Forbidden("Seul un professionnel de santé inscrit peut déclarer une MSP.")
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

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the MSP.")
        input = UpdateMspInput(required=True, description="The changes.")

    msp = graphene.Field(types.Msp, description="The MSP after the change.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, id, input):
        msp = directory.update_msp(managed_msp(info, id, "id"), _msp_data(input))
        return cls(msp=msp, errors=[])


class InviteMspMember(NetworkMutation):
    """Invite a practitioner to join an MSP with a role (its coordinators, or an admin). They become a
    member, and their contact details visible to the MSP, only when they accept. The answer is the same
    whether or not an RPPS number is registered."""

    class Arguments:
        msp_id = graphene.ID(required=True, description="Global ID of the MSP.")
        practitioner_id = graphene.ID(description="Global ID of the practitioner (or give `rpps`).")
        rpps = graphene.String(description="RPPS of the practitioner (or give `practitionerId`).")
        role = types.MembershipRoleEnum(required=True, description="Role offered in the MSP.")
        start_date = graphene.Date(
            description="Proposed first day of membership; the day they accept if omitted."
        )

    invitation = graphene.Field(types.MspInvitation, description="The invitation (pending until answered).")
    errors = errors_field(NetworkError)

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

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the invitation.")
        accept = graphene.Boolean(required=True, description="True to join the MSP, false to decline.")

    invitation = graphene.Field(types.MspInvitation, description="The invitation, answered.")
    membership = graphene.Field(types.Membership, description="The membership started, when accepted.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, id, accept):
        require_authenticated(info)
        practitioner = viewer_for(info.context).practitioner
        if practitioner is None:
            raise Forbidden("Seul un professionnel de santé inscrit peut répondre à une invitation.")
        queryset = models.MspInvitation.objects.filter(invitations.invitations_filter(practitioner))
        invitation = get_object(id, models.MspInvitation, "MspInvitation", "id", queryset=queryset)
        invitation = invitations.respond(invitation, practitioner, accept)
        return cls(invitation=invitation, membership=invitation.membership, errors=[])


class CancelMspInvitation(NetworkMutation):
    """Withdraw an invitation that has had no answer: the MSP's coordinators, or an admin."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the invitation.")

    invitation = graphene.Field(types.MspInvitation, description="The invitation, cancelled.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, id):
        require_authenticated(info)
        visible = types.MspInvitation.get_queryset(models.MspInvitation.objects.all(), info)
        invitation = get_object(id, models.MspInvitation, "MspInvitation", "id", queryset=visible)
        if not viewer_for(info.context).can_manage_msp(invitation.msp_id):
            raise Forbidden("Seuls les coordinateurs de cette MSP peuvent retirer ses invitations.")
        return cls(invitation=invitations.cancel(invitation), errors=[])


class VerifyMsp(NetworkMutation):
    """Confirm a declared MSP (Cnam staff): its coordinators may then see their members' contact details."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the MSP.")

    msp = graphene.Field(types.Msp, description="The MSP, confirmed.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, id):
        user = require_permission(info, NetworkPermission.VERIFY_MSP)
        msp = get_object(id, models.Msp, "Msp", "id")
        return cls(msp=invitations.verify_msp(msp, user), errors=[])


class EndMspMembership(NetworkMutation):
    """End a membership (it stays in history): the MSP's coordinators, the member, or an admin."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the membership.")
        end_date = graphene.Date(description="First day no longer a member; today when omitted.")
        reason = graphene.String(description="Why the membership ends.")

    membership = graphene.Field(types.Membership, description="The ended membership.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, id, end_date=None, reason=""):
        require_authenticated(info)
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


# --- Hubs -------------------------------------------------------------------------------------


class HubApplicationInput(graphene.InputObjectType):
    """What a hub offers."""

    service_radius_km = graphene.Int(
        required=True, description="Radius (km) served around the MSP's sites, 1 to 200."
    )
    monthly_coordination_hours = graphene.Float(
        required=True, description="Coordination hours lent each month."
    )
    offer_kinds = graphene.List(
        graphene.NonNull(types.OfferKindEnum), required=True, description="Kinds of support provided."
    )


class ApplyForHub(NetworkMutation):
    """Apply for the tête de pont designation, or update an existing hub's radius, capacity and offers
    (a suspended hub re-applies as a candidate). The MSP's coordinators, or an admin."""

    class Arguments:
        msp_id = graphene.ID(required=True, description="Global ID of the MSP.")
        input = HubApplicationInput(required=True, description="The application.")

    hub = graphene.Field(types.Hub, description="The designation after the change.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, msp_id, input):
        msp = managed_msp(info, msp_id, "mspId")
        hub = hubs.apply_for_hub(
            msp,
            hubs.HubApplication(
                service_radius_km=input["service_radius_km"],
                monthly_coordination_hours=Decimal(str(round(input["monthly_coordination_hours"], 2))),
                offer_kinds=list(input["offer_kinds"]),
            ),
        )
        return cls(hub=hub, errors=[])


def _hub_for_staff(info, id):
    # The permission comes first: who may not approve learns nothing about candidate hubs.
    user = require_permission(info, NetworkPermission.APPROVE_HUBS)
    return user, get_object(id, models.HubDesignation, "Hub", "id")


class ApproveHub(NetworkMutation):
    """Approve a hub designation: Cnam staff and admins."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the hub.")

    hub = graphene.Field(types.Hub, description="The approved hub.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, id):
        user, hub = _hub_for_staff(info, id)
        return cls(hub=hubs.approve_hub(hub, approved_by=user), errors=[])


class SuspendHub(NetworkMutation):
    """Suspend a hub designation, with a reason: Cnam staff and admins."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the hub.")
        reason = graphene.String(
            required=True, description="Why the designation is suspended (shown to the MSP)."
        )

    hub = graphene.Field(types.Hub, description="The suspended hub.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, id, reason):
        _, hub = _hub_for_staff(info, id)
        return cls(hub=hubs.suspend_hub(hub, reason), errors=[])


# --- Registration -------------------------------------------------------------------------------


class RegisterPractitionerInput(graphene.InputObjectType):
    """A practitioner's sign-up: their account and their professional record."""

    email = graphene.String(required=True, description="E-mail, used to sign in.")
    password = graphene.String(
        required=True, description="Password (10 characters at least, not too common)."
    )
    first_name = graphene.String(required=True, description="First name.")
    last_name = graphene.String(required=True, description="Last name.")
    profession_code = graphene.String(required=True, description="TRE_G15 profession code.")
    specialty = graphene.String(description="Specialty (e.g. SM54 for general practice).")
    rpps = graphene.String(required=True, description="RPPS number (11 digits).")
    commune_code = graphene.String(required=True, description="INSEE code of the commune of practice.")
    practice_mode = graphene.Field(
        types.PracticeModeEnum, description="How the practitioner practises; isolated when omitted."
    )


class RegisterPractitioner(NetworkMutation):
    """Sign up as a practitioner. An e-mail goes to the address given: the account exists once its code is
    confirmed with `confirmRegistration`. The answer never tells whether the address or the RPPS number is
    already registered; only the owner of the address learns it."""

    class Arguments:
        input = RegisterPractitionerInput(required=True, description="The sign-up.")

    accepted = graphene.Boolean(
        required=True,
        description="True when the sign-up was taken and an e-mail sent to its address; false with errors.",
    )
    errors = errors_field(NetworkError)
    error_defaults = {"accepted": False}

    @classmethod
    def perform(cls, root, info, input):
        directory.register_practitioner(
            directory.PractitionerRegistration(
                email=input["email"],
                password=input["password"],
                first_name=input["first_name"],
                last_name=input["last_name"],
                profession_code=input["profession_code"],
                specialty=input.get("specialty") or "",
                rpps=input["rpps"].strip(),
                commune_code=input["commune_code"],
                practice_mode=input.get("practice_mode") or models.PracticeMode.ISOLATED,
            )
        )
        return cls(accepted=True, errors=[])


class ConfirmRegistration(NetworkMutation):
    """Confirm a sign-up with the code e-mailed by `registerPractitioner`: the account and the practitioner
    record are created. Sign in afterwards with `tokenAuth`."""

    class Arguments:
        code = graphene.String(required=True, description="The confirmation code from the e-mail.")

    practitioner = graphene.Field(types.Practitioner, description="The new practitioner.")
    errors = errors_field(NetworkError)

    @classmethod
    def perform(cls, root, info, code):
        return cls(practitioner=directory.confirm_registration(code), errors=[])
