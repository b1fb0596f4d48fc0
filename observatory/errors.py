from django.db import models


class ObservatoryErrorCode(models.TextChoices):
    """Error codes of the observatory's mutations (exposed as a GraphQL enum)."""

    INVALID = "INVALID", "Valeur invalide"
    REQUIRED = "REQUIRED", "Valeur obligatoire"
    NOT_FOUND = "NOT_FOUND", "Objet introuvable"
    INVALID_SIGNAL_TRANSITION = "INVALID_SIGNAL_TRANSITION", "Changement de statut impossible"
