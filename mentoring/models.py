"""Mentoring: hubs' support offers, slots and bookings; mentoring requests, mentorships and the
coordination-time ledger; calendar feeds.

The accelerator's tables are in `mentoring/accelerator/models.py`, imported at the end of this module: they
belong to this Django app (its migrations), while the accelerator's code is a domain of its own
(ARCHITECTURE.md).
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q

from backend.core.db import QuickLoad
from network.models import Commune, HubDesignation, MspSite, OfferKind, Practitioner, Profession


class LocationKind(models.TextChoices):
    HUB_SITE = "HUB_SITE", "Sur un site de la MSP tête de pont"
    HOST_SITE = "HOST_SITE", "Dans une structure d'accueil (autre commune)"
    REMOTE = "REMOTE", "À distance (visioconférence)"


class MentoringTopic(models.TextChoices):
    """What a project holder needs help with; hubs' offers say which they cover."""

    HEALTH_PROJECT = "HEALTH_PROJECT", "Projet de santé"
    SISA_LEGAL = "SISA_LEGAL", "Sisa et questions juridiques"
    ACI_FUNDING = "ACI_FUNDING", "ACI et financements"
    INFORMATION_SYSTEM = "INFORMATION_SYSTEM", "Système d'information"
    COORDINATION = "COORDINATION", "Coordination et ressources humaines"
    COOPERATION_PROTOCOLS = "COOPERATION_PROTOCOLS", "Protocoles de coopération"
    PREMISES = "PREMISES", "Locaux et immobilier"


class SupportOffer(QuickLoad, models.Model):
    """What a hub offers: shared coordination time, advanced consultations, peer facilitation."""

    hub = models.ForeignKey(
        HubDesignation, on_delete=models.CASCADE, related_name="offers", verbose_name="MSP tête de pont"
    )
    kind = models.CharField("type", max_length=24, choices=OfferKind.choices)
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("description", blank=True)
    topics = ArrayField(models.CharField(max_length=100), default=list, blank=True, verbose_name="thèmes")
    mentoring_topics = ArrayField(
        models.CharField(max_length=24, choices=MentoringTopic.choices),
        default=list,
        blank=True,
        verbose_name="domaines d'accompagnement",
        help_text="Les domaines de projet où l'offre aide (comparés aux demandes d'accompagnement).",
    )
    professions = models.ManyToManyField(Profession, blank=True, verbose_name="professions concernées")
    location_kind = models.CharField("lieu", max_length=10, choices=LocationKind.choices)
    site = models.ForeignKey(
        MspSite, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="site"
    )
    host_name = models.CharField("structure d'accueil", max_length=200, blank=True)
    host_commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="commune d'accueil",
    )
    host_site = models.ForeignKey(
        MspSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="site d'accueil (MSP)",
        help_text="Quand la structure d'accueil est une MSP ou un site connu (le pôle de santé de Givry).",
    )
    booking_notice_hours = models.PositiveSmallIntegerField("délai minimal pour réserver (heures)", default=0)
    cancel_notice_hours = models.PositiveSmallIntegerField("délai minimal pour annuler (heures)", default=0)
    booking_question = models.CharField(
        "question posée à la réservation", max_length=300, blank=True,
        help_text="Par exemple : « Quel sujet souhaitez-vous aborder ? » (réponse courte, vue par la MSP).",
    )  # fmt: skip
    video_url = models.URLField(
        "lien de visioconférence", max_length=500, blank=True,
        help_text="Pour une offre à distance : montré aux seuls participants confirmés et à l'équipe.",
    )  # fmt: skip
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créée le")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifiée le")

    class Meta:
        verbose_name = "offre d'accompagnement"
        verbose_name_plural = "offres d'accompagnement"
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(location_kind=LocationKind.HUB_SITE, site__isnull=False)
                    | Q(location_kind=LocationKind.HOST_SITE, host_commune__isnull=False)
                    | Q(location_kind=LocationKind.REMOTE)
                ),
                name="offer_location_complete",
                violation_error_message="Le lieu de l'offre est incomplet.",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def department_code(self) -> str | None:
        """The department whose public holidays apply: the place's, else the hub's main site's."""
        if self.location_kind == LocationKind.HOST_SITE:
            if self.host_site_id:
                return self.host_site.commune.department_id
            if self.host_commune_id:
                return self.host_commune.department_id
        site = self.site or next((s for s in self.hub.msp.sites.all() if s.is_main), None)
        return site.commune.department_id if site else None

    @property
    def time_zone(self) -> str:
        """The zone slots are shown and recur in: the place's, else the hub's main site's."""
        if self.location_kind == LocationKind.HOST_SITE and self.host_commune_id:
            return self.host_commune.time_zone
        # Iterates sites.all() so list queries can prefetch them.
        site = self.site or next((s for s in self.hub.msp.sites.all() if s.is_main), None)
        return site.commune.time_zone if site else "Europe/Paris"


class SlotSeries(QuickLoad, models.Model):
    """Slots recurring by an RFC 5545 rule, in the place's local time (09:00 stays 09:00 across DST)."""

    offer = models.ForeignKey(
        SupportOffer, on_delete=models.CASCADE, related_name="series", verbose_name="offre"
    )
    rule = models.CharField("règle RFC 5545", max_length=300, help_text="Par exemple FREQ=WEEKLY;BYDAY=TU,FR")
    starts_on = models.DateField("à partir du")
    until = models.DateField("jusqu'au")
    start_time = models.TimeField("heure de début (locale)")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)")
    capacity = models.PositiveSmallIntegerField("places")
    time_zone = models.CharField("fuseau horaire", max_length=40)
    keep_holidays = models.BooleanField(
        "garder les jours fériés", default=False,
        help_text="Par défaut, les occurrences tombant un jour férié du lieu ne sont pas créées.",
    )  # fmt: skip
    skipped_holidays = models.JSONField(
        "jours fériés sautés", default=list, blank=True, help_text="[{date, nom}] des occurrences non créées."
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créée le")

    class Meta:
        verbose_name = "série de créneaux"
        verbose_name_plural = "séries de créneaux"
        ordering = ["starts_on", "id"]

    def __str__(self):
        return f"{self.offer} — {self.rule}"


class SlotStatus(models.TextChoices):
    OPEN = "OPEN", "Ouvert"
    CANCELLED = "CANCELLED", "Annulé"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Slot(QuickLoad, models.Model):
    """A bookable time of an offer; stored in UTC, shown in the offer's time zone."""

    offer = models.ForeignKey(
        SupportOffer, on_delete=models.CASCADE, related_name="slots", verbose_name="offre"
    )
    series = models.ForeignKey(
        SlotSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="slots",
        verbose_name="série",
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    capacity = models.PositiveSmallIntegerField(
        "places", validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    status = models.CharField("statut", max_length=10, choices=SlotStatus.choices, default=SlotStatus.OPEN)
    # RFC 5545 SEQUENCE: bumped on each change calendars must show (times, cancellation).
    sequence = models.PositiveIntegerField(default=0, editable=False, verbose_name="version (iCalendar)")
    cancel_reason = models.CharField("motif d'annulation", max_length=500, blank=True)
    agenda = models.TextField(
        "ordre du jour",
        blank=True,
        help_text="Pour une séance de facilitation entre pairs (à la manière ECHO).",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créé le")

    class Meta:
        verbose_name = "créneau"
        verbose_name_plural = "créneaux"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
        ]
        indexes = [models.Index(fields=["offer", "starts_at"], name="slot_offer_start")]

    def __str__(self):
        return f"{self.offer} — {self.starts_at:%Y-%m-%d %H:%M}"


class PeerCase(QuickLoad, models.Model):
    """A case a participant submits before a peer facilitation session (Project ECHO): anonymised text the
    group discusses."""

    slot = models.ForeignKey("Slot", on_delete=models.CASCADE, related_name="cases", verbose_name="séance")
    author = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="+", verbose_name="présenté par"
    )
    title = models.CharField("titre", max_length=200)
    body = models.TextField("cas (anonymisé)")
    created_at = models.DateTimeField("soumis le", auto_now_add=True)

    class Meta:
        verbose_name = "cas présenté"
        verbose_name_plural = "cas présentés"
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.title


class SessionMaterial(QuickLoad, models.Model):
    """A document of a peer facilitation session (slides, summary…), attached once it has taken place."""

    slot = models.ForeignKey(
        "Slot", on_delete=models.CASCADE, related_name="materials", verbose_name="séance"
    )
    title = models.CharField("titre", max_length=200)
    url = models.URLField("lien", max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="ajouté par",
    )
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)

    class Meta:
        verbose_name = "support de séance"
        verbose_name_plural = "supports de séance"
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.title


class BookingStatus(models.TextChoices):
    CONFIRMED = "CONFIRMED", "Confirmée"
    WAITLISTED = "WAITLISTED", "En liste d'attente"
    CANCELLED = "CANCELLED", "Annulée"


class BookingRole(models.TextChoices):
    ATTENDEE = "ATTENDEE", "Participant"
    STAFF = "STAFF", "Intervenant (tour de garde)"


class BookingEventKind(models.TextChoices):
    """What happened to a practitioner's booking (pushed to `myBookingEvents`, e-mailed)."""

    CONFIRMED = "CONFIRMED", "Place confirmée"
    WAITLISTED = "WAITLISTED", "Inscrit(e) sur la liste d'attente"
    PROMOTED = "PROMOTED", "Place libérée : réservation confirmée"
    CANCELLED = "CANCELLED", "Réservation annulée"
    SLOT_CANCELLED = "SLOT_CANCELLED", "Créneau annulé par la MSP"
    SLOT_MOVED = "SLOT_MOVED", "Créneau modifié par la MSP"
    RESCHEDULED = "RESCHEDULED", "Réservation déplacée sur un autre créneau"


class TurnResponse(models.TextChoices):
    """A staff member's answer to a rota turn."""

    PENDING = "PENDING", "En attente de réponse"
    ACCEPTED = "ACCEPTED", "Accepté"
    DECLINED = "DECLINED", "Décliné"


class Attendance(models.TextChoices):
    """FHIR's fulfilled / no-show, marked by the hub after the slot has started."""

    ATTENDED = "ATTENDED", "Présent(e)"
    NO_SHOW = "NO_SHOW", "Absent(e) sans prévenir"


class Booking(QuickLoad, models.Model):
    """A practitioner's place on a slot: a seat (or waitlist place), or a turn staffing it.

    Staffing is a booking of role STAFF so that one exclusion constraint, on the slot
    times copied here, makes the database refuse any two overlapping confirmed
    commitments of one person: two staffed slots, two seats, or a seat and a turn.
    Capacity counts attendees only.
    """

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="bookings", verbose_name="créneau")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="bookings", verbose_name="professionnel"
    )
    role = models.CharField("rôle", max_length=8, choices=BookingRole.choices, default=BookingRole.ATTENDEE)
    status = models.CharField("statut", max_length=10, choices=BookingStatus.choices)
    starts_at = models.DateTimeField(verbose_name="début")
    ends_at = models.DateTimeField(verbose_name="fin")
    idempotency_key = models.CharField(max_length=100, blank=True, verbose_name="clé d'idempotence")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="demandée le")
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name="confirmée le")
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name="annulée le")
    cancel_reason = models.CharField("motif d'annulation", max_length=500, blank=True)
    turn_response = models.CharField(
        "réponse au tour de garde", max_length=8, choices=TurnResponse.choices, blank=True,
        help_text="Pour un tour de garde seulement : l'intervenant l'accepte ou le décline.",
    )  # fmt: skip
    answer = models.CharField("réponse à la question de l'offre", max_length=500, blank=True)
    attendance = models.CharField("présence", max_length=8, choices=Attendance.choices, blank=True)
    attendance_marked_at = models.DateTimeField("présence notée le", null=True, blank=True)
    # The invitations e-mailed about it (mentoring/services/calendar.py: booking_invitation): one UID per booking
    # (empty: "booking-<pk>"; a rescheduled booking keeps the one it was moved from), SEQUENCE of the next.
    calendar_uid = models.CharField("UID iCalendar", max_length=80, blank=True)
    calendar_sequence = models.PositiveIntegerField("prochaine SEQUENCE iCalendar", default=0)

    class Meta:
        verbose_name = "réservation"
        verbose_name_plural = "réservations"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "practitioner"],
                condition=Q(status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]),
                name="booking_once_per_slot",
                violation_error_code="ALREADY_BOOKED",
                violation_error_message="Vous avez déjà une réservation sur ce créneau.",
            ),
            models.UniqueConstraint(
                fields=["practitioner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="booking_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(role=BookingRole.ATTENDEE, turn_response="")
                | (Q(role=BookingRole.STAFF) & ~Q(turn_response="")),
                name="booking_turn_response_for_staff",
            ),
            models.CheckConstraint(
                condition=Q(attendance="") | Q(role=BookingRole.ATTENDEE, status=BookingStatus.CONFIRMED),
                name="booking_attendance_for_confirmed_seats",
            ),
            ExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    ("practitioner", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=Q(status=BookingStatus.CONFIRMED),
                violation_error_code="OVERLAPPING_BOOKING",
                violation_error_message="Cette personne est déjà engagée (réservation ou tour de garde) sur ce créneau horaire.",
            ),
        ]
        indexes = [
            models.Index(fields=["slot", "status", "created_at"], name="booking_slot_status"),
            # The reminder scan: confirmed bookings starting soon.
            models.Index(
                fields=["starts_at"],
                condition=Q(status=BookingStatus.CONFIRMED),
                name="booking_confirmed_start",
            ),
        ]

    def __str__(self):
        return f"{self.practitioner} — {self.slot} ({self.get_status_display()})"


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "DAY_BEFORE", "Rappel 24 h avant"
    HOUR_BEFORE = "HOUR_BEFORE", "Rappel 1 h avant"
    UNSTAFFED_TURN = "UNSTAFFED_TURN", "Tour de garde sans intervenant, 7 jours avant"


class Reminder(QuickLoad, models.Model):
    """A reminder (of a booking or a turn) or an announcement (of a slot) already queued: each goes out
    once for the time it is about, and again if the slot moves to another time."""

    kind = models.CharField("type", max_length=16, choices=ReminderKind.choices)
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="réservation"
    )
    slot = models.ForeignKey(
        Slot, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="créneau"
    )
    starts_at = models.DateTimeField("début annoncé")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="envoyé le")

    class Meta:
        verbose_name = "rappel"
        verbose_name_plural = "rappels"
        constraints = [
            models.CheckConstraint(
                condition=Q(booking__isnull=False, slot__isnull=True)
                | Q(booking__isnull=True, slot__isnull=False),
                name="reminder_one_subject",
            ),
            models.UniqueConstraint(
                fields=["kind", "booking", "starts_at"],
                condition=Q(booking__isnull=False),
                name="reminder_booking_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "slot", "starts_at"],
                condition=Q(slot__isnull=False),
                name="reminder_slot_once",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.starts_at:%Y-%m-%d %H:%M}"


# --- Mentoring requests, mentorships, coordination time ------------------------------------------


class RequestStatus(models.TextChoices):
    OPEN = "OPEN", "Déposée (pas encore envoyée)"
    SENT = "SENT", "Envoyée à une MSP tête de pont"
    INFO_REQUESTED = "INFO_REQUESTED", "Précisions demandées"
    ACCEPTED = "ACCEPTED", "Acceptée"
    DECLINED = "DECLINED", "Déclinée (peut être envoyée à une autre MSP)"
    WITHDRAWN = "WITHDRAWN", "Retirée"


# Statuses in which a request still counts against the requester's limit of open requests.
LIVE_REQUEST_STATUSES = [
    RequestStatus.OPEN,
    RequestStatus.SENT,
    RequestStatus.INFO_REQUESTED,
    RequestStatus.DECLINED,
]


class MentoringRequest(QuickLoad, models.Model):
    """A practitioner's or project holder's request for a hub's help."""

    requester = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="mentoring_requests", verbose_name="demandeur"
    )
    topics = ArrayField(
        models.CharField(max_length=24, choices=MentoringTopic.choices), verbose_name="thèmes"
    )
    message = models.TextField("message")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+", verbose_name="commune")
    radius_km = models.FloatField(
        "distance maximale (km)", default=50, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    wanted_kinds = ArrayField(
        models.CharField(max_length=24, choices=OfferKind.choices),
        default=list,
        blank=True,
        verbose_name="types d'accompagnement souhaités",
    )
    status = models.CharField(
        "statut", max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    hub = models.ForeignKey(
        HubDesignation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentoring_requests",
        verbose_name="MSP tête de pont sollicitée",
    )
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    created_at = models.DateTimeField("déposée le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifiée le")

    class Meta:
        verbose_name = "demande d'accompagnement"
        verbose_name_plural = "demandes d'accompagnement"
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=RequestStatus.OPEN)
                | Q(status=RequestStatus.WITHDRAWN)
                | Q(hub__isnull=False),
                name="request_sent_has_hub",
            ),
            models.CheckConstraint(
                condition=Q(radius_km__gte=1, radius_km__lte=200), name="request_radius_range"
            ),
        ]
        indexes = [
            models.Index(fields=["hub", "status"], name="request_hub_status"),
            models.Index(fields=["requester", "status"], name="request_requester_status"),
        ]

    def __str__(self):
        return f"{self.requester} — {self.get_status_display()}"


class RequestEventKind(models.TextChoices):
    SUBMITTED = "SUBMITTED", "Déposée"
    SENT = "SENT", "Envoyée"
    INFO_REQUESTED = "INFO_REQUESTED", "Précisions demandées"
    INFO_PROVIDED = "INFO_PROVIDED", "Précisions apportées"
    ACCEPTED = "ACCEPTED", "Acceptée"
    DECLINED = "DECLINED", "Déclinée"
    WITHDRAWN = "WITHDRAWN", "Retirée"


class MentoringRequestEvent(QuickLoad, models.Model):
    """One step of a request's history (who, when, which hub, what was said)."""

    request = models.ForeignKey(
        MentoringRequest, on_delete=models.CASCADE, related_name="events", verbose_name="demande"
    )
    kind = models.CharField("étape", max_length=16, choices=RequestEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    hub = models.ForeignKey(
        HubDesignation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="MSP tête de pont",
    )
    message = models.TextField("message", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="le")

    class Meta:
        verbose_name = "étape d'une demande"
        verbose_name_plural = "étapes des demandes"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request_id} — {self.get_kind_display()}"


class MentorshipStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "En cours"
    ENDED = "ENDED", "Terminé"


class MentorshipOutcome(models.TextChoices):
    """What a mentorship led to, recorded when it ends."""

    HEALTH_PROJECT_WRITTEN = "HEALTH_PROJECT_WRITTEN", "Projet de santé rédigé"
    MSP_OPENED = "MSP_OPENED", "MSP ouverte"
    ACI_SIGNED = "ACI_SIGNED", "Labellisée : accord conventionnel interprofessionnel signé"
    ABANDONED = "ABANDONED", "Projet abandonné"
    OTHER = "OTHER", "Autre"


class Mentorship(QuickLoad, models.Model):
    """A hub's commitment to a mentee: so many hours of coordination time a month."""

    hub = models.ForeignKey(
        HubDesignation, on_delete=models.PROTECT, related_name="mentorships", verbose_name="MSP tête de pont"
    )
    mentee = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="mentorships",
        verbose_name="professionnel accompagné",
    )
    request = models.OneToOneField(
        MentoringRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentorship",
        verbose_name="demande",
    )
    starts_on = models.DateField("début")
    hours_per_month = models.DecimalField(
        "heures allouées par mois", max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    status = models.CharField(
        "statut", max_length=8, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE
    )
    ended_on = models.DateField("fin", null=True, blank=True)
    outcome = models.CharField("résultat", max_length=24, choices=MentorshipOutcome.choices, blank=True)
    outcome_note = models.TextField("précisions sur le résultat", blank=True)
    feedback_rating = models.PositiveSmallIntegerField(
        "appréciation de l'accompagné (1 à 5)", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )  # fmt: skip
    feedback_comment = models.TextField("commentaire de l'accompagné", blank=True)
    feedback_at = models.DateTimeField("appréciation donnée le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créé le")

    class Meta:
        verbose_name = "accompagnement"
        verbose_name_plural = "accompagnements"
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours_per_month__gt=0), name="mentorship_hours_positive"),
            models.CheckConstraint(
                condition=Q(feedback_rating__isnull=True) | Q(feedback_rating__gte=1, feedback_rating__lte=5),
                name="mentorship_feedback_rating_range",
            ),
            models.UniqueConstraint(
                fields=["hub", "mentee"],
                condition=Q(status=MentorshipStatus.ACTIVE),
                name="mentorship_one_active_per_pair",
                violation_error_message="Un accompagnement est déjà en cours entre cette MSP et ce professionnel.",
            ),
        ]

    def __str__(self):
        return f"{self.hub.msp} → {self.mentee}"


class MentorshipMessage(QuickLoad, models.Model):
    """A message between the mentee and the hub inside a mentorship, so that exchanges stay on the platform."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="messages", verbose_name="accompagnement"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="auteur",
    )
    from_hub = models.BooleanField("de la MSP tête de pont")
    body = models.TextField("message")
    created_at = models.DateTimeField("envoyé le", auto_now_add=True)
    # When the other side was told of it by the quarter-hour digest (services/reminders.py); null until then.
    notified_at = models.DateTimeField("signalé par e-mail le", null=True, blank=True)

    class Meta:
        verbose_name = "message d'accompagnement"
        verbose_name_plural = "messages d'accompagnement"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body__regex=r"^\s*$"), name="mentorship_message_not_empty")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(notified_at__isnull=True),
                name="mentorship_message_unnotified",
            )
        ]

    def __str__(self):
        return f"{self.mentorship_id} — {self.created_at:%d/%m/%Y %H:%M}"


class CoordinationSession(QuickLoad, models.Model):
    """Coordination time actually given to a mentee (the ledger)."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="sessions", verbose_name="accompagnement"
    )
    date = models.DateField("date")
    duration_minutes = models.PositiveSmallIntegerField(
        "durée (minutes)", validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    topic = models.CharField("thème", max_length=24, choices=MentoringTopic.choices, blank=True)
    notes = models.TextField("notes (MSP tête de pont)", blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisie par",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="saisie le")

    class Meta:
        verbose_name = "séance de coordination"
        verbose_name_plural = "séances de coordination"
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=600), name="session_duration_range"
            )
        ]
        indexes = [models.Index(fields=["mentorship", "date"], name="session_mentorship_date")]

    def __str__(self):
        return f"{self.mentorship} — {self.date}"


# --- Calendar feeds ----------------------------------------------------------------------------


class CalendarFeed(QuickLoad, models.Model):
    """A secret iCalendar address: a practitioner's (bookings, turns) or a hub's (its slots).

    Only the SHA-256 of the token is stored; rotating it replaces the address.
    """

    practitioner = models.OneToOneField(
        Practitioner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
        verbose_name="professionnel",
    )
    hub = models.OneToOneField(
        HubDesignation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
        verbose_name="MSP tête de pont",
    )
    token_hash = models.CharField(max_length=64, unique=True, verbose_name="empreinte de l'adresse")
    rotated_at = models.DateTimeField(auto_now=True, verbose_name="renouvelée le")

    class Meta:
        verbose_name = "agenda iCalendar"
        verbose_name_plural = "agendas iCalendar"
        constraints = [
            models.CheckConstraint(
                condition=Q(practitioner__isnull=False, hub__isnull=True)
                | Q(practitioner__isnull=True, hub__isnull=False),
                name="calendar_feed_one_owner",
            )
        ]

    def __str__(self):
        return f"Agenda de {self.practitioner or self.hub}"


# The accelerator's models live in their own module of the app.
from .accelerator.knowledge_models import Article, ArticleRead  # noqa: E402, F401
from .accelerator.models import (  # noqa: E402, F401
    AcceleratorChange,
    AcceleratorMessage,
    AcceleratorPresence,
    AcceleratorRequest,
    CannedAnswer,
    ServiceLevelTarget,
)
