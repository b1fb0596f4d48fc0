"""GraphQL types of the territories and professions: public reference data."""

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from backend.core.pagination import CountableConnection

from .. import models
from .enums import ProfessionCategoryEnum, RppsPolicyEnum, ZoningEnum


class Region(graphene.ObjectType):
    """A French region (13 metropolitan, 5 overseas); each has its ARS."""

    code = graphene.String(required=True, description="INSEE region code, e.g. 44 (Grand Est).")
    name = graphene.String(required=True, description="Region name.")
    departments = graphene.List(
        graphene.NonNull(lambda: Department), required=True, description="Its departments, by code."
    )

    def resolve_departments(self, info):
        return list(models.Department.objects.filter(region_id=self.code).order_by("code"))


class Department(graphene.ObjectType):
    """A French department."""

    code = graphene.String(required=True, description="INSEE department code, e.g. 51, 2A, 974.")
    name = graphene.String(required=True, description="Department name.")
    region = graphene.Field(Region, required=True, description="Region the department belongs to.")
    time_zone = graphene.String(
        required=True, description="IANA time zone of the department, e.g. Indian/Reunion."
    )


class Commune(DjangoObjectType):
    """A French commune, with the coordinates used for distances."""

    code = graphene.String(
        required=True, description="INSEE commune code (not a postal code), e.g. 51504, 2A004."
    )
    name = graphene.String(required=True, description="Commune name.")
    department = graphene.Field(Department, required=True, description="Department of the commune.")
    postal_codes = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Postal codes serving the commune."
    )
    latitude = graphene.Float(required=True, description="Latitude of the commune centre (WGS 84).")
    longitude = graphene.Float(required=True, description="Longitude of the commune centre (WGS 84).")
    population = graphene.Int(required=True, description="Municipal population (INSEE).")
    zoning = graphene.Field(
        ZoningEnum, required=True, description="Medical-desert zoning (ZIP, ZAC or none)."
    )
    time_zone = graphene.String(required=True, description="IANA time zone of the commune.")

    class Meta:
        model = models.Commune
        interfaces = (relay.Node,)
        fields = (
            "code",
            "name",
            "department",
            "postal_codes",
            "latitude",
            "longitude",
            "population",
            "zoning",
        )
        connection_class = CountableConnection
        description = "A French commune, with the coordinates used for distances."

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.select_related("department__region")


class Profession(DjangoObjectType):
    """A profession: TRE_G15's health professions, and the MSPs' other trades (X-…)."""

    code = graphene.String(
        required=True,
        description="TRE_G15 code, e.g. 10 (Médecin), 60 (Infirmier); X-… for the other trades.",
    )
    label = graphene.String(required=True, description="French label of the profession.")
    category = graphene.Field(
        ProfessionCategoryEnum, required=True, description="Category of the profession."
    )
    rpps_policy = graphene.Field(
        RppsPolicyEnum, required=True, description="Whether its members have an RPPS number."
    )

    class Meta:
        model = models.Profession
        fields = ("code", "label", "category", "rpps_policy")
        description = (
            "A profession: a health profession of the ANS nomenclature TRE_G15, or another trade of the MSPs "
            "(coordinator, medical assistant, administrative staff, partners), coded X-…."
        )
