"""Who may call an operation: the permissions each query, mutation and subscription declares.

An operation declares the permissions that let a caller in (any one of them suffices); the base
classes check them before any resolver runs (`gate`), and write them into the operation's description
("Requires: …"), so `schema.graphql` documents access. Which rows a caller then sees or changes is the
business of each type's one scoping function (`*_visible_to`), not of these.

Two kinds of permission:
- a **right** held by the account: a Django permission given through the "Cnam" group (Cnam staff)
  or to administrators (who hold them all);
- a **role** read from the data: a practitioner's account, the coordination of an MSP (or of the hub it
  holds), an ARS agent's region. The gate asks only whether the caller holds the role somewhere; which MSP or hub, the operation
  checks on the object it names, through the type's scoping.
"""

from __future__ import annotations

from enum import Enum

from django.contrib.auth.models import Group
from django.contrib.auth.models import Permission as DjangoPermission
from graphql import GraphQLError

from .viewer import viewer_for

# Cnam staff: the members of this group. Its rights are `CNAM_STAFF` below, given at `migrate` by each app
# with the back-office read rights on its own models (`grant_cnam_staff`).
CNAM_STAFF_GROUP = "Cnam"


class Permission(Enum):
    """A permission an operation may declare. Value: (Django permission or None, English description,
    French refusal)."""

    ANYONE = (None, "anyone, signed in or not", "")
    SIGNED_IN = (None, "a signed-in user", "Authentification requise.")
    PRACTITIONER = (
        None,
        "a signed-in practitioner (an account linked to a practitioner record)",
        "Réservé aux professionnels de santé inscrits.",
    )
    MSP_COORDINATOR = (
        None,
        "a coordinator of the MSP concerned (or MANAGE_ANY_MSP)",
        "Réservé aux coordinateurs de la MSP.",
    )
    HUB_COORDINATOR = (
        None,
        "a coordinator of the hub concerned (or MANAGE_ANY_MSP)",
        "Réservé aux coordinateurs de la MSP tête de pont.",
    )
    ARS_AGENT = (
        None,
        "an agent of a regional health agency (ARS), for their region (or MANAGE_ANY_MSP)",
        "Réservé aux agents des agences régionales de santé (ARS).",
    )
    ACCELERATOR_STAFF = (
        "mentoring.handle_acceleratorrequest",
        "Cnam staff of the accelerator",
        "Réservé à l'équipe de l'accélérateur de la Cnam.",
    )
    FOLLOW_SIGNALS = (
        "observatory.follow_weaksignal",
        "Cnam staff who follow the weak signals of the whole country",
        "Réservé à l'équipe de la Cnam.",
    )
    APPROVE_HUBS = ("network.approve_hub", "Cnam staff who designate hubs", "Réservé à l'équipe de la Cnam.")
    VERIFY_MSP = (
        "network.verify_msp",
        "Cnam staff who confirm declared MSPs and check practitioners' identity (RPPS)",
        "Réservé à l'équipe de la Cnam.",
    )
    VIEW_CONTACT_DETAILS = (
        "network.view_contact_details",
        "Cnam staff who may read practitioners' contact details",
        "Réservé à l'équipe de la Cnam.",
    )
    MANAGE_ANY_MSP = (
        "network.change_msp",
        "administrators, who may change any MSP",
        "Réservé aux administrateurs.",
    )

    def __init__(self, django_permission, description, refusal):
        self.django_permission = django_permission
        self.description = description
        self.refusal = refusal

    def holds(self, viewer) -> bool:
        """Whether the viewer (network.permissions.Viewer) holds this permission somewhere."""
        if self is Permission.ANYONE:
            return True
        if not viewer.is_authenticated:
            return False
        if self.django_permission is not None:
            return viewer.has_perm(self.django_permission)
        if self is Permission.SIGNED_IN:
            return True
        if self is Permission.PRACTITIONER:
            return viewer.practitioner is not None
        if self in (Permission.MSP_COORDINATOR, Permission.HUB_COORDINATOR):
            # At the gate, coordinating some MSP; which MSP or hub, the operation checks on the object it names
            # (a coordinator of another MSP then learns nothing: NOT_FOUND, as for anybody who may not see it).
            manages_any = viewer.has_perm(Permission.MANAGE_ANY_MSP.django_permission)
            return bool(viewer.coordinated_msp_ids) or manages_any
        if self is Permission.ARS_AGENT:
            # At the gate, working for some ARS; which region's objects, the operation checks on what it names.
            manages_any = viewer.has_perm(Permission.MANAGE_ANY_MSP.django_permission)
            return viewer.ars_region_code is not None or manages_any
        raise AssertionError(self)  # pragma: no cover


# What Cnam staff may do through the API: the whole of "Cnam staff", in one place.
CNAM_STAFF = (
    Permission.ACCELERATOR_STAFF,
    Permission.FOLLOW_SIGNALS,
    Permission.APPROVE_HUBS,
    Permission.VERIFY_MSP,
    Permission.VIEW_CONTACT_DETAILS,
)


def grant_cnam_staff(app_label: str, back_office: list[str], using: str = "default") -> None:
    """Give the Cnam group the `CNAM_STAFF` permissions of `app_label` and its `back_office` codenames
    (run after `migrate`, by each app for its own models)."""
    own = [
        p.django_permission.split(".")[1]
        for p in CNAM_STAFF
        if p.django_permission.startswith(f"{app_label}.")
    ]
    group, _ = Group.objects.using(using).get_or_create(name=CNAM_STAFF_GROUP)
    group.permissions.add(
        *DjangoPermission.objects.using(using).filter(
            content_type__app_label=app_label, codename__in=[*own, *back_office]
        )
    )


def requirement(permissions) -> str:
    """The sentence written into an operation's description."""
    if Permission.ANYONE in permissions:
        return "Requires: nothing (open to anyone)."
    return "Requires: " + "; or ".join(f"{p.name} ({p.description})" for p in permissions) + "."


class Refused(GraphQLError):
    """A caller without any of the operation's permissions: UNAUTHENTICATED when anonymous, else FORBIDDEN;
    `extensions.requires` names what would let them in."""

    def __init__(self, permissions, authenticated: bool):
        names = [p.name for p in permissions]
        if not authenticated:
            super().__init__(
                "Authentification requise.", extensions={"code": "UNAUTHENTICATED", "requires": names}
            )
            return
        message = next(
            (p.refusal for p in permissions if p.refusal),
            "Vous n'avez pas le droit d'effectuer cette action.",
        )
        super().__init__(message, extensions={"code": "FORBIDDEN", "requires": names})


def gate(info, permissions) -> None:
    """Let the caller through if they hold one of the permissions; otherwise raise `Refused`."""
    viewer = viewer_for(info.context)
    if not any(permission.holds(viewer) for permission in permissions):
        raise Refused(permissions, viewer.is_authenticated)
