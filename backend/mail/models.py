"""The outbox: every e-mail the platform sends is a row here, written in the transaction of the change
that causes it, and a job (`backend.mail.tasks.send_email`) that delivers it."""

from django.db import models
from django.db.models.functions import Lower


class EmailStatus(models.TextChoices):
    QUEUED = "QUEUED", "À envoyer"
    SENT = "SENT", "Accepté par le serveur de messagerie"
    FAILED = "FAILED", "Échec : tentatives épuisées"
    DROPPED = "DROPPED", "Abandonné : plus d'actualité"


class OutgoingEmail(models.Model):
    """One message to one recipient.

    The body is emptied once the mail server has accepted it (the message is gone; we keep that it was
    sent, when, to whom). `still_due` names a check run just before sending (a reminder of a slot that
    was cancelled or moved meanwhile is dropped, not sent).
    """

    kind = models.CharField("type", max_length=60, db_index=True)
    to = models.EmailField("destinataire")
    subject = models.CharField("objet", max_length=300)
    body = models.TextField("texte", blank=True)
    html_body = models.TextField("HTML", blank=True)
    # An iCalendar invitation (METHOD REQUEST or CANCEL) a calendar client applies by itself.
    calendar = models.TextField("invitation iCalendar", blank=True)
    status = models.CharField("statut", max_length=8, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    # Stable across retries, so a receiving server that got the message twice can tell.
    message_id = models.CharField("Message-ID", max_length=200, unique=True)
    still_due = models.CharField("condition d'envoi", max_length=120, blank=True)
    still_due_args = models.JSONField("paramètres de la condition", default=dict, blank=True)
    job_id = models.BigIntegerField("tâche", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "e-mail"
        verbose_name_plural = "e-mails"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="email_status_created"),
            # What one address received lately (services.may_send_unsolicited).
            models.Index(Lower("to"), "created_at", name="email_to_created"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"
