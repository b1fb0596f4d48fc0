"""Inputs of the network directory's API: filters, points, and what mutations take."""

import graphene
from django.core.exceptions import ValidationError

from backend.core.graphql import bad_input

from ..services.directory import get_commune
from . import enums

# --- Filters and points --------------------------------------------------------------------------


class MspFilterInput(graphene.InputObjectType):
    """Filters on the MSP directory; all given filters apply together."""

    search = graphene.String(description="Words of the MSP's name (accents and case ignored).")
    status = graphene.List(graphene.NonNull(enums.MspStatusEnum), description="Only MSPs in these statuses.")
    department_code = graphene.String(description="Only MSPs with a site in this department (INSEE code).")
    region_code = graphene.String(description="Only MSPs with a site in this region (INSEE code).")
    commune_code = graphene.String(description="Only MSPs with a site in this commune (INSEE code).")
    is_hub = graphene.Boolean(description="True: only approved hubs; false: only MSPs that are not.")
    takes_trainees = graphene.Field(
        enums.TraineeKindEnum, description="Only MSPs that take these students or interns in training."
    )


class HubFilterInput(graphene.InputObjectType):
    """Filters on hubs; all given filters apply together."""

    search = graphene.String(description="Words of the MSP's name (accents and case ignored).")
    status = graphene.List(
        graphene.NonNull(enums.HubStatusEnum),
        description="Only hubs in these statuses (candidates and suspended hubs are visible to Cnam staff and "
        "their own coordinators only).",
    )
    offer_kind = graphene.Field(enums.OfferKindEnum, description="Only hubs providing this kind of support.")
    department_code = graphene.String(description="Only hubs with a site in this department (INSEE code).")
    region_code = graphene.String(description="Only hubs with a site in this region (INSEE code).")
    takes_trainees = graphene.Field(
        enums.TraineeKindEnum, description="Only hubs whose MSP takes these students or interns in training."
    )


class PractitionerFilterInput(graphene.InputObjectType):
    """Filters on practitioners; all given filters apply together."""

    search = graphene.String(description="Words of the practitioner's name (case ignored).")
    profession_code = graphene.String(description="TRE_G15 profession code.")
    practice_mode = graphene.Field(enums.PracticeModeEnum, description="Practice mode.")
    commune_code = graphene.String(description="Commune of practice (INSEE code).")
    department_code = graphene.String(description="Department of practice (INSEE code).")
    msp_id = graphene.ID(description="Only current members of this MSP.")


class NearPointInput(graphene.InputObjectType):
    """A point, given either as a commune (its centre) or as coordinates."""

    commune_code = graphene.String(description="INSEE code of a commune; its centre is used.")
    latitude = graphene.Float(description="Latitude (WGS 84), with `longitude`.")
    longitude = graphene.Float(description="Longitude (WGS 84), with `latitude`.")


def resolve_point(near) -> tuple[float, float]:
    """The coordinates of a NearPointInput (a commune's centre, or the coordinates given), or BAD_USER_INPUT."""
    has_code = bool(near.get("commune_code"))
    has_coords = near.get("latitude") is not None and near.get("longitude") is not None
    if has_code == has_coords:
        raise bad_input("Indiquez soit un code commune, soit une latitude et une longitude.")
    if has_code:
        try:
            commune = get_commune(near["commune_code"])
        except ValidationError as exc:
            raise bad_input(" ".join(exc.messages)) from exc
        return commune.latitude, commune.longitude
    latitude, longitude = near["latitude"], near["longitude"]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_input("Coordonnées hors limites (latitude -90 à 90, longitude -180 à 180).")
    return latitude, longitude


# --- MSPs, hubs, sign-up ---------------------------------------------------------------------------


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
    status = graphene.Field(enums.MspStatusEnum, description="Lifecycle status.")
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


class HubApplicationInput(graphene.InputObjectType):
    """What a hub offers."""

    service_radius_km = graphene.Int(
        required=True, description="Radius (km) served around the MSP's sites, 1 to 200."
    )
    monthly_coordination_hours = graphene.Float(
        required=True, description="Coordination hours lent each month."
    )
    offer_kinds = graphene.List(
        graphene.NonNull(enums.OfferKindEnum), required=True, description="Kinds of support provided."
    )


class RegisterPractitionerInput(graphene.InputObjectType):
    """A practitioner's sign-up: their account and their professional record."""

    email = graphene.String(required=True, description="E-mail, used to sign in.")
    password = graphene.String(
        required=True, description="Password (10 characters at least, not too common)."
    )
    first_name = graphene.String(required=True, description="First name.")
    last_name = graphene.String(required=True, description="Last name.")
    profession_code = graphene.String(
        required=True,
        description="Profession code: TRE_G15 for health professions, X-… for the others (X-COORD coordinator, "
        "X-AM medical assistant, X-ADMIN administrative staff, X-PSY psychologist, X-SOCIAL social worker, "
        "X-ESMS care-home or hospital contact).",
    )
    specialty = graphene.String(
        description="Specialty (e.g. SM54 for general practice; IPA-PCS, IPA-ONC, IPA-MRC, IPA-PSY or IPA-URG for "
        "an advanced practice nurse)."
    )
    rpps = graphene.String(
        description="RPPS number (11 digits): required for health professions, left out by those without one."
    )
    commune_code = graphene.String(required=True, description="INSEE code of the commune of practice.")
    practice_mode = graphene.Field(
        enums.PracticeModeEnum, description="How the practitioner practises; isolated when omitted."
    )
