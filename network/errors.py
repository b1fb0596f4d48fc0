from django.db import models


class NetworkErrorCode(models.TextChoices):
    """Error codes of the network directory's mutations (exposed as a GraphQL enum)."""

    INVALID = "INVALID", "Valeur invalide"
    REQUIRED = "REQUIRED", "Valeur obligatoire"
    UNIQUE = "UNIQUE", "Valeur déjà utilisée"
    NOT_FOUND = "NOT_FOUND", "Objet introuvable"
    INVALID_RPPS = "INVALID_RPPS", "RPPS invalide"
    INVALID_FINESS = "INVALID_FINESS", "FINESS invalide"
    INVALID_SIRET = "INVALID_SIRET", "SIRET invalide"
    INVALID_COMMUNE_CODE = "INVALID_COMMUNE_CODE", "Code commune invalide"
    UNKNOWN_COMMUNE = "UNKNOWN_COMMUNE", "Commune inconnue"
    UNKNOWN_PROFESSION = "UNKNOWN_PROFESSION", "Profession inconnue"
    RPPS_ALREADY_REGISTERED = "RPPS_ALREADY_REGISTERED", "RPPS déjà inscrit"
    EMAIL_TAKEN = "EMAIL_TAKEN", "Adresse e-mail déjà utilisée"
    PASSWORD_TOO_WEAK = "PASSWORD_TOO_WEAK", "Mot de passe trop faible"
    FINESS_REQUIRED = "FINESS_REQUIRED", "FINESS obligatoire pour une MSP en fonctionnement"
    MAIN_SITE_REQUIRED = "MAIN_SITE_REQUIRED", "Un site principal est obligatoire"
    ALREADY_MEMBER = "ALREADY_MEMBER", "Déjà membre"
    MEMBERSHIP_ALREADY_ENDED = "MEMBERSHIP_ALREADY_ENDED", "Adhésion déjà terminée"
    INVALID_DATE_RANGE = "INVALID_DATE_RANGE", "Dates incohérentes"
    LAST_COORDINATOR = "LAST_COORDINATOR", "Dernier coordinateur"
    NOT_A_PRACTITIONER = "NOT_A_PRACTITIONER", "Compte non lié à un professionnel"
    MSP_NOT_OPERATING = "MSP_NOT_OPERATING", "MSP pas en fonctionnement"
    INVALID_HUB_TRANSITION = "INVALID_HUB_TRANSITION", "Changement de statut impossible"
