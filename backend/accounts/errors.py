from django.db import models


class AccountErrorCode(models.TextChoices):
    INVALID = "INVALID", "Valeur invalide"
    REQUIRED = "REQUIRED", "Valeur obligatoire"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "Identifiants incorrects"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS", "Trop de tentatives"
    TOKEN_NOT_FOUND = "TOKEN_NOT_FOUND", "Jeton inconnu"
    EMAIL_TAKEN = "EMAIL_TAKEN", "Adresse e-mail déjà utilisée"
    PASSWORD_TOO_WEAK = "PASSWORD_TOO_WEAK", "Mot de passe trop faible"
    INVALID_TOKEN = "INVALID_TOKEN", "Code invalide ou expiré"
