"""The hub coordinator's dashboard (issue 27): requests waiting for the hub's answer, unstaffed rota turns in the
next 14 days, this month's coordination time against capacity, the next slots with seats taken — live."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import door
from ..labels import HUB_REQUEST_STATUSES, MENTORING_TOPICS, REQUEST_EVENTS
from .shared import local_time

HORIZON = timedelta(days=14)


@door.page
@login_required
def dashboard(request):
    msps = (door.read(request, "MyHubs")["me"] or {}).get("coordinatedMsps") or []
    hubs = [
        (msp["hub"]["id"], msp["name"]) for msp in msps if msp["hub"] and msp["hub"]["status"] == "APPROVED"
    ]
    if not hubs:
        raise PermissionDenied("Ce tableau de bord est celui des coordinateurs d'une MSP tête de pont.")
    chosen = request.GET.get("hub")
    hub_id = chosen if chosen in {hub for hub, _ in hubs} else hubs[0][0]
    now = timezone.now()
    data = door.read(
        request,
        "HubDashboard",
        {"hubId": hub_id, "from": now.isoformat(), "until": (now + HORIZON).isoformat()},
    )
    waiting = [edge["node"] for edge in data["waiting"]["edges"]]
    for item in waiting:
        item["topic_labels"] = [MENTORING_TOPICS.get(t, t) for t in item["topics"]]
        item["since"] = datetime.fromisoformat(item["waitingSince"]) if item["waitingSince"] else None
    waiting.sort(key=lambda item: item["since"] or now)  # oldest first
    slots = []
    for edge in data["slots"]["edges"]:
        slot = edge["node"]
        if slot["status"] != "OPEN":
            continue
        slot["starts"], slot["ends"] = local_time(slot["localStartsAt"]), local_time(slot["localEndsAt"])
        slot["taken"] = slot["capacity"] - slot["seatsLeft"]
        slots.append(slot)
    unstaffed = [
        slot for slot in slots if slot["offer"]["kind"] == "ADVANCED_CONSULTATION" and not slot["staff"]
    ]
    time = data["hubCoordinationTime"]
    capacity = time["capacityHours"] or 0
    return render(
        request,
        "web/coordination.html",
        {
            "title": f"Tableau de bord — {data['node']['msp']['name']}",
            "hub": data["node"],
            "hubs": hubs if len(hubs) > 1 else [],
            "waiting": waiting,
            "waiting_count": data["waiting"]["totalCount"],
            "unstaffed": unstaffed,
            "next_slots": slots[:10],
            "time": time,
            "impact": data["hubImpact"],
            "mentorships": [edge["node"] for edge in data["mentorships"]["edges"]],
            "given_percent": min(round(100 * time["hoursGiven"] / capacity), 100) if capacity else 0,
            "allotted_percent": min(round(100 * time["hoursAllotted"] / capacity), 100) if capacity else 0,
            "live": [
                {"query": door.document("LiveHubRequests"), "variables": {"hubId": hub_id}},
                {"query": door.document("LiveHubSlots"), "variables": {"hubId": hub_id}},
            ],
        },
    )


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def request_page(request, request_id: str):
    """A request sent to the hub: accept it (hours a month), decline it with a reason, or ask a question."""
    errors = door.FormErrors()
    action = request.POST.get("action")
    if request.method == "POST":
        if action == "accept":
            try:
                hours = float(request.POST.get("hoursPerMonth", "").replace(",", "."))
            except ValueError:
                hours = 0.0
            answer = door.run(request, "AcceptRequest", {"id": request_id, "hoursPerMonth": hours})
            mutation, done = "acceptMentoringRequest", "Demande acceptée : l'accompagnement commence."
        elif action == "decline":
            answer = door.run(
                request,
                "DeclineRequest",
                {"id": request_id, "reason": request.POST.get("reason", "").strip()},
            )
            mutation, done = "declineMentoringRequest", "Demande déclinée : le demandeur reçoit votre raison."
        else:
            answer = door.run(
                request,
                "AskRequestInfo",
                {"id": request_id, "question": request.POST.get("question", "").strip()},
            )
            mutation, done = "askMentoringRequestInfo", "Votre question est envoyée au demandeur."
        if answer.ok(mutation):
            messages.success(request, done)
            return redirect("web:hub-request", request_id=request_id)
        errors = answer.form_errors(mutation).keep_only({"hoursPerMonth", "reason", "question"})
    item = door.read(request, "HubRequestPage", {"id": request_id})["node"]
    if not item or "requester" not in item:
        raise Http404("Aucune demande à cette adresse.")
    item["topic_labels"] = [MENTORING_TOPICS.get(t, t) for t in item["topics"]]
    item["status_label"] = HUB_REQUEST_STATUSES.get(item["status"], item["status"])
    for event in item["events"]:
        event["label"] = REQUEST_EVENTS.get(event["kind"], event["kind"])
        event["when"] = datetime.fromisoformat(event["createdAt"])
    return render(
        request,
        "web/hub_request.html",
        {"title": "Demande d'accompagnement", "item": item, "errors": errors, "action": action},
        status=400 if errors else 200,
    )
