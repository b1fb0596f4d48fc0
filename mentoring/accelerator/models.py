"""Accelerator models (app label `mentoring`; imported by mentoring/models.py)."""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from backend.core.db import QuickLoad
from network.models import Commune, Department, HubDesignation, Msp, Practitioner, Region


class Category(models.TextChoices):
    HEALTH_PROJECT = "HEALTH_PROJECT", "Projet de santé"
    SISA_LEGAL = "SISA_LEGAL", "Sisa et questions juridiques"
    ACI_FUNDING = "ACI_FUNDING", "ACI et financements"
    INFORMATION_SYSTEM = "INFORMATION_SYSTEM", "Système d'information"
    PREMISES = "PREMISES", "Locaux et immobilier"
    COORDINATION_HR = "COORDINATION_HR", "Coordination et ressources humaines"
    OTHER = "OTHER", "Autre"


class State(models.TextChoices):
    NEW = "NEW", "Nouvelle"
    TRIAGED = "TRIAGED", "Qualifiée"
    IN_PROGRESS = "IN_PROGRESS", "En cours"
    WAITING_ON_REQUESTER = "WAITING_ON_REQUESTER", "En attente du demandeur"
    ANSWERED = "ANSWERED", "Répondue"
    CLOSED = "CLOSED", "Clôturée"
    ROUTED_TO_HUB = "ROUTED_TO_HUB", "Orientée vers une MSP tête de pont"
    ROUTED_TO_ARS = "ROUTED_TO_ARS", "Orientée vers l'ARS"
    MERGED = "MERGED", "Fusionnée dans une autre demande"


class Level(models.TextChoices):
    LOW = "LOW", "Faible"
    MEDIUM = "MEDIUM", "Moyenne"
    HIGH = "HIGH", "Élevée"


class Priority(models.TextChoices):
    CRITICAL = "P1", "P1 — critique"
    HIGH = "P2", "P2 — haute"
    NORMAL = "P3", "P3 — normale"
    LOW = "P4", "P4 — basse"


class SlaStatus(models.TextChoices):
    ON_TRACK = "ON_TRACK", "Dans les délais"
    AT_RISK = "AT_RISK", "À risque (moins de 20 % du délai restant)"
    BREACHED = "BREACHED", "Délai dépassé"


class ServiceLevelTarget(QuickLoad, models.Model):
    """Targets per priority, in business hours (configurable data, seeded by a migration)."""

    priority = models.CharField("priorité", max_length=2, choices=Priority.choices, unique=True)
    first_response_hours = models.PositiveSmallIntegerField("première réponse (heures ouvrées)")
    resolution_hours = models.PositiveSmallIntegerField("résolution (heures ouvrées)")

    class Meta:
        verbose_name = "objectif de service"
        verbose_name_plural = "objectifs de service"
        ordering = ["priority"]

    def __str__(self):
        return f"{self.get_priority_display()} : {self.first_response_hours} h / {self.resolution_hours} h"


class AcceleratorTag(QuickLoad, models.Model):
    """A label staff put on requests to find and filter them (e.g. « Sisa », « bail », « zone rurale »)."""

    name = models.CharField("nom", max_length=60)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "étiquette"
        verbose_name_plural = "étiquettes"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="accelerator_tag_name_unique"),
        ]

    def __str__(self):
        return self.name


class AcceleratorSavedView(QuickLoad, models.Model):
    """A queue filter an agent named to open again (« Sisa en retard, Grand Est »): the API's AcceleratorFilter
    as the agent gave it, and the order."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="agent"
    )
    name = models.CharField("nom", max_length=60)
    filter = models.JSONField("filtre", default=dict)
    order = models.CharField("ordre", max_length=12, default="SLA_DUE")
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "vue enregistrée"
        verbose_name_plural = "vues enregistrées"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="accelerator_view_name_unique"),
        ]

    def __str__(self):
        return self.name


class AcceleratorRequest(QuickLoad, models.Model):
    """A project holder's question to the Cnam accelerator."""

    requester = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="accelerator_requests", verbose_name="demandeur"
    )
    msp = models.ForeignKey(
        Msp, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="MSP en projet"
    )
    subject = models.CharField("objet", max_length=200)
    body = models.TextField("question")
    category = models.CharField("catégorie", max_length=20, choices=Category.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="département"
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="commune"
    )
    state = models.CharField("état", max_length=20, choices=State.choices, default=State.NEW)
    urgency = models.CharField(
        "urgence (demandeur)", max_length=6, choices=Level.choices, default=Level.MEDIUM
    )
    impact = models.CharField("impact (Cnam)", max_length=6, choices=Level.choices, default=Level.MEDIUM)
    priority = models.CharField("priorité", max_length=2, choices=Priority.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="agent",
    )  # fmt: skip
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name="fusionnée dans",
    )
    routed_hub = models.ForeignKey(
        HubDesignation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="orientée vers",
    )
    ars_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ARS saisie",
        help_text="La région dont l'ARS a reçu la demande (ses agents la voient, et ses notes).",
    )
    mentoring_request = models.OneToOneField(
        "mentoring.MentoringRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accelerator",
        verbose_name="demande d'accompagnement liée",
    )
    created_at = models.DateTimeField("reçue le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifiée le")
    # Service-level clocks (business seconds); the clock pauses while waiting on the requester or answered.
    paused_since = models.DateTimeField(null=True, blank=True, verbose_name="en pause depuis")
    paused_seconds = models.PositiveIntegerField(default=0, verbose_name="temps en pause (secondes ouvrées)")
    first_response_at = models.DateTimeField("première réponse le", null=True, blank=True)
    first_response_seconds = models.PositiveIntegerField(
        null=True, blank=True, verbose_name="délai de première réponse (secondes ouvrées)"
    )
    resolved_at = models.DateTimeField("résolue le", null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(
        null=True, blank=True, verbose_name="délai de résolution (secondes ouvrées)"
    )
    first_response_due_at = models.DateTimeField("première réponse attendue le", null=True, blank=True)
    resolution_due_at = models.DateTimeField("résolution attendue le", null=True, blank=True)
    sla_status = models.CharField(
        "délais", max_length=8, choices=SlaStatus.choices, default=SlaStatus.ON_TRACK
    )

    # Full-text documents, kept by database triggers (migration 0015): subject, question and public replies;
    # the internal notes and the ARS's notes apart, searched by Cnam staff only.
    tags = models.ManyToManyField(
        AcceleratorTag, blank=True, related_name="requests", verbose_name="étiquettes"
    )
    escalated_at = models.DateTimeField(
        "escaladée le", null=True, blank=True, help_text="Quand un de ses délais a été dépassé."
    )
    satisfaction_rating = models.PositiveSmallIntegerField("satisfaction (1 à 5)", null=True, blank=True)
    satisfaction_comment = models.TextField("commentaire de satisfaction", blank=True)
    satisfaction_at = models.DateTimeField("satisfaction donnée le", null=True, blank=True)
    search_document = SearchVectorField(null=True, editable=False)
    staff_search_document = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = "demande à l'accélérateur"
        verbose_name_plural = "demandes à l'accélérateur"
        ordering = ["-created_at", "id"]
        permissions = [("handle_acceleratorrequest", "Peut traiter les demandes de l'accélérateur")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="MERGED") | Q(merged_into__isnull=False),
                name="accelerator_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(state="ROUTED_TO_HUB") | Q(routed_hub__isnull=False),
                name="accelerator_routed_has_hub",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_rating__isnull=True)
                | Q(satisfaction_rating__gte=1, satisfaction_rating__lte=5, satisfaction_at__isnull=False),
                name="accelerator_satisfaction_range",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "resolution_due_at"], name="accel_state_due"),
            # The queue's SLA order: read in index order, the first page is found without sorting.
            models.Index(fields=["first_response_due_at", "resolution_due_at", "id"], name="accel_sla_order"),
            models.Index(fields=["state", "priority", "created_at"], name="accel_state_priority"),
            models.Index(fields=["assignee", "state"], name="accel_assignee_state"),
            models.Index(fields=["department", "state"], name="accel_department_state"),
            models.Index(fields=["requester", "created_at"], name="accel_requester"),
            models.Index(fields=["ars_region", "state", "created_at"], name="accel_ars_inbox"),
            GinIndex(fields=["search_document"], name="accel_search"),
            GinIndex(fields=["staff_search_document"], name="accel_staff_search"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"


class Visibility(models.TextChoices):
    PUBLIC = "PUBLIC", "Réponse (visible du demandeur)"
    INTERNAL = "INTERNAL", "Note interne (équipe Cnam seulement)"
    ARS_NOTE = "ARS_NOTE", "Note de l'ARS (ARS de la région et Cnam, jamais le demandeur)"


class AcceleratorMessage(QuickLoad, models.Model):
    """A reply on a request: public (the requester sees it) or an internal note (staff only)."""

    request = models.ForeignKey(
        AcceleratorRequest, on_delete=models.CASCADE, related_name="messages", verbose_name="demande"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="auteur",
    )
    visibility = models.CharField("visibilité", max_length=8, choices=Visibility.choices)
    body = models.TextField("message")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="le")

    class Meta:
        verbose_name = "message de l'accélérateur"
        verbose_name_plural = "messages de l'accélérateur"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "visibility", "created_at"], name="accel_message_thread")]

    def __str__(self):
        return f"#{self.request_id} — {self.get_visibility_display()}"


class AcceleratorChange(QuickLoad, models.Model):
    """The audit trail: who changed what, when, from and to which value, and why."""

    request = models.ForeignKey(
        AcceleratorRequest, on_delete=models.CASCADE, related_name="changes", verbose_name="demande"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    field = models.CharField("champ", max_length=20)
    from_value = models.CharField("avant", max_length=200, blank=True)
    to_value = models.CharField("après", max_length=200, blank=True)
    reason = models.TextField("motif", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="le")

    class Meta:
        verbose_name = "historique de l'accélérateur"
        verbose_name_plural = "historique de l'accélérateur"
        ordering = ["id"]  # the order the changes were made in

    def __str__(self):
        return f"#{self.request_id} {self.field_label} : {self.from_label or '—'} → {self.to_label or '—'}"

    # The audit trail in the back office's words: which field, and its values' French labels.
    FIELD_LABELS = {
        "state": ("état", State),
        "category": ("catégorie", Category),
        "impact": ("impact", Level),
        "priority": ("priorité", Priority),
        "sla": ("délais", SlaStatus),
        "assignee": ("agent", None),
    }

    @property
    def field_label(self) -> str:
        return self.FIELD_LABELS.get(self.field, (self.field, None))[0]

    def _label(self, value: str) -> str:
        if self.field == "assignee" and value:  # stored as the agent's address: shown by name
            agent = get_user_model().objects.filter(email=value).first()
            return agent.get_full_name() if agent else value
        choices = self.FIELD_LABELS.get(self.field, (None, None))[1]
        if choices is None or not value:
            return value
        member = choices.__members__.get(value) or next((m for m in choices if m.value == value), None)
        return str(member.label) if member is not None else value

    @property
    def from_label(self) -> str:
        return self._label(self.from_value)

    @property
    def to_label(self) -> str:
        return self._label(self.to_value)


class EscalationRule(QuickLoad, models.Model):
    """Who takes over a request that breached its service level: the most specific rule matching its region
    and category (a region's referent, a category's specialist) reassigns it."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="région"
    )
    category = models.CharField("catégorie", max_length=20, choices=Category.choices, blank=True)
    reassign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="réattribuer à"
    )

    class Meta:
        verbose_name = "règle d'escalade"
        verbose_name_plural = "règles d'escalade"
        ordering = ["region", "category", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "category"], name="one_escalation_rule_per_scope", nulls_distinct=False
            )
        ]

    def __str__(self):
        return f"{self.region or 'Toutes régions'} / {self.get_category_display() or 'toutes catégories'}"


def attachment_path(instance, filename: str) -> str:
    """Stored under a random name (the original one is kept in the row, never used as a path)."""
    return f"accelerator/{instance.request_id}/{uuid.uuid4().hex}"


class AcceleratorAttachment(QuickLoad, models.Model):
    """A file on a question (no message), a public reply or a note: downloadable by whoever reads what it is
    attached to, through the app (mentoring/views.py), with a short-lived signed link."""

    request = models.ForeignKey(
        AcceleratorRequest, on_delete=models.CASCADE, related_name="attachments", verbose_name="demande"
    )
    message = models.ForeignKey(
        "AcceleratorMessage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name="message",
    )
    file = models.FileField("fichier", upload_to=attachment_path, max_length=200)
    name = models.CharField("nom", max_length=200)
    content_type = models.CharField("type", max_length=100)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="déposé par",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class CannedAnswer(QuickLoad, models.Model):
    """A reusable answer, in French, kept by Cnam staff."""

    title = models.CharField("titre", max_length=200)
    body = models.TextField("texte")
    category = models.CharField("catégorie", max_length=20, choices=Category.choices, blank=True)
    # A macro: besides replying, the answer may set these in the same action (blank / empty: unchanged).
    sets_state = models.CharField("passe à l'état", max_length=20, choices=State.choices, blank=True)
    sets_impact = models.CharField(
        "fixe l'impact (la priorité suit)", max_length=6, choices=Level.choices, blank=True
    )
    sets_tags = models.ManyToManyField(
        AcceleratorTag, blank=True, related_name="+", verbose_name="ajoute les étiquettes"
    )
    assigns_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="attribue à",
    )
    assigns_to_self = models.BooleanField("attribue à l'agent qui l'applique", default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="modifiée par",
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifiée le")

    class Meta:
        verbose_name = "réponse type"
        verbose_name_plural = "réponses types"
        ordering = ["category", "title", "id"]

    def __str__(self):
        return self.title


class Activity(models.TextChoices):
    VIEWING = "VIEWING", "Consulte la demande"
    REPLYING = "REPLYING", "Rédige une réponse"


class AcceleratorPresence(QuickLoad, models.Model):
    """Who of the staff is on a request right now (refreshed by the client; stale after a minute)."""

    request = models.ForeignKey(
        AcceleratorRequest, on_delete=models.CASCADE, related_name="presences", verbose_name="demande"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="agent"
    )
    activity = models.CharField(max_length=8, choices=Activity.choices, verbose_name="activité")
    seen_at = models.DateTimeField(verbose_name="vu le")

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="accel_presence_once")]

    def __str__(self):
        return f"#{self.request_id} — {self.get_activity_display()}"
