"""Mentoring: hubs' support offers, their bookable slots, and practitioners' bookings.

The accelerator lives in its own module of this app (to come).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q

from network.models import Commune, HubDesignation, MspSite, OfferKind, Practitioner, Profession


class LocationKind(models.TextChoices):
    HUB_SITE = "HUB_SITE", "Sur un site de la MSP tête de pont"
    HOST_SITE = "HOST_SITE", "Dans une structure d'accueil (autre commune)"
    REMOTE = "REMOTE", "À distance (visioconférence)"


class SupportOffer(models.Model):
    """What a hub offers: shared coordination time, advanced consultations, peer facilitation."""

    hub = models.ForeignKey(HubDesignation, on_delete=models.CASCADE, related_name="offers")
    kind = models.CharField("type", max_length=24, choices=OfferKind.choices)
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("description", blank=True)
    topics = ArrayField(models.CharField(max_length=100), default=list, blank=True, verbose_name="thèmes")
    professions = models.ManyToManyField(Profession, blank=True, verbose_name="professions concernées")
    location_kind = models.CharField("lieu", max_length=10, choices=LocationKind.choices)
    site = models.ForeignKey(MspSite, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    host_name = models.CharField("structure d'accueil", max_length=200, blank=True)
    host_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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
    def time_zone(self) -> str:
        """The zone slots are shown and recur in: the place's, else the hub's main site's."""
        if self.location_kind == LocationKind.HOST_SITE and self.host_commune_id:
            return self.host_commune.time_zone
        # Iterates sites.all() so list queries can prefetch them.
        site = self.site or next((s for s in self.hub.msp.sites.all() if s.is_main), None)
        return site.commune.time_zone if site else "Europe/Paris"


class SlotSeries(models.Model):
    """Slots recurring by an RFC 5545 rule, in the place's local time (09:00 stays 09:00 across DST)."""

    offer = models.ForeignKey(SupportOffer, on_delete=models.CASCADE, related_name="series")
    rule = models.CharField("règle RFC 5545", max_length=300, help_text="Par exemple FREQ=WEEKLY;BYDAY=TU,FR")
    starts_on = models.DateField("à partir du")
    until = models.DateField("jusqu'au")
    start_time = models.TimeField("heure de début (locale)")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)")
    capacity = models.PositiveSmallIntegerField("places")
    time_zone = models.CharField("fuseau horaire", max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

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


class Slot(models.Model):
    """A bookable time of an offer; stored in UTC, shown in the offer's time zone."""

    offer = models.ForeignKey(SupportOffer, on_delete=models.CASCADE, related_name="slots")
    series = models.ForeignKey(
        SlotSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots"
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    capacity = models.PositiveSmallIntegerField(
        "places", validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    status = models.CharField("statut", max_length=10, choices=SlotStatus.choices, default=SlotStatus.OPEN)
    cancel_reason = models.CharField("motif d'annulation", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "créneau"
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


class BookingStatus(models.TextChoices):
    CONFIRMED = "CONFIRMED", "Confirmée"
    WAITLISTED = "WAITLISTED", "En liste d'attente"
    CANCELLED = "CANCELLED", "Annulée"


class BookingRole(models.TextChoices):
    ATTENDEE = "ATTENDEE", "Participant"
    STAFF = "STAFF", "Intervenant (tour de garde)"


class Booking(models.Model):
    """A practitioner's place on a slot: a seat (or waitlist place), or a turn staffing it.

    Staffing is a booking of role STAFF so that one exclusion constraint, on the slot
    times copied here, makes the database refuse any two overlapping confirmed
    commitments of one person: two staffed slots, two seats, or a seat and a turn.
    Capacity counts attendees only.
    """

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="bookings")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="bookings")
    role = models.CharField("rôle", max_length=8, choices=BookingRole.choices, default=BookingRole.ATTENDEE)
    status = models.CharField("statut", max_length=10, choices=BookingStatus.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField("motif d'annulation", max_length=500, blank=True)

    class Meta:
        verbose_name = "réservation"
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
        indexes = [models.Index(fields=["slot", "status", "created_at"], name="booking_slot_status")]

    def __str__(self):
        return f"{self.practitioner} — {self.slot} ({self.get_status_display()})"
