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
