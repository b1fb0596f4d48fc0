"""Asking a hub for mentoring: describe the need, see the matched hubs and why, send, follow it live; then the
mentorship's thread, its outcome and my rating."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from .. import door
from ..labels import (
    MENTORING_TOPICS,
    MENTORSHIP_OUTCOMES,
    MILESTONES,
    OFFER_KINDS,
    PROJECT_STAGES,
    REQUEST_EVENTS,
    REQUEST_STATUSES,
)
from .shared import find_commune, instant, rating_variables

RADII = [20, 30, 50, 80]


@door.page
@login_required
def overview(request):
    data = door.read(request, "MyMentoring")
    requests = [edge["node"] for edge in data["mentoringRequests"]["edges"]]
    for item in requests:
        item["status_label"] = REQUEST_STATUSES.get(item["status"], item["status"])
        item["topic_labels"] = [MENTORING_TOPICS.get(t, t) for t in item["topics"]]
        item["created"] = instant(item["createdAt"])
    mentorships = [edge["node"] for edge in data["mentorships"]["edges"]]
    return render(
        request,
        "web/mentoring.html",
        {"title": "Mon accompagnement", "requests": requests, "mentorships": mentorships},
    )


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def ask(request):
    errors = door.FormErrors()
    values = {
        "topics": request.POST.getlist("topics"),
        "kinds": request.POST.getlist("kinds"),
        "message": request.POST.get("message", "").strip(),
        "commune": request.POST.get("communeCode", "").strip(),
        "radius": request.POST.get("radius", "50"),
    }
    if request.method == "GET":
        me = door.read(request, "MyCommune")["me"]
        commune = ((me or {}).get("practitioner") or {}).get("commune")
        values["commune"] = f"{commune['code']} — {commune['name']}" if commune else ""
    else:
        commune, _ = find_commune(request, values["commune"])
        if commune is None:
            errors.add("communeCode", "Indiquez la commune où vous exercez (son nom ou son code postal).")
        else:
            try:
                radius = float(values["radius"])
            except ValueError:
                radius = 50.0
            answer = door.run(
                request,
                "SubmitMentoringRequest",
                {
                    "input": {
                        "topics": [t for t in values["topics"] if t in MENTORING_TOPICS],
                        "message": values["message"],
                        "communeCode": commune["code"],
                        "radiusKm": radius,
                        "wantedKinds": [k for k in values["kinds"] if k in OFFER_KINDS] or None,
                    }
                },
            )
            if answer.ok("submitMentoringRequest"):
                created = answer.payload("submitMentoringRequest")["request"]
                messages.success(
                    request, "Votre demande est prête : choisissez la MSP tête de pont à qui l'envoyer."
                )
                return redirect("web:mentoring-request", request_id=created["id"])
            errors = answer.form_errors("submitMentoringRequest").keep_only(
                {"topics", "message", "communeCode", "radiusKm", "wantedKinds"}
            )
    return render(
        request,
        "web/mentoring_ask.html",
        {
            "title": "Demander un accompagnement",
            "values": values,
            "errors": errors,
            "topics": MENTORING_TOPICS,
            "kinds": OFFER_KINDS,
            "radii": RADII,
        },
        status=400 if errors else 200,
    )


@door.page
@login_required
def request_page(request, request_id: str):
    node = door.read(request, "MentoringRequestPage", {"id": request_id})["node"]
    if not node or "status" not in node:
        raise Http404("Aucune demande à cette adresse.")
    node["status_label"] = REQUEST_STATUSES.get(node["status"], node["status"])
    node["topic_labels"] = [MENTORING_TOPICS.get(t, t) for t in node["topics"]]
    for event in node["events"]:
        event["label"] = REQUEST_EVENTS.get(event["kind"], event["kind"])
        event["when"] = instant(event["createdAt"])
    matches = []
    if node["status"] in {"OPEN", "DECLINED"}:
        matches = door.read(request, "MatchHubs", {"id": node["id"]})["matchHubs"]
    return render(
        request,
        "web/mentoring_request.html",
        {
            "title": "Ma demande d'accompagnement",
            "item": node,
            "matches": matches,
            "live": {
                "query": door.document("LiveMentoringRequest"),
                "variables": {},
                "match": {"path": ["mentoringRequestEvents", "request", "id"], "equals": node["id"]},
            },
        },
    )


def _after(request, request_id: str, answer: door.Answer, mutation: str, done: str):
    """Back to the request's page, with what the API said."""
    if answer.ok(mutation):
        messages.success(request, done)
    else:
        errors = answer.form_errors(mutation)
        for message in errors.general + [m for ms in errors.fields.values() for m in ms]:
            messages.error(request, message)
    return redirect("web:mentoring-request", request_id=request_id)


@door.page
@login_required
@require_POST
def send(request, request_id: str):
    answer = door.run(
        request, "SendMentoringRequest", {"id": request_id, "hubId": request.POST.get("hub") or None}
    )
    return _after(
        request,
        request_id,
        answer,
        "sendMentoringRequest",
        "Votre demande est envoyée : la MSP tête de pont vous répond ici, et par e-mail.",
    )


@door.page
@login_required
@require_POST
def provide_info(request, request_id: str):
    answer = door.run(
        request,
        "ProvideMentoringRequestInfo",
        {"id": request_id, "message": request.POST.get("message", "").strip()},
    )
    return _after(
        request,
        request_id,
        answer,
        "provideMentoringRequestInfo",
        "Votre réponse est transmise à la MSP tête de pont.",
    )


@door.page
@login_required
@require_POST
def withdraw(request, request_id: str):
    answer = door.run(request, "WithdrawMentoringRequest", {"id": request_id})
    return _after(request, request_id, answer, "withdrawMentoringRequest", "Votre demande est retirée.")


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def mentorship(request, mentorship_id: str):
    errors = door.FormErrors()
    body = ""
    if request.method == "POST":
        if request.POST.get("action") == "end":
            outcome = request.POST.get("outcome", "")
            answer = door.run(
                request,
                "EndMentorship",
                {
                    "id": mentorship_id,
                    "outcome": outcome if outcome in MENTORSHIP_OUTCOMES else "OTHER",
                    "outcomeNote": request.POST.get("outcomeNote", "").strip() or None,
                },
            )
            mutation = "endMentorship"
            done = "L'accompagnement est terminé : ses heures reviennent à la capacité de la MSP."
        elif request.POST.get("action") == "log":
            topic = request.POST.get("topic", "")
            try:
                minutes = int(request.POST.get("durationMinutes", ""))
            except ValueError:
                minutes = 0
            answer = door.run(
                request,
                "LogTime",
                {
                    "mentorshipId": mentorship_id,
                    "date": request.POST.get("date", "") or timezone.localdate().isoformat(),
                    "durationMinutes": minutes,
                    "topic": topic if topic in MENTORING_TOPICS else None,
                    "notes": request.POST.get("notes", "").strip() or None,
                },
            )
            mutation = "logCoordinationSession"
            done = "Temps de coordination noté."
        elif request.POST.get("action") == "feedback":
            answer = door.run(request, "GiveMentorshipFeedback", rating_variables(request, mentorship_id))
            mutation = "giveMentorshipFeedback"
            done = "Merci : votre appréciation est transmise à la MSP tête de pont et à la Cnam."
        else:
            body = request.POST.get("body", "").strip()
            answer = door.run(request, "PostMentorshipMessage", {"id": mentorship_id, "body": body})
            mutation = "postMentorshipMessage"
            done = ""
        if answer.ok(mutation):
            if done:
                messages.success(request, done)
            return redirect("web:mentorship", mentorship_id=mentorship_id)
        errors = answer.form_errors(mutation).keep_only(
            {"body", "rating", "comment", "outcome", "outcomeNote", "date", "durationMinutes", "notes"}
        )
    node = door.read(request, "MentorshipPage", {"id": mentorship_id})["node"]
    if not node or "messages" not in node:
        raise Http404("Aucun accompagnement à cette adresse.")
    for message in node["messages"]:
        message["when"] = instant(message["createdAt"])
    node["started"] = date.fromisoformat(node["startsOn"])
    node["ended"] = date.fromisoformat(node["endedOn"]) if node["endedOn"] else None
    node["outcome_label"] = MENTORSHIP_OUTCOMES.get(node["outcome"] or "", "")
    node["stage_label"] = PROJECT_STAGES.get(node["projectStage"] or "", "")
    for step in node["projectMilestones"]:
        step["label"] = MILESTONES.get(step["kind"], step["kind"])
        step["day"] = date.fromisoformat(step["reachedOn"])
    for session in node["sessions"]:
        session["day"] = date.fromisoformat(session["date"])
        session["topic_label"] = MENTORING_TOPICS.get(session["topic"] or "", "")
    me = door.read(request, "Navigation")["me"] or {}
    is_mentee = (me.get("practitioner") or {}).get("id") == node["mentee"]["id"]
    return render(
        request,
        "web/mentorship.html",
        {
            "title": f"Accompagnement par {node['hub']['msp']['name']}"
            if is_mentee
            else f"Accompagnement de {node['mentee']['fullName']}",
            "item": node,
            "errors": errors,
            "body": body,
            "live": {"query": door.document("LiveMentorshipMessages"), "variables": {"id": node["id"]}},
            "is_mentee": is_mentee,
            "outcomes": MENTORSHIP_OUTCOMES,
            "topics": MENTORING_TOPICS,
            "today": timezone.localdate().isoformat(),
            "month": node["usage"][0] if node["usage"] else None,
        },
        status=400 if errors else 200,
    )
