"""GraphQL types of the network directory. Scoping lives in `get_queryset` and permissions.py."""

import graphene
from django.db.models import Prefetch
from graphene import relay
from graphene_django import DjangoObjectType

from backend.core.graphql import LoadedNode, selected_any
from backend.core.pagination import CAPPED_LIST_DEFAULT, CountableConnection, capped, capped_list_first

from .. import models
from ..permissions import (
    can_read_ars_opinions,
    can_read_milestones,
    can_see_hub,
    hubs_visible_to,
    invitations_visible_to,
    viewer_for,
)
from ..services import milestones
from ..services.composition import composition_of
from ..services.hubs import LOADED_MEMBERSHIPS, LOADED_OPINIONS, LOADED_SITES, msp_prefetches
from .enums import (
    CompositionStateEnum,
    HubDecisionEnum,
    HubStatusEnum,
    InvitationStatusEnum,
    MembershipRoleEnum,
    MspStatusEnum,
    OfferKindEnum,
    PracticeModeEnum,
    ProjectStageEnum,
)
from .project_types import ProjectMilestone, TrainingPlace
from .territory_types import Commune, Profession


class Practitioner(DjangoObjectType):
    """A health professional. E-mail and RPPS are shown only to those allowed to see them."""

    first_name = graphene.String(required=True, description="First name.")
    last_name = graphene.String(required=True, description="Last name.")
    full_name = graphene.String(required=True, description="First and last name.")
    profession = graphene.Field(Profession, required=True, description="Profession (TRE_G15).")
    specialty = graphene.String(
        required=True, description="Specialty, e.g. SM54 for general practice; may be empty."
    )
    rpps = graphene.String(
        description="RPPS number; null unless the viewer is the practitioner, a coordinator of one of their "
        "MSPs, Cnam staff or an admin."
    )
    email = graphene.String(description="Contact e-mail; same visibility as `rpps`.")
    rpps_verified = graphene.Boolean(
        required=True,
        description="Whether the practitioner's identity (RPPS) is proved: by Pro Santé Connect, or checked by "
        "the Cnam. A claim not yet proved opens no invitation addressed to that RPPS, no coordination of an MSP "
        "others have joined and no member's contact details.",
    )
    is_advanced_practice_nurse = graphene.Boolean(
        required=True,
        description="An advanced practice nurse (IPA): a nurse with an IPA mention as specialty.",
    )
    commune = graphene.Field(Commune, required=True, description="Commune of practice.")
    practice_mode = graphene.Field(
        PracticeModeEnum, required=True, description="How the practitioner practises."
    )
    memberships = graphene.List(
        graphene.NonNull(lambda: Membership),
        required=True,
        include_ended=graphene.Boolean(
            default_value=False, description="Also list memberships that have ended."
        ),
        first=capped_list_first(),
        description="The practitioner's places in MSPs.",
    )

    class Meta:
        model = models.Practitioner
        interfaces = (relay.Node,)
        fields = (
            "first_name",
            "last_name",
            "profession",
            "specialty",
            "rpps",
            "email",
            "commune",
            "practice_mode",
            "rpps_verified",
        )
        connection_class = CountableConnection
        description = "A health professional. E-mail and RPPS are shown only to those allowed to see them."

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.select_related("profession", "commune__department__region")

    def resolve_rpps(self, info):
        return self.rpps if viewer_for(info.context).read_contact(self) else None

    def resolve_email(self, info):
        return self.email if viewer_for(info.context).read_contact(self) else None

    def resolve_memberships(self, info, include_ended=False, first=CAPPED_LIST_DEFAULT):
        if not include_ended and hasattr(self, "current_memberships"):
            return capped(self.current_memberships, first, "memberships")  # prefetched by list queries
        memberships = self.memberships.select_related("msp")
        return capped(memberships if include_ended else memberships.current(), first, "memberships")


class Composition(graphene.ObjectType):
    """Whether an MSP meets the minimum composition of a Sisa (2 doctors and 1 auxiliaire médical among its
    associates), and if not, since when and until when its 3-year grace period runs."""

    state = graphene.Field(CompositionStateEnum, required=True, description="Compliance state today.")
    meets_minimum = graphene.Boolean(
        required=True, description="True when the minimum composition is met today."
    )
    doctors = graphene.Int(required=True, description="Current associate doctors.")
    auxiliaries = graphene.Int(required=True, description="Current associate auxiliaires médicaux.")
    below_minimum_since = graphene.Date(
        description="Date the MSP fell below the minimum; null when compliant."
    )
    grace_period_ends_on = graphene.Date(
        description="End of the grace period (one doctor and two auxiliaires médicaux, up to 3 years after "
        "the departure); null when it does not apply."
    )


class MspSite(LoadedNode, DjangoObjectType):
    """A site of an MSP (multi-site MSPs have several)."""

    name = graphene.String(
        required=True, description="Name of the site, e.g. « Antenne de Saint-Clément »; may be empty."
    )
    address = graphene.String(required=True, description="Street address.")
    commune = graphene.Field(Commune, required=True, description="Commune of the site.")
    latitude = graphene.Float(required=True, description="Latitude of the site (WGS 84).")
    longitude = graphene.Float(required=True, description="Longitude of the site (WGS 84).")
    is_main = graphene.Boolean(required=True, description="True for the MSP's main site.")
    msp = graphene.Field(lambda: Msp, required=True, description="The MSP this site belongs to.")

    class Meta:
        model = models.MspSite
        interfaces = (relay.Node,)
        fields = ("name", "address", "commune", "latitude", "longitude", "is_main", "msp")
        description = "A site of an MSP (multi-site MSPs have several)."

    @classmethod
    def loading(cls, paths):
        msp_paths = {path.removeprefix("msp.") for path in paths if path.startswith("msp.")}
        return ["msp", "commune__department__region"], Msp.loading(msp_paths, prefix="msp__")[1]


class Membership(DjangoObjectType):
    """A practitioner's place in an MSP over a period; ended memberships stay in history."""

    msp = graphene.Field(lambda: Msp, required=True, description="The MSP.")
    practitioner = graphene.Field(Practitioner, required=True, description="The member.")
    role = graphene.Field(MembershipRoleEnum, required=True, description="Role in the MSP.")
    start_date = graphene.Date(required=True, description="First day of membership.")
    end_date = graphene.Date(
        description="First day the practitioner is no longer a member; null while current."
    )
    is_current = graphene.Boolean(required=True, description="True if the membership is in force today.")

    class Meta:
        model = models.Membership
        interfaces = (relay.Node,)
        fields = ("msp", "practitioner", "role", "start_date", "end_date")
        description = "A practitioner's place in an MSP over a period; ended memberships stay in history."

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.select_related("msp", "practitioner__profession")

    def resolve_is_current(self, info):
        return self.is_current()


class MspInvitation(DjangoObjectType):
    """An invitation to join an MSP: the practitioner becomes a member only by accepting it."""

    msp = graphene.Field(lambda: Msp, required=True, description="The MSP that invites.")
    role = graphene.Field(MembershipRoleEnum, required=True, description="Role offered in the MSP.")
    start_date = graphene.Date(description="Proposed first day of membership; the day of acceptance if null.")
    status = graphene.Field(InvitationStatusEnum, required=True, description="Where the invitation stands.")
    practitioner = graphene.Field(
        Practitioner,
        description="The invitee: given when invited by directory record, or once they have accepted; "
        "null while an invitation by RPPS waits (whether that RPPS is registered is never shown).",
    )
    rpps = graphene.String(description="The RPPS number the invitation was sent to, if sent by RPPS.")
    created_at = graphene.DateTime(required=True, description="When the invitation was sent.")
    responded_at = graphene.DateTime(description="When it was accepted, declined or cancelled.")
    membership = graphene.Field(Membership, description="The membership that accepting it started.")

    class Meta:
        model = models.MspInvitation
        interfaces = (relay.Node,)
        fields = (
            "msp",
            "role",
            "start_date",
            "status",
            "practitioner",
            "rpps",
            "created_at",
            "responded_at",
            "membership",
        )
        description = "An invitation to join an MSP: the practitioner becomes a member only by accepting it."

    @classmethod
    def get_queryset(cls, queryset, info):
        return invitations_visible_to(queryset, viewer_for(info.context)).select_related("msp")

    def resolve_rpps(self, info):
        return self.rpps or None


def _memberships(msp) -> list:
    # The list loaded by list queries and `node` when present, so a page costs the same whatever its size.
    loaded = getattr(msp, LOADED_MEMBERSHIPS, None)
    return loaded if loaded is not None else list(msp.memberships.all())


def _sites(msp) -> list:
    loaded = getattr(msp, LOADED_SITES, None)
    return loaded if loaded is not None else list(msp.sites.all())


# Fields of an MSP that read its members or its sites (prefetched together when one is selected).
MSP_MEMBER_FIELDS = ("memberships", "memberCount", "composition")
MSP_SITE_FIELDS = ("sites", "mainSite")


class Msp(LoadedNode, DjangoObjectType):
    """A maison de santé pluriprofessionnelle (public directory)."""

    name = graphene.String(required=True, description="Name of the MSP.")
    finess = graphene.String(description="FINESS number (category 603); null while the MSP is in project.")
    status = graphene.Field(MspStatusEnum, required=True, description="Lifecycle status.")
    opening_date = graphene.Date(description="Opening date, if open.")
    siret = graphene.String(description="SIRET of the MSP's Sisa, if registered.")
    themes = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Themes of the health project (projet de santé).",
    )
    sites = graphene.List(graphene.NonNull(MspSite), required=True, description="Sites, the main site first.")
    main_site = graphene.Field(MspSite, description="The main site.")
    memberships = graphene.List(
        graphene.NonNull(Membership),
        required=True,
        include_ended=graphene.Boolean(
            default_value=False, description="Also list memberships that have ended."
        ),
        first=capped_list_first(),
        description="Members of the MSP with their roles.",
    )
    member_count = graphene.Int(required=True, description="Number of distinct current members.")
    verified = graphene.Boolean(
        required=True,
        description="True once the Cnam has confirmed the declared MSP; until then its coordinators see no "
        "member's contact details.",
    )
    composition = graphene.Field(Composition, required=True, description="Minimum-composition rule, today.")
    hub = graphene.Field(
        lambda: Hub,
        description="The MSP's hub (tête de pont) designation; a candidate or suspended one is shown only to "
        "its coordinators and Cnam staff.",
    )
    milestones = graphene.List(
        graphene.NonNull(lambda: ProjectMilestone),
        required=True,
        description="The project's steps reached, in date order: for its members, the ARS of its region and the "
        "Cnam (empty for others; the hubs mentoring a member read them on the mentorship).",
    )
    project_stage = graphene.Field(
        ProjectStageEnum, description="The furthest step reached (IDEA before any): for the same readers."
    )
    training = graphene.Field(
        lambda: TrainingPlace,
        description="Whom the MSP takes in training (students and interns), if it does: public.",
    )

    class Meta:
        model = models.Msp
        interfaces = (relay.Node,)
        fields = (
            "name",
            "finess",
            "status",
            "opening_date",
            "siret",
            "themes",
            "sites",
            "memberships",
            "hub",
        )
        connection_class = CountableConnection
        description = "A maison de santé pluriprofessionnelle (public directory)."

    @classmethod
    def loading(cls, paths, prefix: str = ""):
        """The prefetches that the selected `paths` of MSPs (under `prefix`, e.g. "msp__") need."""
        prefetches = msp_prefetches(
            prefix,
            sites=selected_any(paths, *MSP_SITE_FIELDS),
            members=selected_any(paths, *MSP_MEMBER_FIELDS),
            member_communes=selected_any(paths, "memberships.practitioner.commune"),
            site_regions=selected_any(
                paths, "sites.commune.department.region", "mainSite.commune.department.region"
            ),
        )
        return (["hub"] if selected_any(paths, "hub") else []), prefetches

    def resolve_milestones(self, info):
        if not can_read_milestones(self, viewer_for(info.context)):
            return []
        return list(self.milestones.select_related("recorded_by"))

    def resolve_project_stage(self, info):
        if not can_read_milestones(self, viewer_for(info.context)):
            return None
        return milestones.stage_of(self.milestones.values_list("kind", flat=True))

    def resolve_training(self, info):
        try:
            return self.training
        except models.TrainingPlace.DoesNotExist:
            return None

    def resolve_siret(self, info):
        return self.siret or None

    def resolve_verified(self, info):
        return self.verified_at is not None

    def resolve_sites(self, info):
        return _sites(self)

    def resolve_main_site(self, info):
        return next((s for s in _sites(self) if s.is_main), None)

    def resolve_memberships(self, info, include_ended=False, first=CAPPED_LIST_DEFAULT):
        memberships = _memberships(self)
        return capped(
            memberships if include_ended else [m for m in memberships if m.is_current()], first, "memberships"
        )

    def resolve_member_count(self, info):
        return len({m.practitioner_id for m in _memberships(self) if m.is_current()})

    def resolve_composition(self, info):
        return composition_of(_memberships(self))

    def resolve_hub(self, info):
        hub = getattr(self, "hub", None)
        if hub is None or not can_see_hub(hub, viewer_for(info.context)):
            return None
        return hub


class Hub(LoadedNode, DjangoObjectType):
    """An MSP designated (or applying to be) "tête de pont": it lends coordination time, holds advanced
    consultations and facilitates peers around it."""

    msp = graphene.Field(Msp, required=True, description="The MSP holding the designation.")
    status = graphene.Field(HubStatusEnum, required=True, description="Designation status.")
    service_radius_km = graphene.Int(
        required=True, description="Radius (km) around its sites that the hub serves."
    )
    monthly_coordination_hours = graphene.Float(
        required=True, description="Coordination hours the hub can lend each month."
    )
    offer_kinds = graphene.List(
        graphene.NonNull(OfferKindEnum), required=True, description="Kinds of support the hub provides."
    )
    applied_at = graphene.DateTime(required=True, description="When the MSP applied.")
    approved_at = graphene.DateTime(description="When the designation was last approved.")
    suspended_at = graphene.DateTime(description="When the designation was suspended, if it is.")
    suspension_reason = graphene.String(
        description="Why it was suspended; shown to the MSP's coordinators, the ARS of its region and Cnam "
        "staff only."
    )
    approval_reason = graphene.String(
        description="Why the Cnam designated it against the ARS's unfavourable opinion, if it did; shown to the "
        "MSP's coordinators, the ARS of its region and Cnam staff only."
    )
    ars_opinions = graphene.List(
        graphene.NonNull(lambda: HubArsOpinion),
        required=True,
        description="The opinions of the ARS of the hub's region, newest first: for Cnam staff and that ARS "
        "(empty for anyone else).",
    )

    class Meta:
        model = models.HubDesignation
        interfaces = (relay.Node,)
        fields = (
            "msp",
            "status",
            "service_radius_km",
            "monthly_coordination_hours",
            "offer_kinds",
            "applied_at",
            "approved_at",
            "suspended_at",
            "suspension_reason",
        )
        connection_class = CountableConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return hubs_visible_to(queryset, viewer_for(info.context))

    @classmethod
    def loading(cls, paths):
        msp_paths = {path.removeprefix("msp.") for path in paths if path.startswith("msp.")}
        prefetches = Msp.loading(msp_paths, prefix="msp__")[1]
        if selected_any(paths, "arsOpinions", "suspensionReason", "approvalReason"):
            # Who may read them depends on the hub's region (its main site's): the sites come with the hubs,
            # and so do the opinions, instead of two queries a hub.
            if not selected_any(msp_paths, *MSP_SITE_FIELDS):
                prefetches += msp_prefetches("msp__", members=False, site_regions=False)
            prefetches.append(
                Prefetch(
                    "ars_opinions",
                    queryset=models.HubOpinion.objects.select_related("region", "author"),
                    to_attr=LOADED_OPINIONS,
                )
            )
        return ["msp"], prefetches

    def resolve_monthly_coordination_hours(self, info):
        return float(self.monthly_coordination_hours)

    def resolve_ars_opinions(self, info):
        if not can_read_ars_opinions(self, viewer_for(info.context)):
            return []
        loaded = getattr(self, LOADED_OPINIONS, None)
        return loaded if loaded is not None else list(self.ars_opinions.select_related("region", "author"))

    def resolve_approval_reason(self, info):
        viewer = viewer_for(info.context)
        if viewer.coordinates(self.msp_id) or can_read_ars_opinions(self, viewer):
            return self.approval_reason or None
        return None

    def resolve_suspension_reason(self, info):
        viewer = viewer_for(info.context)
        if viewer.coordinates(self.msp_id) or can_read_ars_opinions(self, viewer):
            return self.suspension_reason or None
        return None


class HubArsOpinion(graphene.ObjectType):
    """The opinion of the ARS of a hub's region on a decision about it, for the Cnam to read first."""

    decision = graphene.Field(HubDecisionEnum, required=True, description="The decision it is about.")
    favourable = graphene.Boolean(required=True, description="Whether the ARS is in favour of it.")
    reason = graphene.String(required=True, description="Why, in French.")
    region_name = graphene.String(required=True, description="The ARS that gave it (its region).")
    author_name = graphene.String(description="The agent who gave it.")
    created_at = graphene.DateTime(required=True, description="When it was given.")

    def resolve_region_name(self, info):
        return self.region.name

    def resolve_author_name(self, info):
        return self.author.get_full_name() or self.author.email if self.author else None


class NearbyHub(graphene.ObjectType):
    """A hub near a point, with its distance."""

    hub = graphene.Field(Hub, required=True, description="The hub.")
    distance_km = graphene.Float(
        required=True, description="Distance (km) from the point to the hub's nearest site."
    )
