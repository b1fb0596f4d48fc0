"""What the platform holds about a person, and closing their account (the French data-protection rights: access
and erasure, within what the plan's records need). The one place that reads every domain's tables about one
person, which is why it is in the assembly.

What closing keeps, and why, is said to the person (`KEPT`) before they confirm.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import AuthToken, NotificationPreferences, User
from mentoring.accelerator.models import AcceleratorMessage, AcceleratorRequest, Visibility
from mentoring.models import (
    Booking,
    BookingStatus,
    CalendarFeed,
    MentoringRequest,
    Mentorship,
    MentorshipMessage,
    RequestStatus,
)
from mentoring.services.booking import cancel_booking
from mentoring.services.requests import withdraw_request
from network.models import ContactAccess, Membership, MspInvitation, Practitioner

KEPT = [
    "Votre fiche dans l'annuaire (nom, profession, numéro RPPS, commune d'exercice) : ce sont les données "
    "publiques du répertoire des professionnels de santé, sans votre adresse e-mail.",
    "Vos adhésions passées et présentes aux MSP : la composition d'une MSP, et donc son statut, en dépend.",
    "L'historique de vos rendez-vous et accompagnements : c'est le compte du temps de coordination que les MSP "
    "tête de pont ont donné, que l'Assurance maladie finance et contrôle.",
    "Vos messages dans les échanges avec une MSP tête de pont ou avec la Cnam : ils font aussi partie du "
    "dossier de la personne ou du service qui vous a répondu.",
]


def _rows(queryset, *fields) -> list[dict]:
    return list(queryset.values(*fields))


def export(user: User) -> dict:
    """Everything held about `user`, readable by a person (French keys where it helps, ISO dates)."""
    practitioner = Practitioner.objects.filter(user=user).select_related("profession", "commune").first()
    data = {
        "exporte_le": timezone.now(),
        "compte": {
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "cree_le": user.date_joined,
            "derniere_connexion": user.last_login,
        },
        "preferences_de_notification": _rows(
            NotificationPreferences.objects.filter(user=user), "reminders", "digest"
        ),
        "jetons_api": _rows(
            AuthToken.objects.filter(user=user), "prefix", "created_at", "expires_at", "revoked_at"
        ),
    }
    if practitioner is None:
        return data
    data["professionnel"] = {
        "prenom": practitioner.first_name,
        "nom": practitioner.last_name,
        "profession": practitioner.profession.label,
        "specialite": practitioner.specialty,
        "rpps": practitioner.rpps,
        "rpps_verifie_le": practitioner.rpps_verified_at,
        "commune": practitioner.commune.name,
        "mode_d_exercice": practitioner.practice_mode,
        "email_de_contact": practitioner.email,
    }
    data["adhesions"] = _rows(
        Membership.objects.filter(practitioner=practitioner), "msp__name", "role", "start_date", "end_date"
    )
    data["invitations"] = _rows(
        MspInvitation.objects.filter(practitioner=practitioner), "msp__name", "role", "status", "created_at"
    )
    data["qui_a_consulte_vos_coordonnees"] = _rows(
        ContactAccess.objects.filter(practitioner=practitioner), "viewer_email", "accessed_at"
    )
    data["rendez_vous"] = _rows(
        Booking.objects.filter(practitioner=practitioner),
        "slot__offer__title", "slot__offer__hub__msp__name", "slot__starts_at", "slot__ends_at", "role", "status",
        "answer", "attendance", "created_at", "cancelled_at", "cancel_reason",
    )  # fmt: skip
    data["demandes_d_accompagnement"] = _rows(
        MentoringRequest.objects.filter(requester=practitioner),
        "topics", "message", "commune__name", "radius_km", "status", "hub__msp__name", "created_at",
    )  # fmt: skip
    data["accompagnements"] = _rows(
        Mentorship.objects.filter(mentee=practitioner),
        "hub__msp__name", "starts_on", "ended_on", "hours_per_month", "outcome", "feedback_rating", "feedback_comment",
    )  # fmt: skip
    data["messages_d_accompagnement"] = _rows(
        MentorshipMessage.objects.filter(mentorship__mentee=practitioner),
        "mentorship__hub__msp__name",
        "body",
        "created_at",
    )
    data["questions_a_la_cnam"] = _rows(
        AcceleratorRequest.objects.filter(requester=practitioner),
        "subject", "body", "category", "state", "created_at", "satisfaction_rating", "satisfaction_comment",
    )  # fmt: skip
    data["reponses_de_la_cnam"] = _rows(
        AcceleratorMessage.objects.filter(request__requester=practitioner, visibility=Visibility.PUBLIC),
        "request__subject", "body", "created_at",
    )  # fmt: skip
    data["agenda_partage"] = CalendarFeed.objects.filter(practitioner=practitioner).exists()
    return data


def export_json(user: User) -> str:
    return json.dumps(export(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


@transaction.atomic
def close_account(user: User) -> None:
    """What is pending is cancelled through the domains' own rules (a freed seat goes to the next in line, a
    hub is told of a withdrawn request); the account can no longer sign in and no longer carries the person's
    address; what `KEPT` lists stays."""
    practitioner = Practitioner.objects.select_for_update().filter(user=user).first()
    if practitioner is not None:
        upcoming = Booking.objects.filter(
            practitioner=practitioner,
            status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED],
            slot__starts_at__gt=timezone.now(),
        )
        for booking in upcoming:
            cancel_booking(booking, "Compte fermé")
        pending = [RequestStatus.OPEN, RequestStatus.SENT, RequestStatus.INFO_REQUESTED]
        for request in MentoringRequest.objects.filter(requester=practitioner, status__in=pending):
            withdraw_request(request, "Compte fermé")
        CalendarFeed.objects.filter(practitioner=practitioner).delete()
        practitioner.user = None
        practitioner.email = ""
        practitioner.save(update_fields=["user", "email"])
    AuthToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    NotificationPreferences.objects.filter(user=user).delete()
    user.is_active = False
    user.email = f"compte-ferme-{user.pk}@invalid"
    user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.save()
