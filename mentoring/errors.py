from django.core.exceptions import ValidationError
from django.db import models


class MentoringErrorCode(models.TextChoices):
    """Error codes of mentoring mutations (exposed as a GraphQL enum)."""

    INVALID = "INVALID", "Valeur invalide"
    REQUIRED = "REQUIRED", "Valeur obligatoire"
    NOT_FOUND = "NOT_FOUND", "Objet introuvable"
    INVALID_COMMUNE_CODE = "INVALID_COMMUNE_CODE", "Code commune invalide"
    UNKNOWN_COMMUNE = "UNKNOWN_COMMUNE", "Commune inconnue"
    SLOT_FULL = "SLOT_FULL", "Créneau complet"
    SLOT_CANCELLED = "SLOT_CANCELLED", "Créneau annulé"
    SLOT_IN_PAST = "SLOT_IN_PAST", "Créneau passé"
    ALREADY_BOOKED = "ALREADY_BOOKED", "Déjà réservé"
    OVERLAPPING_BOOKING = "OVERLAPPING_BOOKING", "Réservation en chevauchement"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED", "Clé d'idempotence déjà utilisée"
    BOOKING_ALREADY_CANCELLED = "BOOKING_ALREADY_CANCELLED", "Réservation déjà annulée"
    INVALID_RULE = "INVALID_RULE", "Règle de récurrence invalide"
    STAFF_UNAVAILABLE = "STAFF_UNAVAILABLE", "Intervenant déjà engagé"
    NOT_A_MEMBER = "NOT_A_MEMBER", "Pas membre de la MSP"
    HUB_NOT_APPROVED = "HUB_NOT_APPROVED", "MSP pas désignée tête de pont"
    NOT_A_PRACTITIONER = "NOT_A_PRACTITIONER", "Compte non lié à un professionnel"
    TOO_MANY_OPEN_REQUESTS = "TOO_MANY_OPEN_REQUESTS", "Trop de demandes en cours"
    INVALID_TRANSITION = "INVALID_TRANSITION", "Changement d'état impossible"
    NO_MATCHING_HUB = "NO_MATCHING_HUB", "Aucune MSP tête de pont ne correspond"
    HUB_NOT_ELIGIBLE = "HUB_NOT_ELIGIBLE", "MSP tête de pont hors critères"
    HUB_CAPACITY_EXCEEDED = "HUB_CAPACITY_EXCEEDED", "Capacité mensuelle de la MSP dépassée"
    ALREADY_MENTORED = "ALREADY_MENTORED", "Accompagnement déjà en cours"
    MENTORSHIP_ENDED = "MENTORSHIP_ENDED", "Accompagnement terminé"
    CAPACITY_BELOW_BOOKINGS = "CAPACITY_BELOW_BOOKINGS", "Moins de places que de réservations"
    SLOT_STARTED = "SLOT_STARTED", "Créneau commencé"
    STAFF_TURN = "STAFF_TURN", "Tour de garde (à décliner ou échanger)"
    TOO_LATE = "TOO_LATE", "Délai de prévenance dépassé"
    NOT_YET_STARTED = "NOT_YET_STARTED", "Créneau pas encore commencé"
    TURN_TAKEN = "TURN_TAKEN", "Tour déjà assuré"


def domain_error(code: MentoringErrorCode, message: str, field_name: str | None = None) -> ValidationError:
    """A ValidationError the mutations turn into `{field, code, message}` (no field: the whole input)."""
    error = ValidationError(message, code=code)
    return ValidationError({field_name: error} if field_name else error)


def required_text(value: str, field_name: str, label: str, limit: int = 5000) -> str:
    """`value` stripped, or REQUIRED when empty / INVALID beyond `limit` characters."""
    value = (value or "").strip()
    if not value:
        raise domain_error(MentoringErrorCode.REQUIRED, f"{label} est obligatoire.", field_name)
    if len(value) > limit:
        raise domain_error(MentoringErrorCode.INVALID, f"{limit} caractères au plus.", field_name)
    return value
