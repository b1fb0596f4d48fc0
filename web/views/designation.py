"""Designation by the Cnam (issue 27, journey 7): the hub applications and designations, each with its MSP's
composition, its maturity (opening date, verified) and the ARS opinions side by side; approve, or suspend with
a reason. Who may is the API's rule (APPROVE_HUBS)."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import door
from ..labels import HUB_STATUSES, OFFER_KINDS, composition_in_words

ORDER = {"CANDIDATE": 0, "SUSPENDED": 1, "APPROVED": 2}


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def designations(request):
    me = door.read(request, "Navigation")["me"] or {}
    if not (me.get("isCnamStaff") or me.get("isAdmin")):  # the API refuses the others' decisions anyway
        raise PermissionDenied(
            "Cette page est celle de l'équipe de la Cnam qui désigne les MSP tête de pont."
        )
    if request.method == "POST":
        hub_id = request.POST.get("hub", "")
        if request.POST.get("action") == "approve":
            answer = door.run(
                request,
                "ApproveHub",
                {"id": hub_id, "reason": request.POST.get("reason", "").strip() or None},
            )
            mutation, done = "approveHub", "La MSP est désignée tête de pont."
        else:
            answer = door.run(
                request, "SuspendHub", {"id": hub_id, "reason": request.POST.get("reason", "").strip()}
            )
            mutation, done = (
                "suspendHub",
                "La désignation est suspendue ; la MSP et l'ARS le voient avec votre raison.",
            )
        if answer.ok(mutation):
            messages.success(request, done)
        else:
            errors = answer.form_errors(mutation)
            for message in errors.general + [m for ms in errors.fields.values() for m in ms]:
                messages.error(request, message)
        return redirect("web:designations")
    hubs = [edge["node"] for edge in door.read(request, "Designations")["hubs"]["edges"]]
    for hub in hubs:
        hub["status_label"] = HUB_STATUSES.get(hub["status"], hub["status"])
        hub["offers"] = [OFFER_KINDS.get(k, k) for k in hub["offerKinds"]]
        hub["composition_words"] = composition_in_words(hub["msp"]["composition"])
        counted: dict[str, int] = {}
        for membership in hub["msp"]["memberships"]:
            label = membership["practitioner"]["profession"]["label"]
            counted[label] = counted.get(label, 0) + 1
        hub["professions"] = sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))
        opening = hub["msp"]["openingDate"]
        hub["opened"] = date.fromisoformat(opening) if opening else None
        hub["years"] = (date.today() - hub["opened"]).days // 365 if opening else None
        for opinion in hub["arsOpinions"]:
            opinion["when"] = datetime.fromisoformat(opinion["createdAt"])
    hubs.sort(key=lambda hub: (ORDER.get(hub["status"], 3), hub["appliedAt"]))
    return render(
        request, "web/designations.html", {"title": "Désignation des MSP tête de pont", "hubs": hubs}
    )
