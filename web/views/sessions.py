"""Peer facilitation sessions, the Project ECHO way (issue 27, journey 4): the agenda set before, the anonymised
cases participants submit (the API refuses a case carrying a social security number, a phone number or an
e-mail address), the documents published after, and attendance. One page for everyone concerned: each form
shows for those the API lets do it — the session's facilitator and the hub's coordinators, or its participants."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import door
from .shared import instant, local_time

ACTIONS = {  # form: (mutation, what it says once done, the fields it shows errors beside)
    "agenda": ("setSessionAgenda", "Ordre du jour enregistré.", {"agenda"}),
    "case": ("submitPeerCase", "Votre cas est transmis à l'animateur.", {"title", "body"}),
    "material": ("addSessionMaterial", "Document publié pour les participants.", {"title", "url"}),
}


def _run(request, slot_id: str, action: str):
    post = request.POST
    if action == "agenda":
        return door.run(request, "SetAgenda", {"slotId": slot_id, "agenda": post.get("agenda", "").strip()})
    if action == "case":
        return door.run(
            request,
            "SubmitCase",
            {"slotId": slot_id, "title": post.get("title", "").strip(), "body": post.get("body", "").strip()},
        )
    return door.run(
        request,
        "AddMaterial",
        {"slotId": slot_id, "title": post.get("title", "").strip(), "url": post.get("url", "").strip()},
    )


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def session(request, slot_id: str):
    errors = door.FormErrors()
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ACTIONS:
        mutation, done, fields = ACTIONS[action]
        answer = _run(request, slot_id, action)
        if answer.ok(mutation):
            messages.success(request, done)
            return redirect("web:session", slot_id=slot_id)
        errors = answer.form_errors(mutation).keep_only(fields)
        errors.fields = {f"{action}.{name}": m for name, m in errors.fields.items()}
    if action in {"ATTENDED", "NO_SHOW"}:
        answer = door.run(
            request, "MarkAttendance", {"bookingId": request.POST.get("booking", ""), "attendance": action}
        )
        if answer.ok("markAttendance"):
            messages.success(request, "Présence notée.")
        else:
            for message in answer.form_errors("markAttendance").general:
                messages.error(request, message)
        return redirect("web:session", slot_id=slot_id)
    item = door.read(request, "SessionPage", {"id": slot_id})["node"]
    if not item or "offer" not in item or item["offer"]["kind"] != "PEER_FACILITATION":
        raise Http404("Aucune séance d'échange entre pairs à cette adresse.")
    item["starts"], item["ends"] = local_time(item["localStartsAt"]), local_time(item["localEndsAt"])
    for case in item["cases"]:
        case["when"] = instant(case["createdAt"])
    started = datetime.fromisoformat(item["startsAt"]) <= timezone.now()
    hubs = {
        msp["hub"]["id"]
        for msp in (door.read(request, "MyHubs")["me"] or {}).get("coordinatedMsps") or []
        if msp["hub"]
    }
    leads = bool(item["myTurn"]) or item["offer"]["hub"]["id"] in hubs  # the facilitator, the coordinators
    return render(
        request,
        "web/session.html",
        {
            "title": f"{item['offer']['title']} — {item['starts']:%d/%m/%Y}",
            "item": item,
            "leads": leads,
            "participant": bool(item["mySeat"]) and item["mySeat"]["status"] == "CONFIRMED",
            "started": started,
            "participants": [
                b for b in item["bookings"] if b["role"] == "ATTENDEE" and b["status"] == "CONFIRMED"
            ],
            "errors": errors,
            "action": action,
            "values": request.POST if errors else {},
        },
        status=400 if errors else 200,
    )
