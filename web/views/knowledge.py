"""The knowledge base (issue 28): the accelerator's answers published as articles — public, searchable in
French, suggested while a project holder writes a question; Cnam agents publish, change and withdraw them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .. import door
from ..labels import ACCELERATOR_CATEGORIES
from .queue import staff_only
from .shared import instant

ARTICLE_FIELDS = {"title", "question", "answer", "category"}


@door.page
@require_GET
def articles(request):
    search = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("theme", "")
    category = category if category in ACCELERATOR_CATEGORIES else ""
    answer = door.run(
        request,
        "KnowledgeBase",
        {"search": search or None, "category": category or None, "after": request.GET.get("apres") or None},
    )
    refused = [error["message"] for error in answer.errors]
    found = (answer.data or {}).get("articles") or {"edges": [], "totalCount": 0, "pageInfo": {}}
    items = [edge["node"] for edge in found["edges"]]
    for item in items:
        item["category_label"] = ACCELERATOR_CATEGORIES.get(item["category"], "")
        item["published"] = instant(item["publishedAt"])
    return render(
        request,
        "web/knowledge.html",
        {
            "title": "Base de connaissances",
            "search": search,
            "category": category,
            "categories": ACCELERATOR_CATEGORIES,
            "items": items,
            "total": found["totalCount"],
            "next": found["pageInfo"].get("endCursor") if found["pageInfo"].get("hasNextPage") else None,
            "refused": refused,
        },
        status=400 if refused else 200,
    )


@door.page
@require_http_methods(["GET", "POST"])
def article(request, article_id: str):
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        answer = door.run(request, "WithdrawArticle", {"id": article_id})
        if answer.ok("withdrawArticle"):
            messages.success(request, "L'article est retiré de la base de connaissances.")
        else:
            refused = answer.form_errors("withdrawArticle")
            messages.error(
                request, " ".join([*refused.general, *(m for ms in refused.fields.values() for m in ms)])
            )
        return redirect("web:article", article_id=article_id)
    data = door.read(request, "ArticlePage", {"id": article_id})
    item = data["node"]
    if not item:
        raise Http404("Aucun article à cette adresse.")
    me = data["me"] or {}
    if me.get("practitioner") and request.method == "GET":
        door.run(
            request, "RecordArticleRead", {"id": article_id, "suggested": request.GET.get("suggere") == "1"}
        )
    item["category_label"] = ACCELERATOR_CATEGORIES.get(item["category"], "")
    for name in ("publishedAt", "updatedAt", "withdrawnAt"):
        item[name] = instant(item[name])
    return render(
        request, "web/article.html", {"title": item["title"], "item": item, "staff": me.get("isCnamStaff")}
    )


SUGGESTION_MIN_CHARS = 8  # fewer: nothing worth searching yet


def suggested_articles(request, subject: str, body: str) -> list:
    """The articles that may answer a question being written (its subject and text), as the API suggests them."""
    text = f"{subject}\n{body}".strip()[:2000]
    if len(text) < SUGGESTION_MIN_CHARS:
        return []
    return (door.run(request, "SuggestedArticles", {"text": text}).data or {}).get("suggestedArticles") or []


@door.page
@require_GET
def suggestions(request):
    """The suggestions on the question form, as one types its subject and text (htmx)."""
    found = suggested_articles(request, request.GET.get("subject", ""), request.GET.get("body", ""))
    return render(request, "web/_article_suggestions.html", {"suggested": found})


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def edit(request, article_id: str | None = None):
    """Publish an answer as an article (from a request: `?demande=`) or change one. Cnam agents."""
    staff_only(request)
    errors = door.FormErrors()
    source = request.GET.get("demande") or request.POST.get("requestId") or None
    values = {name: request.POST.get(name, "").strip() for name in ARTICLE_FIELDS}
    if request.method == "POST":
        category = values["category"]
        answer = door.run(
            request,
            "SaveArticle",
            {
                "id": article_id,
                "requestId": None if article_id else source,
                "title": values["title"],
                "question": values["question"],
                "answer": values["answer"],
                "category": category if category in ACCELERATOR_CATEGORIES else "OTHER",
            },
        )
        if answer.ok("saveArticle"):
            saved = answer.payload("saveArticle")["article"]
            messages.success(request, "L'article est publié dans la base de connaissances." if not article_id else "L'article est mis à jour.")  # fmt: skip
            return redirect("web:article", article_id=saved["id"])
        errors = answer.form_errors("saveArticle").keep_only(ARTICLE_FIELDS)
    elif article_id:
        item = door.read(request, "ArticlePage", {"id": article_id})["node"]
        if not item:
            raise Http404("Aucun article à cette adresse.")
        values = {name: item[name] for name in ARTICLE_FIELDS}
    elif source:
        # A draft from the request: its question and the last public answer, to edit and anonymise.
        found = door.read(request, "ArticleSource", {"id": source})["acceleratorRequest"]
        if not found:
            raise Http404("Aucune demande à cette adresse.")
        replies = [
            m["body"] for m in found["messages"] if m["visibility"] == "PUBLIC" and not m["fromRequester"]
        ]
        values = {
            "title": found["subject"],
            "question": found["body"],
            "answer": replies[-1] if replies else "",
            "category": found["category"],
        }
    return render(
        request,
        "web/article_form.html",
        {
            "title": "Modifier l'article" if article_id else "Publier un article",
            "article_id": article_id,
            "source": source,
            "values": values,
            "errors": errors,
            "categories": ACCELERATOR_CATEGORIES,
        },
        status=400 if errors else 200,
    )
