"""Asking the Cnam's accelerator: a question with documents (their limits said before choosing them), the live
thread of public replies, a reply, the rating once it is closed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import door
from ..labels import ACCELERATOR_CATEGORIES, ACCELERATOR_STATES, URGENCIES
from .knowledge import suggested_articles
from .shared import find_commune, instant, rating_variables

QUESTION_FIELDS = {"subject", "body", "category", "urgency", "communeCode", "files"}


def attachment_limits() -> dict:
    """What an upload may be, as the API enforces it (settings.ACCELERATOR_ATTACHMENTS), said before choosing."""
    conf = settings.ACCELERATOR_ATTACHMENTS
    return {
        "files": conf["MAX_FILES"],
        "file_mb": conf["MAX_FILE_BYTES"] // (1024 * 1024),
        "total_mb": conf["MAX_REQUEST_BYTES"] // (1024 * 1024),
        "types": "PDF, images PNG ou JPEG, Word, Excel, PowerPoint, OpenDocument, texte ou CSV",
    }


@door.page
@login_required
def questions(request):
    data = door.read(request, "MyQuestions")
    items = [edge["node"] for edge in data["acceleratorRequests"]["edges"]]
    for item in items:
        item["state_label"] = ACCELERATOR_STATES.get(item["state"], item["state"])
        item["category_label"] = ACCELERATOR_CATEGORIES.get(item["category"], item["category"])
        item["created"] = instant(item["createdAt"])
    return render(request, "web/questions.html", {"title": "Mes questions à la Cnam", "items": items})


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def ask(request):
    errors = door.FormErrors()
    values = {name: request.POST.get(name, "").strip() for name in ("subject", "body", "category", "commune")}
    values["urgency"] = request.POST.get("urgency", "MEDIUM")
    if request.method == "GET":
        me = door.read(request, "MyCommune")["me"]
        commune = ((me or {}).get("practitioner") or {}).get("commune")
        values["commune"] = f"{commune['code']} — {commune['name']}" if commune else ""
    else:
        question = {
            "subject": values["subject"],
            "body": values["body"],
            "category": values["category"] if values["category"] in ACCELERATOR_CATEGORIES else "OTHER",
            "urgency": values["urgency"] if values["urgency"] in URGENCIES else "MEDIUM",
        }
        if values["commune"]:
            commune, _ = find_commune(request, values["commune"])
            if commune is None:
                errors.add(
                    "communeCode", "Commune introuvable : tapez son nom ou son code postal, ou laissez vide."
                )
            else:
                question["communeCode"] = commune["code"]
        if not errors:
            files = request.FILES.getlist("files") or None
            answer = door.run(request, "AskQuestion", {"input": question, "files": files})
            if answer.ok("submitAcceleratorRequest"):
                created = answer.payload("submitAcceleratorRequest")["request"]
                messages.success(
                    request,
                    "Votre question est envoyée à l'accélérateur de la Cnam. Vous serez prévenu par e-mail de sa réponse.",
                )
                return redirect("web:question", question_id=created["id"])
            errors = answer.form_errors("submitAcceleratorRequest").keep_only(QUESTION_FIELDS)
    # The articles that may answer it, as the page's script would show them.
    suggested = suggested_articles(request, values["subject"], values["body"])
    return render(
        request,
        "web/question_ask.html",
        {
            "suggested": suggested,
            "title": "Poser une question à la Cnam",
            "values": values,
            "errors": errors,
            "categories": ACCELERATOR_CATEGORIES,
            "urgencies": URGENCIES,
            "limits": attachment_limits(),
        },
        status=400 if errors else 200,
    )


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def question(request, question_id: str):
    errors = door.FormErrors()
    body = ""
    if request.method == "POST":
        if request.POST.get("action") == "rate":
            answer = door.run(request, "RateAnswer", rating_variables(request, question_id))
            mutation, done = "rateAcceleratorAnswer", "Merci pour votre appréciation."
        else:
            body = request.POST.get("body", "").strip()
            answer = door.run(
                request,
                "ReplyToQuestion",
                {"id": question_id, "body": body, "files": request.FILES.getlist("files") or None},
            )
            mutation, done = "replyToAcceleratorRequest", "Votre message est envoyé."
        if answer.ok(mutation):
            messages.success(request, done)
            return redirect("web:question", question_id=question_id)
        errors = answer.form_errors(mutation).keep_only({"body", "files", "rating", "comment"})
    item = door.read(request, "QuestionPage", {"id": question_id})["acceleratorRequest"]
    if not item:
        raise Http404("Aucune question à cette adresse.")
    item["state_label"] = ACCELERATOR_STATES.get(item["state"], item["state"])
    item["category_label"] = ACCELERATOR_CATEGORIES.get(item["category"], item["category"])
    item["created"] = instant(item["createdAt"])
    for message in item["messages"]:
        message["when"] = instant(message["createdAt"])
    return render(
        request,
        "web/question.html",
        {
            "title": item["subject"],
            "item": item,
            "errors": errors,
            "body": body,
            "limits": attachment_limits(),
            "closed": item["state"] in {"CLOSED", "MERGED"},
            "live": {"query": door.document("LiveQuestion"), "variables": {"id": item["id"]}},
        },
        status=400 if errors else 200,
    )
