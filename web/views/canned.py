"""The Cnam agents' tools (issue 27, journey 5): canned answers and the macros they make (the state, impact,
tags and assignment they set), and the tags — renamed, or merged into another."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import door
from ..labels import ACCELERATOR_CATEGORIES, AGENT_STATES, LEVELS
from .queue import staff_only


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def tools(request):
    staff_only(request)
    errors = door.FormErrors()
    action = request.POST.get("action") if request.method == "POST" else None
    post = request.POST
    if action == "save":
        category, state, impact = post.get("category"), post.get("setsState"), post.get("setsImpact")
        answer = door.run(
            request,
            "SaveCannedAnswer",
            {
                "id": post.get("id") or None,
                "title": post.get("title", "").strip(),
                "body": post.get("body", "").strip(),
                "category": category if category in ACCELERATOR_CATEGORIES else None,
                "setsState": state if state in AGENT_STATES else None,
                "setsImpact": impact if impact in LEVELS else None,
                "setsTagIds": post.getlist("setsTagIds"),
                "assignsToSelf": post.get("assignsToSelf") == "on",
            },
        )
        if answer.ok("saveCannedAnswer"):
            messages.success(request, "Réponse type enregistrée.")
            return redirect("web:queue-tools")
        errors = answer.form_errors("saveCannedAnswer").keep_only({"title", "body"})
    elif action in {"rename", "merge"}:
        if action == "rename":
            answer = door.run(
                request, "RenameTag", {"id": post.get("tag", ""), "name": post.get("name", "").strip()}
            )
            mutation, done = "renameAcceleratorTag", "Étiquette renommée."
        else:
            answer = door.run(
                request, "MergeTags", {"sourceId": post.get("tag", ""), "targetId": post.get("into", "")}
            )
            mutation, done = (
                "mergeAcceleratorTags",
                "Étiquettes fusionnées : les demandes portent celle qui reste.",
            )
        if answer.ok(mutation):
            messages.success(request, done)
        else:
            found = answer.form_errors(mutation)
            for message in found.general + [m for ms in found.fields.values() for m in ms]:
                messages.error(request, message)
        return redirect("web:queue-tools")
    data = door.read(request, "CannedAnswersPage")
    answers = data["cannedAnswers"]
    for answer in answers:
        answer["category_label"] = ACCELERATOR_CATEGORIES.get(answer["category"] or "", "Toutes catégories")
        answer["state_label"] = AGENT_STATES.get(answer["setsState"] or "", "")
        answer["impact_label"] = LEVELS.get(answer["setsImpact"] or "", "")
        answer["tag_ids"] = [tag["id"] for tag in answer["setsTags"]]
    editing = next((a for a in answers if a["id"] == request.GET.get("modifier")), None)
    return render(
        request,
        "web/queue_tools.html",
        {
            "title": "Réponses types et étiquettes",
            "answers": answers,
            "tags": data["acceleratorTags"],
            "editing": editing,
            "categories": ACCELERATOR_CATEGORIES,
            "states": AGENT_STATES,
            "levels": LEVELS,
            "errors": errors,
            "values": post if errors else (editing or {}),
        },
        status=400 if errors else 200,
    )
