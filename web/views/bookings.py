"""Booking a slot, my appointments, cancelling: forms that post; the API says yes, or why not in French."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from .. import door
from ..labels import BOOKING_STATUSES, LOCATION_KINDS, OFFER_KINDS
from .shared import local_time


def _slot(request, slot_id: str) -> dict:
    node = door.read(request, "SlotPage", {"id": slot_id})["node"]
    if not node or "offer" not in node:
        raise Http404("Aucun créneau à cette adresse.")
    node["starts"] = local_time(node["localStartsAt"])
    node["ends"] = local_time(node["localEndsAt"])
    node["offer"]["kind_label"] = OFFER_KINDS.get(node["offer"]["kind"], node["offer"]["kind"])
    node["offer"]["location_label"] = LOCATION_KINDS.get(node["offer"]["locationKind"], "")
    return node


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def book(request, slot_id: str):
    slot = _slot(request, slot_id)
    errors = door.FormErrors()
    answer_text = ""
    if request.method == "POST":
        answer_text = request.POST.get("answer", "").strip()
        variables = {
            "slotId": slot["id"],
            "answer": answer_text or None,
            "idempotencyKey": request.POST.get("key") or None,
        }
        if request.POST.get("action") == "waitlist":
            mutation, answer = "joinWaitlist", door.run(request, "JoinWaitlist", variables)
        else:
            mutation, answer = "bookSlot", door.run(request, "BookSlot", variables)
        if answer.ok(mutation):
            booking = answer.payload(mutation)["booking"]
            if booking["status"] == "WAITLISTED":
                messages.info(
                    request,
                    "Vous êtes sur la liste d'attente : une place libérée vous reviendra, vous serez prévenu.",
                )
            else:
                messages.success(request, "C'est réservé : vous recevez une confirmation par e-mail.")
            return redirect("web:bookings")
        errors = answer.form_errors(mutation).keep_only({"answer"})
    return render(
        request,
        "web/book.html",
        {
            "title": f"Réserver : {slot['offer']['title']}",
            "slot": slot,
            "errors": errors,
            "answer": answer_text,
            "key": uuid.uuid4().hex,  # a form posted twice books once (the API's idempotency key)
            "live": {
                "query": door.document("LiveSeats"),
                "mode": "seats",
                "variables": {"hubId": slot["offer"]["hub"]["id"]},
            },
        },
        status=400 if errors else 200,
    )


@door.page
@login_required
def bookings(request):
    data = door.read(request, "MyBookings")
    upcoming, past = [], []
    for edge in data["myBookings"]["edges"]:
        booking = edge["node"]
        booking["starts"] = local_time(booking["slot"]["localStartsAt"])
        booking["ends"] = local_time(booking["slot"]["localEndsAt"])
        booking["status_label"] = BOOKING_STATUSES.get(booking["status"], booking["status"])
        booking["location_label"] = LOCATION_KINDS.get(booking["slot"]["offer"]["locationKind"], "")
        booking["active"] = booking["status"] in {"CONFIRMED", "WAITLISTED"}
        (upcoming if booking["active"] else past).append(booking)
    return render(
        request,
        "web/bookings.html",
        {
            "title": "Mes rendez-vous",
            "upcoming": upcoming,
            "past": past,
            # A promotion from the waitlist, a slot moved or cancelled by the hub: the list is fetched again.
            "live": {"query": door.document("LiveMyBookings"), "variables": {}},
        },
    )


@door.page
@login_required
@require_POST
def cancel(request, booking_id: str):
    answer = door.run(
        request, "CancelBooking", {"id": booking_id, "reason": request.POST.get("reason", "").strip() or None}
    )
    if answer.ok("cancelBooking"):
        messages.success(request, "Votre rendez-vous est annulé.")
    else:
        for message in answer.form_errors("cancelBooking").general + [
            m for ms in answer.form_errors("cancelBooking").fields.values() for m in ms
        ]:
            messages.error(request, message)
    return redirect("web:bookings")


@door.page
@login_required
def calendar_file(request, booking_id: str):
    """The booking as a .ics file to open in one's calendar (the API's `Booking.calendarFile`)."""
    node = door.read(request, "BookingCalendarFile", {"id": booking_id})["node"]
    if not node or not node.get("calendarFile"):
        raise Http404("Ce rendez-vous n'est pas confirmé, ou n'existe pas.")
    response = HttpResponse(node["calendarFile"], content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rendez-vous.ics"'
    return response


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request, booking_id: str):
    errors = door.FormErrors()
    if request.method == "POST":
        answer = door.run(
            request, "RescheduleBooking", {"id": booking_id, "slotId": request.POST.get("slot", "")}
        )
        if answer.ok("rescheduleBooking"):
            messages.success(request, "Votre rendez-vous est déplacé : une confirmation part par e-mail.")
            return redirect("web:bookings")
        errors = answer.form_errors("rescheduleBooking").keep_only(set())
    booking = door.read(request, "RescheduleChoices", {"id": booking_id})["node"]
    if not booking or "slot" not in booking:
        raise Http404("Aucun rendez-vous à cette adresse.")
    booking["starts"] = local_time(booking["slot"]["localStartsAt"])
    slots = door.read(
        request, "OfferSlots", {"offerId": booking["slot"]["offer"]["id"], "from": timezone.now().isoformat()}
    )["slots"]["edges"]
    choices = []
    for edge in slots:
        slot = edge["node"]
        if slot["id"] != booking["slot"]["id"] and slot["status"] == "OPEN":
            slot["starts"], slot["ends"] = local_time(slot["localStartsAt"]), local_time(slot["localEndsAt"])
            choices.append(slot)
    return render(
        request,
        "web/reschedule.html",
        {"title": "Changer de créneau", "booking": booking, "choices": choices, "errors": errors},
        status=400 if errors else 200,
    )
