"""Every e-mail is a pair of templates (issue 25): each one is rendered here with a real context — the
notification functions called on objects the services made — and what comes out is checked: a subject, the
text without HTML escaping, the HTML in the platform's layout with the same words, and no template left
behind (a template no notification uses fails, as does one without its pair)."""

import html
import re
from datetime import date

import pytest
from django.core import mail

from backend.accounts.passwords import request_password_reset
from backend.mail import rendering
from backend.mail import services as mail_services
from mentoring import notifications as mentoring_notifications
from mentoring.accelerator import notifications as accelerator_notifications
from mentoring.accelerator import services as accelerator
from mentoring.accelerator.permissions import STAFF_REPLY
from mentoring.accelerator.services.service_levels import clocks
from mentoring.models import BookingRole
from mentoring.services import booking as booking_service
from mentoring.services import requests as request_service
from network import notifications as network_notifications
from tests.core.test_email_subjects import email_templates
from tests.factories import make_practitioner
from tests.helpers import deliver_queued_mail, offer_for, question, slot_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(monkeypatch):
    """What `render_email` made, by template (the real function, watched)."""
    made = {}
    real = rendering.render_email

    def watched(template, context):
        made[template] = (context, real(template, context))
        return made[template][1]

    monkeypatch.setattr(mail_services, "render_email", watched)  # where queue_templated_email finds it
    return made


def test_every_template_renders_with_a_real_context(world, rendered):
    network_notifications.send_registration_code("nouveau@test.invalid", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg")
    network_notifications.send_account_exists("deja@test.invalid")
    network_notifications.send_invitation("invite@test.invalid", "MSP <des> « Coteaux » & Co")
    network_notifications.send_claim_dropped("ancien@test.invalid")
    request_password_reset(world.user("practitioner").email)

    offer = offer_for(world.hub)
    slot = slot_for(offer, capacity=1)
    practitioner = world.user("practitioner").practitioner
    booking = booking_service.book_slot(slot, practitioner)
    waiting = booking_service.book_slot(slot, make_practitioner(user=True), waitlist=True)
    coordinator = world.user("coordinator").practitioner
    for send in (
        mentoring_notifications.booking_confirmed,
        mentoring_notifications.booking_promoted,
        mentoring_notifications.booking_rescheduled,
        mentoring_notifications.slot_moved,
        mentoring_notifications.booking_cancelled,
        mentoring_notifications.booking_reminder,
    ):
        send(booking)
    mentoring_notifications.booking_waitlisted(waiting)
    mentoring_notifications.slot_cancelled(booking, "Le médecin est souffrant.")
    mentoring_notifications.turn_declined(coordinator, booking, "Congés")
    booking.role = BookingRole.STAFF
    mentoring_notifications.booking_reminder(booking)
    mentoring_notifications.unstaffed_turns(coordinator, world.hub, [slot])

    data = request_service.RequestData(
        topics=["HEALTH_PROJECT"], message="Par où\ncommencer ?", commune_code="51272"
    )
    request = request_service.open_for_hub(make_practitioner(user=True), data, world.hub)
    request_service.ask_for_info(request, "Combien de professionnels ?")
    request_service.provide_info(request, "Six, dont <deux> médecins.")
    mentorship = request_service.accept_request(request, 4, date(2030, 1, 7))
    mentoring_notifications.request_declined(request, "Plus de disponibilité")
    request.waiting_since = request.created_at  # annotated by the digest's query
    mentoring_notifications.request_digest(coordinator, world.hub, [request], None)
    mentoring_notifications.mentorship_messages(mentorship, True, 1)
    mentoring_notifications.mentorship_messages(mentorship, False, 3)

    staff = world.user("cnam_staff")
    asked = accelerator.submit(practitioner, question(subject="Statuts & <SISA>"))
    accelerator.reply(asked, staff, "Voici\nla réponse.", internal=False, rights=STAFF_REPLY)
    accelerator_notifications.ars_replied(asked, "L'ARS répond.")
    accelerator_notifications.routed_to_ars(asked, asked.messages.last())
    accelerator_notifications.merged(asked, asked.messages.last())
    accelerator_notifications.service_level_alert(
        asked, clocks(asked, asked.created_at), ["agent@test.invalid"]
    )
    accelerator_notifications.escalated(asked, staff, ["chef@test.invalid"])

    files = {f"{p.parent.name}/{p.stem}" for p in email_templates()}
    assert set(rendered) == files  # every template used, none missing
    for template, (_, email) in rendered.items():
        assert email.subject and "\n" not in email.subject and "{" not in email.subject, template
        assert email.text.startswith("Bonjour,\n\n") and email.text.rstrip().endswith("L'équipe Tête de pont")
        assert "&lt;" not in email.text and "&amp;" not in email.text and "&#x27;" not in email.text, template
        assert "{{" not in email.text and "{%" not in email.text and "{{" not in email.html, template
        assert f"<title>{html.escape(email.subject, quote=False)}</title>" in email.html.replace(
            "&#x27;", "'"
        )
        assert "Tête de pont" in email.html and "L'équipe Tête de pont" in email.html.replace("&#x27;", "'")
        words = [w for w in re.findall(r"[A-Za-zÀ-ÿ]{6,}", email.text.split("\n\n", 1)[1]) if "<" not in w]
        page = html.unescape(re.sub(r"<[^>]+>", " ", email.html))
        assert all(word in page for word in words), template  # the same words in both parts
    invitation = rendered["network/msp_invitation"][1]
    assert "MSP <des> « Coteaux » & Co" in invitation.text  # the text as typed…
    assert "MSP &lt;des&gt; « Coteaux » &amp; Co" in invitation.html  # …and escaped in the HTML


def test_a_delivered_message_carries_its_html_and_its_invitation(world):
    slot = slot_for(offer_for(world.hub))
    mail.outbox.clear()
    booking_service.book_slot(slot, world.user("practitioner").practitioner)
    deliver_queued_mail()
    (message,) = [m for m in mail.outbox if m.subject.startswith("Réservation confirmée")]
    kinds = [kind for _, kind in message.alternatives]
    assert kinds[0] == "text/html" and kinds[1] == "text/calendar; method=REQUEST; charset=utf-8"
    assert "Bonjour," in message.body and "<!DOCTYPE html>" in message.alternatives[0][0]
    (attachment,) = message.attachments
    assert attachment[0] == "invitation.ics" and "METHOD:REQUEST" in attachment[1]
