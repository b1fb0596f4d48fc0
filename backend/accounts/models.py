"""Accounts: e-mail login, API bearer tokens, failed-login records for throttling."""

import hashlib

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


def normalize_email(email: str) -> str:
    """The one form of an e-mail for storing, signing in and throttling: trimmed, lower-cased.

    Look-ups compare this form exactly (never `iexact`: PostgreSQL's UPPER folds `ſ` to `S`, so a
    case-insensitive look-up would let another spelling reach the account around its throttle).
    """
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email=normalize_email(email))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a practitioner, Cnam staff or an administrator."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name()  # a person's name, their address when they gave none

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)  # whatever created it (admin form, shell, import)
        super().save(*args, **kwargs)

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self):
        return self.first_name or self.email


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random values: a plain SHA-256 is enough, no slow hash needed.
    return hashlib.sha256(raw.encode()).hexdigest()


class AuthTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class AuthToken(models.Model):
    """An opaque API bearer token; only its hash is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="auth_tokens", verbose_name="utilisateur"
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name="empreinte du jeton")
    prefix = models.CharField(
        "début du jeton", max_length=8, help_text="Pour reconnaître un jeton sans le dévoiler."
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name="créé le")
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name="dernière utilisation")

    objects = AuthTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class FailedLogin(models.Model):
    """One failed password check, kept briefly to throttle guessing (shared by all processes)."""

    email = models.CharField(max_length=254, db_index=True, verbose_name="adresse e-mail")
    ip_address = models.GenericIPAddressField(null=True, blank=True, verbose_name="adresse IP")
    created_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name="le")

    class Meta:
        verbose_name = "échec de connexion"
        verbose_name_plural = "échecs de connexion"

    def __str__(self):
        return f"{self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class NotificationPreferences(models.Model):
    """What a user chose to receive beyond what every change tells them (confirmations and cancellations
    are always sent). No row means the defaults: everything on."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preferences",
        verbose_name="utilisateur",
    )
    reminders = models.BooleanField(
        "rappels", default=True, help_text="Rappels 24 h et 1 h avant une réservation ou un tour de garde."
    )
    digest = models.BooleanField(
        "récapitulatif quotidien",
        default=True,
        help_text="Pour les coordinateurs : les demandes d'accompagnement qui attendent une réponse.",
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifiées le")

    class Meta:
        verbose_name = "préférences de notification"
        verbose_name_plural = "préférences de notification"

    def __str__(self):
        return f"Préférences de {self.user}"

    @classmethod
    def of(cls, user) -> "NotificationPreferences":
        """The user's preferences (the defaults, unsaved, when they never chose)."""
        if user is None or not getattr(user, "pk", None):
            return cls()
        return cls.objects.filter(user=user).first() or cls(user=user)


def wants(user, preference: str) -> bool:
    """Whether a user (or, with None, a practitioner without an account) accepts this kind of message."""
    return True if user is None else getattr(NotificationPreferences.of(user), preference)
