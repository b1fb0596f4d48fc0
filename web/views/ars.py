"""The ARS agent's region (issue 27, journey 6, first part): its weak signals (take in hand, close with a note,
the suggested hubs) and its hubs, with the ARS's opinion to give on an application or a suspension."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import door
from ..labels import ACCELERATOR_CATEGORIES, HUB_STATUSES, SIGNAL_KINDS, SIGNAL_STATUSES, composition_in_words
from .shared import instant


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def region(request):
    me = door.read(request, "Navigation")["me"] or {}
    if not me.get("arsRegion"):
        raise PermissionDenied("Cette page est celle des agents d'une agence régionale de santé.")
    if request.method == "POST":
        action, note = request.POST.get("action"), request.POST.get("note", "").strip()
        signal = request.POST.get("signal", "")
        if action == "acknowledge":
            answer = door.run(request, "AcknowledgeSignal", {"id": signal, "note": note})
            mutation, done = "acknowledgeWeakSignal", "Le signal est pris en charge."
        elif action == "close":
            answer = door.run(request, "CloseSignal", {"id": signal, "note": note})
            mutation, done = "closeWeakSignal", "Le signal est clos."
        else:
            mutation = "giveArsOpinionOnHub"
            answer = door.run(
                request,
                "GiveArsOpinion",
                {
                    "hubId": request.POST.get("hub", ""),
                    "decision": "SUSPENSION" if request.POST.get("decision") == "SUSPENSION" else "APPROVAL",
                    "favourable": request.POST.get("favourable") == "yes",
                    "reason": request.POST.get("reason", "").strip(),
                },
            )
            done = "Votre avis est transmis à la Cnam."
        if answer.ok(mutation):
            messages.success(request, done)
        else:
            errors = answer.form_errors(mutation)
            for message in errors.general + [m for ms in errors.fields.values() for m in ms]:
                messages.error(request, message)
        return redirect("web:ars")
    data = door.read(request, "RegionSignals", {"region": me["arsRegion"]["code"]})
    signals = [edge["node"] for edge in data["weakSignals"]["edges"]]
    for signal in signals:
        signal["kind_label"] = SIGNAL_KINDS.get(signal["kind"], signal["kind"])
        signal["status_label"] = SIGNAL_STATUSES.get(signal["status"], signal["status"])
        signal["detected"] = datetime.fromisoformat(signal["detectedAt"])
    inbox = [edge["node"] for edge in data["arsInbox"]["edges"]]
    for item in inbox:
        item["category_label"] = ACCELERATOR_CATEGORIES.get(item["category"], item["category"])
        item["created"] = instant(item["createdAt"])
        item["routed"] = instant(item["updatedAt"])
    hubs = [edge["node"] for edge in data["hubs"]["edges"]]
    for hub in hubs:
        hub["status_label"] = HUB_STATUSES.get(hub["status"], hub["status"])
        hub["composition_words"] = composition_in_words(hub["msp"]["composition"])
    return render(
        request,
        "web/ars.html",
        {
            "title": f"ARS {me['arsRegion']['name']}",
            "region": me["arsRegion"],
            "signals": signals,
            "hubs": hubs,
            "inbox": inbox,
            "inbox_count": data["arsInbox"]["totalCount"],
            "live": {"query": door.document("LiveArsInbox"), "variables": {}},
        },
    )


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def question(request, question_id: str):
    """A question the Cnam routed to the ARS: the thread (public replies and the ARS's notes, never the Cnam's
    internal ones), a reply to the requester, a note for the ARS and the Cnam, or the question handed back."""
    me = door.read(request, "Navigation")["me"] or {}
    if not me.get("arsRegion"):
        raise PermissionDenied("Cette page est celle des agents d'une agence régionale de santé.")
    errors = door.FormErrors()
    action = request.POST.get("action") if request.method == "POST" else None
    if action in {"reply", "note", "hand-back"}:
        text = request.POST.get("note" if action == "hand-back" else "body", "").strip()
        if action == "hand-back":
            answer = door.run(request, "HandBackToCnam", {"id": question_id, "note": text})
            mutation, done = "handAcceleratorRequestBackToCnam", "La question est rendue à la Cnam."
        else:
            answer = door.run(
                request, "ArsReply", {"id": question_id, "body": text, "note": action == "note"}
            )
            mutation = "replyToAcceleratorRequestAsArs"
            done = "Note enregistrée." if action == "note" else "Réponse envoyée au demandeur."
        if answer.ok(mutation):
            messages.success(request, done)
            if action == "hand-back":
                return redirect("web:ars")
            return redirect("web:ars-question", question_id=question_id)
        errors = answer.form_errors(mutation).keep_only({"body", "note"})
        # One text per form (a reply or note's `body`, the hand-back's `note`): shown beside that form's field.
        errors.fields = (
            {f"{action}.text": [m for ms in errors.fields.values() for m in ms]} if errors.fields else {}
        )
    item = door.read(request, "ArsQuestionPage", {"id": question_id})["acceleratorRequest"]
    if not item:
        raise Http404("Aucune question à cette adresse.")
    item["category_label"] = ACCELERATOR_CATEGORIES.get(item["category"], item["category"])
    item["created"] = instant(item["createdAt"])
    for message in item["messages"]:
        message["when"] = instant(message["createdAt"])
    return render(
        request,
        "web/ars_question.html",
        {
            "title": item["subject"],
            "item": item,
            "errors": errors,
            "action": action,
            "body": request.POST.get("note" if action == "hand-back" else "body", "") if errors else "",
            "with_ars": item["state"] == "ROUTED_TO_ARS",
            "region": me["arsRegion"],
            "live": {"query": door.document("LiveAgentRequest"), "variables": {"id": item["id"]}},
        },
        status=400 if errors else 200,
    )
