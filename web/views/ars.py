"""The ARS agent's region (issue 27, journey 6, first part): its weak signals (take in hand, close with a note,
the suggested hubs) and its hubs, with the ARS's opinion to give on an application or a suspension."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import door
from ..labels import HUB_STATUSES, SIGNAL_KINDS, SIGNAL_STATUSES, composition_in_words


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
        },
    )
