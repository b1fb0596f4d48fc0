"""The observatory's monthly snapshots: its figures for each territory, kept so progress can be drawn."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from backend.core.db import QuickLoad


class Snapshot(QuickLoad, models.Model):
    """A territory's figures as they stood when taken, for one month (taken again, it is replaced)."""

    month = models.DateField("mois", help_text="Le premier jour du mois.")
    level = models.CharField("niveau", max_length=10)  # NATION, REGION, DEPARTMENT (selectors.Level)
    code = models.CharField("code INSEE", max_length=3, blank=True)  # empty for the nation
    figures = models.JSONField("chiffres")
    taken_at = models.DateTimeField("pris le", auto_now=True)

    class Meta:
        verbose_name = "instantané de l'observatoire"
        verbose_name_plural = "instantanés de l'observatoire"
        ordering = ["level", "code", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "level", "code"], name="one_snapshot_per_month_and_territory"
            )
        ]

    def __str__(self):
        return f"{self.level} {self.code or 'France'} — {self.month:%m/%Y}"


class SignalKind(models.TextChoices):
    """What a weak signal (plan, measure 5) is about."""

    COMPOSITION_GRACE = "COMPOSITION_GRACE", "Délai de grâce de composition bientôt ou déjà échu"
    COMPOSITION_BELOW_MINIMUM = (
        "COMPOSITION_BELOW_MINIMUM",
        "Composition en dessous du minimum, sans délai de grâce",
    )
    DEPARTURES_ANNOUNCED = (
        "DEPARTURES_ANNOUNCED",
        "Départs annoncés qui feraient passer la MSP sous le minimum dans les 6 mois",
    )
    HUB_BELOW_COMPOSITION = "HUB_BELOW_COMPOSITION", "MSP tête de pont sous la composition minimale"
    PROJECT_STALLED = "PROJECT_STALLED", "Projet de MSP sans nouvelle étape depuis 6 mois"
    MEMBERS_LOST = "MEMBERS_LOST", "Départ du seul médecin ou d'un tiers des membres en 6 mois"
    HUB_OVER_CAPACITY = "HUB_OVER_CAPACITY", "MSP tête de pont au-delà de sa capacité mensuelle"
    HUB_INACTIVE = "HUB_INACTIVE", "MSP tête de pont sans activité depuis 3 mois"
    MENTORING_UNANSWERED = (
        "MENTORING_UNANSWERED",
        "Demande d'accompagnement sans réponse après 10 jours ouvrés",
    )
    ACCELERATOR_BREACHED = "ACCELERATOR_BREACHED", "Question d'une MSP en projet hors délai à l'accélérateur"


class SignalStatus(models.TextChoices):
    OPEN = "OPEN", "Ouvert"
    ACKNOWLEDGED = "ACKNOWLEDGED", "Pris en compte"
    CLOSED = "CLOSED", "Clos"


class WeakSignal(QuickLoad, models.Model):
    """A situation that puts an MSP or a hub at risk, found by the periodic scan
    (observatory/services/weak_signals.py), followed by its region's ARS and the Cnam until it is closed (by
    hand, with a note, or when the situation no longer holds)."""

    key = models.CharField(
        "clé",
        max_length=120,
        unique=True,
        help_text="Le genre, l'objet et l'épisode : un signal par épisode.",
    )
    kind = models.CharField("genre", max_length=30, choices=SignalKind.choices)
    msp = models.ForeignKey(
        "network.Msp", on_delete=models.CASCADE, related_name="weak_signals", verbose_name="MSP"
    )
    hub = models.ForeignKey(
        "network.HubDesignation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="weak_signals",
        verbose_name="MSP tête de pont",
    )
    region = models.ForeignKey(
        "network.Region", on_delete=models.PROTECT, related_name="+", verbose_name="région"
    )
    department = models.ForeignKey(
        "network.Department", on_delete=models.PROTECT, related_name="+", verbose_name="département"
    )
    reason = models.TextField("motif")
    suggested_action = models.TextField("action suggérée")
    suggested_hubs = models.ManyToManyField(
        "network.HubDesignation",
        through="SuggestedHub",
        related_name="+",
        blank=True,
        verbose_name="MSP tête de pont suggérées",
    )
    started_at = models.DateTimeField("depuis le")
    detected_at = models.DateTimeField("détecté le", auto_now_add=True)
    status = models.CharField(
        "statut", max_length=12, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    closed_at = models.DateTimeField("clos le", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="clos par",
        help_text="Vide quand le signal s'est clos de lui-même (la situation a cessé).",
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifié le")

    class Meta:
        verbose_name = "signal faible"
        verbose_name_plural = "signaux faibles"
        ordering = ["-started_at", "id"]
        permissions = [("follow_weaksignal", "Peut suivre les signaux faibles de toute la France")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=SignalStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=SignalStatus.CLOSED) & Q(closed_at__isnull=True, closed_by__isnull=True)),
                name="weak_signal_closed_when_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(kind__startswith="HUB_") | Q(hub__isnull=False),
                name="weak_signal_hub_kinds_have_hub",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status", "started_at"], name="signal_region_status"),
            models.Index(fields=["status", "started_at"], name="signal_status"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.msp_id}"


class SuggestedHub(QuickLoad, models.Model):
    """A hub the signal's action names (nearest with coordination time left), in order of distance."""

    signal = models.ForeignKey(WeakSignal, on_delete=models.CASCADE, related_name="suggestions")
    hub = models.ForeignKey("network.HubDesignation", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField("rang")

    class Meta:
        verbose_name = "MSP tête de pont suggérée"
        verbose_name_plural = "MSP tête de pont suggérées"
        ordering = ["signal", "rank"]
        constraints = [models.UniqueConstraint(fields=["signal", "hub"], name="one_suggestion_per_hub")]

    def __str__(self):
        return f"{self.signal_id} — {self.rank + 1}"


class SignalAction(models.TextChoices):
    OPENED = "OPENED", "Détecté"
    ACKNOWLEDGED = "ACKNOWLEDGED", "Pris en compte"
    CLOSED = "CLOSED", "Clos"
    CONDITION_ENDED = "CONDITION_ENDED", "Situation rétablie"
    REOPENED = "REOPENED", "Situation à nouveau constatée"


class WeakSignalNote(QuickLoad, models.Model):
    """One step of a signal's history: detected, acknowledged or closed (with the note of who did it)."""

    signal = models.ForeignKey(
        WeakSignal, on_delete=models.CASCADE, related_name="history", verbose_name="signal"
    )
    action = models.CharField("étape", max_length=16, choices=SignalAction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    note = models.TextField("note", blank=True)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "étape d'un signal faible"
        verbose_name_plural = "étapes des signaux faibles"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(note__regex=r"^\s*$"), name="weak_signal_note_not_empty")
        ]

    def __str__(self):
        return f"{self.signal_id} — {self.get_action_display()}"
