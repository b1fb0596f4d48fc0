"""The enums of the network directory's API, each value described in English (the French labels are for
users)."""

import graphene

from backend.core.graphql import enum_from_choices

from .. import models
from ..errors import NetworkErrorCode
from ..services.composition import CompositionState

MilestoneKindEnum = enum_from_choices(
    models.MilestoneKind,
    "MilestoneKind",
    "A step of an MSP project, in order.",
    {
        "HEALTH_PROJECT_WRITTEN": "The health project (projet de santé) is written.",
        "SISA_CREATED": "The Sisa is created (its SIRET given).",
        "HEALTH_PROJECT_VALIDATED": "The ARS validated the health project.",
        "ACI_SIGNED": "The ACI contract is signed.",
        "PREMISES_SUPPORT_REQUESTED": "An application to the State's real-estate support is filed.",
        "PREMISES_SECURED": "Premises are secured.",
        "OPENED": "The MSP opened.",
    },
)


class ProjectStageEnum(graphene.Enum):
    """How far an MSP project went: the furthest step it reached, or IDEA before any."""

    IDEA = "IDEA"
    HEALTH_PROJECT_WRITTEN = "HEALTH_PROJECT_WRITTEN"
    SISA_CREATED = "SISA_CREATED"
    HEALTH_PROJECT_VALIDATED = "HEALTH_PROJECT_VALIDATED"
    ACI_SIGNED = "ACI_SIGNED"
    PREMISES_SUPPORT_REQUESTED = "PREMISES_SUPPORT_REQUESTED"
    PREMISES_SECURED = "PREMISES_SECURED"
    OPENED = "OPENED"

    class Meta:
        name = "ProjectStage"

    @property
    def description(self):
        return "The idea, before any step." if self.value == "IDEA" else "The furthest step reached."


TraineeKindEnum = enum_from_choices(
    models.TraineeKind,
    "TraineeKind",
    "Whom an MSP takes in training (measure 1 of the plan).",
    {
        "GP_INTERNS": "Interns in general practice.",
        "OTHER_INTERNS": "Interns of other specialties or professions.",
        "SERVICE_SANITAIRE": "Health students of the service sanitaire.",
        "EXTERNS": "Medical students (externs).",
    },
)
MspStatusEnum = enum_from_choices(
    models.MspStatus,
    "MspStatus",
    "Lifecycle status of an MSP.",
    {"PROJECT": "Planned: a project, not yet open.", "OPERATING": "Open and running.", "CLOSED": "Closed."},
)
HubStatusEnum = enum_from_choices(
    models.HubStatus,
    "HubStatus",
    "Status of a hub (tête de pont) designation.",
    {
        "CANDIDATE": "Applied; waiting for the Cnam's decision.",
        "APPROVED": "Designated tête de pont: listed publicly, may publish offers and accept mentees.",
        "SUSPENDED": "Designation suspended by the Cnam.",
    },
)
OfferKindEnum = enum_from_choices(
    models.OfferKind,
    "OfferKind",
    "Kind of support a hub lends to practitioners nearby.",
    {
        "COORDINATION_TIME": "Shared coordination time.",
        "ADVANCED_CONSULTATION": "Advanced consultations: the hub's doctors hold consultations at a remote site, on a rota.",
        "PEER_FACILITATION": "Peer facilitation.",
    },
)
MembershipRoleEnum = enum_from_choices(
    models.MembershipRole,
    "MembershipRole",
    "Role of a practitioner in an MSP.",
    {
        "ASSOCIATE": "Associate of the Sisa (counts towards the minimum composition).",
        "EMPLOYEE": "Employee.",
        "COORDINATOR": "Coordinator: manages the MSP on the platform.",
        "PARTNER": "Partner by agreement (psychologist, social worker, care-home or hospital contact).",
    },
)
PracticeModeEnum = enum_from_choices(
    models.PracticeMode,
    "PracticeMode",
    "How a practitioner practises.",
    {
        "ISOLATED": "On their own, outside any MSP.",
        "MSP_MEMBER": "In an MSP.",
        "PROJECT_HOLDER": "Holds a project of MSP.",
        "HEALTH_CENTRE": "In a health centre.",
    },
)
ProfessionCategoryEnum = enum_from_choices(
    models.ProfessionCategory,
    "ProfessionCategory",
    "Category of a profession: the health professions of the Code de la santé publique, and the others.",
    {
        "MEDICAL": "Medical profession (doctor, dentist, midwife).",
        "PHARMACIST": "Pharmacist.",
        "AUXILIARY": "Auxiliaire médical (nurse, physiotherapist, …).",
        "SUPPORT": "Not a clinician: coordinator, medical assistant, administrative staff.",
        "PARTNER": "Partner of the MSP: psychologist, social worker, care-home or hospital contact.",
    },
)
RppsPolicyEnum = enum_from_choices(
    models.RppsPolicy,
    "RppsPolicy",
    "Whether people of a profession have an RPPS number.",
    {
        "REQUIRED": "Always (health professions).",
        "OPTIONAL": "When they have one (psychologists).",
        "NONE": "Never (coordinators, medical assistants, administrative staff, social workers…).",
    },
)
ZoningEnum = enum_from_choices(
    models.Zoning,
    "Zoning",
    "Medical-desert zoning of a commune, set by its ARS.",
    {
        "NONE": "Not zoned.",
        "ZIP": "Priority intervention zone (ZIP): requests from it come first.",
        "ZAC": "Complementary action zone (ZAC).",
    },
)
CompositionStateEnum = enum_from_choices(
    CompositionState,
    "CompositionState",
    "Whether an MSP meets the minimum composition of a Sisa.",
    {
        "COMPLIANT": "Meets the minimum: 2 doctors and 1 auxiliaire médical among its associates.",
        "GRACE_PERIOD": "Below the minimum after a departure, within the 3-year grace period.",
        "GRACE_EXPIRED": "The 3-year grace period is over.",
        "BELOW_MINIMUM": "Below the minimum composition.",
    },
)
InvitationStatusEnum = enum_from_choices(
    models.InvitationStatus,
    "InvitationStatus",
    "Where an invitation to join an MSP stands.",
    {
        "PENDING": "Waiting for the practitioner's answer.",
        "ACCEPTED": "Accepted: the practitioner is a member.",
        "DECLINED": "Declined by the practitioner.",
        "CANCELLED": "Withdrawn by the MSP.",
    },
)
NetworkErrorCodeEnum = enum_from_choices(
    NetworkErrorCode,
    "NetworkErrorCode",
    "Error codes of network mutations.",
    {
        "INVALID": "A value is invalid.",
        "REQUIRED": "A required value is missing.",
        "UNIQUE": "The value is already in use.",
        "NOT_FOUND": "The object does not exist or is not visible to you.",
        "INVALID_RPPS": "Not a valid RPPS number (11 digits, Luhn key).",
        "INVALID_FINESS": "Not a valid FINESS number.",
        "INVALID_SIRET": "Not a valid SIRET number.",
        "INVALID_COMMUNE_CODE": "Not a valid INSEE commune code.",
        "UNKNOWN_COMMUNE": "No commune has this INSEE code.",
        "UNKNOWN_PROFESSION": "No profession has this code.",
        "RPPS_ALREADY_REGISTERED": "This RPPS number already has an account.",
        "EMAIL_TAKEN": "This e-mail address already has an account.",
        "PASSWORD_TOO_WEAK": "The password is too weak.",
        "FINESS_REQUIRED": "An operating MSP needs a FINESS number.",
        "MAIN_SITE_REQUIRED": "An MSP needs exactly one main site.",
        "ALREADY_MEMBER": "The practitioner is already a member.",
        "MEMBERSHIP_ALREADY_ENDED": "The membership has already ended.",
        "INVALID_DATE_RANGE": "The end date is before the start date.",
        "LAST_COORDINATOR": "The MSP's last coordinator cannot leave or be removed.",
        "NOT_A_PRACTITIONER": "The account is not linked to a practitioner.",
        "MSP_NOT_OPERATING": "Only an operating MSP may do this.",
        "COMPOSITION_BELOW_MINIMUM": "The MSP does not meet the composition rule (nor is within its grace period).",
        "INVALID_HUB_TRANSITION": "The hub cannot go to that status from its current one.",
        "INVITATION_CLOSED": "The invitation has already been answered or withdrawn.",
        "TOO_MANY_PENDING_INVITATIONS": "The MSP has too many invitations without an answer.",
        "TOO_MANY_INVITATIONS": "The person inviting sent too many invitations in the last 24 hours.",
        "INVALID_TOKEN": "Unknown or expired confirmation code.",
        "ALREADY_VERIFIED": "Already confirmed (the MSP, or the practitioner's identity).",
        "RPPS_NOT_VERIFIED": "The account's RPPS is not verified yet (Pro Santé Connect, or the Cnam).",
    },
)
HubDecisionEnum = enum_from_choices(
    models.HubDecision,
    "HubDecision",
    "A decision of the Cnam on a hub that the ARS of its region gives an opinion on.",
    {
        "APPROVAL": "Designating the MSP tête de pont (a candidate or suspended hub).",
        "SUSPENSION": "Suspending an approved designation.",
    },
)
