"""My MSP in project: declare it with its main site, invite its members by RPPS, its composition against the rule
in plain French, and who in the network can help; the invitations addressed to me."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from .. import door
from ..labels import MEMBERSHIP_ROLES, MILESTONES, MSP_STATUSES, PROJECT_STAGES, composition_in_words
from .shared import find_commune


@door.page
@login_required
def overview(request):
    data = door.read(request, "MyProject")
    msps = (data["me"] or {}).get("coordinatedMsps") or []
    for msp in msps:
        msp["status_label"] = MSP_STATUSES.get(msp["status"], msp["status"])
    invitations = data["mspInvitations"]  # without an MSP, those addressed to me
    for invitation in invitations:
        invitation["role_label"] = MEMBERSHIP_ROLES.get(invitation["role"], invitation["role"])
    return render(
        request, "web/projects.html", {"title": "Mon projet de MSP", "msps": msps, "invitations": invitations}
    )


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def declare(request):
    errors = door.FormErrors()
    values = {name: request.POST.get(name, "").strip() for name in ("name", "siteName", "address", "commune")}
    if request.method == "POST":
        commune, _ = find_commune(request, values["commune"])
        if commune is None:
            errors.add("communeCode", "Indiquez la commune du site (son nom ou son code postal).")
        else:
            answer = door.run(
                request,
                "CreateMsp",
                {
                    "input": {
                        "name": values["name"],
                        "status": "PROJECT",
                        "sites": [
                            {
                                "name": values["siteName"] or "Site principal",
                                "address": values["address"],
                                "communeCode": commune["code"],
                                "isMain": True,
                            }
                        ],
                    }
                },
            )
            if answer.ok("createMsp"):
                messages.success(
                    request, "Votre projet de MSP est déclaré : invitez maintenant ses futurs associés."
                )
                return redirect("web:project", msp_id=answer.payload("createMsp")["msp"]["id"])
            errors = answer.form_errors("createMsp").keep_only({"name", "address", "communeCode"})
    return render(
        request, "web/project_declare.html", {"title": "Déclarer mon projet de MSP", "values": values, "errors": errors},
        status=400 if errors else 200,
    )  # fmt: skip


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def project(request, msp_id: str):
    errors = door.FormErrors()
    invite = {"rpps": request.POST.get("rpps", "").strip(), "role": request.POST.get("role", "ASSOCIATE")}
    milestone = {"kind": request.POST.get("kind", ""), "reachedOn": request.POST.get("reachedOn", ""),
                 "note": request.POST.get("note", "").strip()}  # fmt: skip
    if request.method == "POST" and request.POST.get("action") == "milestone":
        answer = door.run(
            request,
            "RecordMilestone",
            {
                "mspId": msp_id,
                "kind": milestone["kind"] if milestone["kind"] in MILESTONES else "HEALTH_PROJECT_WRITTEN",
                "reachedOn": milestone["reachedOn"] or timezone.localdate().isoformat(),
                "note": milestone["note"] or None,
            },
        )
        if answer.ok("recordProjectMilestone"):
            messages.success(request, "Étape enregistrée.")
            return redirect("web:project", msp_id=msp_id)
        errors = answer.form_errors("recordProjectMilestone").keep_only({"reachedOn", "note"})
    elif request.method == "POST":
        answer = door.run(
            request,
            "InviteMember",
            {
                "mspId": msp_id,
                "rpps": invite["rpps"],
                "role": invite["role"] if invite["role"] in MEMBERSHIP_ROLES else "ASSOCIATE",
            },
        )
        if answer.ok("inviteMspMember"):
            messages.success(request, "L'invitation est envoyée : la personne l'accepte depuis son compte.")
            return redirect("web:project", msp_id=msp_id)
        errors = answer.form_errors("inviteMspMember").keep_only({"rpps", "role"})
    data = door.read(request, "ProjectPage", {"id": msp_id})
    msp = data["node"]
    if not msp or "composition" not in msp:
        raise Http404("Aucune MSP à cette adresse.")
    for membership in msp["memberships"]:
        membership["role_label"] = MEMBERSHIP_ROLES.get(membership["role"], membership["role"])
    for step in msp["milestones"]:
        step["label"] = MILESTONES.get(step["kind"], step["kind"])
        step["day"] = date.fromisoformat(step["reachedOn"])
    for invitation in data["mspInvitations"]:
        invitation["role_label"] = MEMBERSHIP_ROLES.get(invitation["role"], invitation["role"])
    return render(
        request,
        "web/project.html",
        {
            "title": msp["name"],
            "msp": msp,
            "status_label": MSP_STATUSES.get(msp["status"], msp["status"]),
            "composition": composition_in_words(msp["composition"]),
            "invitations": data["mspInvitations"],
            "roles": MEMBERSHIP_ROLES,
            "invite": invite,
            "milestone": milestone,
            "milestones": MILESTONES,
            "stage": PROJECT_STAGES.get(msp["projectStage"] or "", ""),
            "today": timezone.localdate().isoformat(),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@door.page
@login_required
@require_POST
def respond(request, invitation_id: str):
    accept = request.POST.get("accept") == "yes"
    answer = door.run(request, "RespondToInvitation", {"id": invitation_id, "accept": accept})
    if answer.ok("respondToMspInvitation"):
        name = answer.payload("respondToMspInvitation")["invitation"]["msp"]["name"]
        messages.success(
            request, f"Vous avez rejoint {name}." if accept else f"Vous avez décliné l'invitation de {name}."
        )
    else:
        errors = answer.form_errors("respondToMspInvitation")
        for message in errors.general + [m for ms in errors.fields.values() for m in ms]:
            messages.error(request, message)
    return redirect("web:projects")
