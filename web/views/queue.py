"""The Cnam agent's accelerator (issue 27, journey 5): the queue as agents work it — service-level clocks in
business hours, views, filters, full-text search with highlights, bulk assignment, live — and its statistics
drawn as SVG. A request's page is `views/agent_request.py`."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from .. import door, pictures
from ..labels import ACCELERATOR_CATEGORIES, AGENT_STATES, PRIORITIES
from .shared import instant, month_label

OPEN_STATES = ["NEW", "TRIAGED", "IN_PROGRESS", "WAITING_ON_REQUESTER"]
VIEWS = {  # what an agent opens the queue on; the filters below narrow any of them
    "toutes": ("Toutes les demandes ouvertes", {}),
    "mes-demandes": ("Mes demandes", {"mine": True}),
    "non-attribuees": ("Non attribuées", {"unassigned": True}),
    "hors-delai": ("Hors délai", {"slaStatus": "BREACHED"}),
}
ORDERS = {
    "SLA_DUE": "Échéance la plus proche",
    "PRIORITY": "Priorité",
    "OLDEST": "Les plus anciennes",
    "NEWEST": "Les plus récentes",
    "RELEVANCE": "Pertinence (avec une recherche)",
}
PAGE_SIZE = 50  # as AgentQueue.graphql asks
FILTER_PARAMS = ("vue", "q", "region", "categorie", "etiquette", "etat", "ordre")


def staff_only(request) -> dict:
    """The navigation's `me`, for Cnam staff only (the API refuses the rest anyway; this says it in French
    before any query)."""
    me = door.read(request, "Navigation")["me"] or {}
    if not me.get("isCnamStaff"):
        raise PermissionDenied("Cette page est celle des agents de l'accélérateur de la Cnam.")
    return me


def duration_words(hours: float) -> str:
    """Business hours as an agent reads them: « 3 h 20 », « 45 min », « 2 h »."""
    minutes = round(abs(hours) * 60)
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest} min"
    return f"{whole} h {rest:02d}" if rest else f"{whole} h"


def clock_words(first_response: dict, resolution: dict) -> tuple[str, str, str]:
    """The clock that runs now (the first response until it is given, then the resolution): what it says in
    words (« Reste 3 h 20 »), its DSFR badge colour (red once breached, orange with under a fifth left, green on
    track) and which clock it is."""
    clock = resolution if first_response["done"] else first_response
    what = "résolution" if first_response["done"] else "première réponse"
    if clock["done"]:
        return ("Résolue hors délai" if clock["breached"] else "Délais tenus"), "info", ""
    if clock["paused"]:
        return "En pause", "info", f"{what} : attente du demandeur"
    if clock["breached"]:
        return f"Dépassé de {duration_words(clock['leftHours'])}", "error", what
    return f"Reste {duration_words(clock['leftHours'])}", ("warning" if clock["atRisk"] else "success"), what


def highlighted(text: str | None) -> str:
    """The API's search extract, its words found between « and », with those words marked."""
    if not text:
        return ""
    marked = escape(text).replace("«", "<mark>").replace("»", "</mark>")
    if marked.count("<mark>") != marked.count("</mark>"):  # a « of the text itself: show it plain
        return escape(text)
    return mark_safe(marked)


def queue_filter(params, tags: dict, regions: dict) -> tuple[dict, str]:
    """The API's filter and order from the page's address (unknown values are ignored, as a link may be old)."""
    view = params.get("vue") if params.get("vue") in VIEWS else "toutes"
    data = dict(VIEWS[view][1])
    state = params.get("etat", "ouvertes")
    if state == "ouvertes":
        data["states"] = OPEN_STATES
    elif state in AGENT_STATES:
        data["states"] = [state]
    words = params.get("q", "").strip()[:200]
    if words:
        data["search"] = words
    if params.get("region") in regions:
        data["regionCode"] = params["region"]
    if params.get("categorie") in ACCELERATOR_CATEGORIES:
        data["category"] = params["categorie"]
    if params.get("etiquette") in tags:
        data["tagIds"] = [params["etiquette"]]
    order = params.get("ordre") if params.get("ordre") in ORDERS else ("RELEVANCE" if words else "SLA_DUE")
    if order == "RELEVANCE" and not words:
        order = "SLA_DUE"
    return data, order


def address_of(data: dict, order: str) -> dict:
    """The page's address for an API filter (a saved view's): `queue_filter` read backwards."""
    params = {}
    if data.get("mine"):
        params["vue"] = "mes-demandes"
    elif data.get("unassigned"):
        params["vue"] = "non-attribuees"
    elif data.get("slaStatus") == "BREACHED":
        params["vue"] = "hors-delai"
    states = data.get("states")
    if not states:
        params["etat"] = "toutes"
    elif len(states) == 1:
        params["etat"] = states[0]
    for key, name in (("search", "q"), ("regionCode", "region"), ("category", "categorie")):
        if data.get(key):
            params[name] = data[key]
    if data.get("tagIds"):
        params["etiquette"] = data["tagIds"][0]
    if order != ("RELEVANCE" if data.get("search") else "SLA_DUE"):
        params["ordre"] = order
    return params


def _page_number(params) -> int:
    try:
        return max(1, min(int(params.get("page", "1")), 2000))
    except ValueError:
        return 1


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def queue(request):
    staff_only(request)
    kept = {name: request.GET[name] for name in FILTER_PARAMS if request.GET.get(name)}
    here = request.path + ("?" + urlencode(kept) if kept else "")
    choices = door.read(request, "QueueChoices")
    tags = {tag["id"]: tag for tag in choices["acceleratorTags"]}
    regions = {region["code"]: region["name"] for region in choices["regions"]}
    data, order = queue_filter(request.GET, tags, regions)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "save-view":
            return _save_view(request, here, data, order)
        if action == "delete-view":
            return _delete_view(request, here)
        return _assign(request, here)
    page = _page_number(request.GET)
    variables = {"filter": data, "orderBy": order, "offset": (page - 1) * PAGE_SIZE}
    result = door.read(request, "AgentQueue", variables)
    connection = result["acceleratorRequests"]
    items = [edge["node"] for edge in connection["edges"]]
    for item in items:
        item["clock_text"], item["clock_colour"], item["clock_of"] = clock_words(
            item["firstResponse"], item["resolution"]
        )
        item["state_label"] = AGENT_STATES.get(item["state"], item["state"])
        item["category_label"] = ACCELERATOR_CATEGORIES.get(item["category"], item["category"])
        item["priority_label"] = PRIORITIES.get(item["priority"], item["priority"])
        item["created"] = instant(item["createdAt"])
        item["highlight"] = highlighted(item["searchHighlight"])
    total = connection["totalCount"]
    pages = max(1, -(-total // PAGE_SIZE))

    def page_link(number):
        return request.path + "?" + urlencode({**kept, "page": number})

    view = kept.get("vue", "toutes") if kept.get("vue") in VIEWS else "toutes"
    saved = []
    for item in door.read(request, "SavedViews")["acceleratorSavedViews"]:
        params = address_of(item["filter"], item["orderBy"])
        link = request.path + "?" + urlencode(params)
        saved.append({"id": item["id"], "name": item["name"], "link": link, "current": params == kept})
    return render(
        request,
        "web/queue.html",
        {
            "title": "File de l'accélérateur",
            "items": items,
            "total": total,
            "page": page,
            "pages": pages,
            "previous": page_link(page - 1) if page > 1 else None,
            "next": page_link(page + 1) if page < pages else None,
            "views": [
                (key, label, request.path + "?" + urlencode({**kept, "vue": key}), key == view)
                for key, (label, _) in VIEWS.items()
            ],
            "view_label": next((item["name"] for item in saved if item["current"]), VIEWS[view][0]),
            "saved": saved,
            "filtered": bool(kept),
            "values": kept,
            "here": here,
            "staff": choices["acceleratorStaff"],
            "tags": tags.values(),
            "regions": sorted(regions.items(), key=lambda pair: pair[1]),
            "categories": ACCELERATOR_CATEGORIES,
            "states": AGENT_STATES,
            "orders": ORDERS,
            "live": {"query": door.document("LiveQueue"), "variables": {}},
        },
    )


def _assign(request, here: str):
    """Bulk assignment: the ticked requests to an agent, to oneself or to nobody, all or none."""
    ids = request.POST.getlist("ids")
    who = request.POST.get("assignee", "moi")
    variables = {"ids": ids, "assigneeId": None, "unassign": who == "personne"}
    if who not in {"moi", "personne"}:
        variables["assigneeId"] = who
    answer = door.run(request, "AssignRequests", variables)
    if answer.ok("assignAcceleratorRequests"):
        done = answer.payload("assignAcceleratorRequests")["requests"]
        names = {(item["assignee"] or {}).get("fullName") for item in done}
        count = f"{len(done)} demande{'s' if len(done) > 1 else ''}"
        if who == "personne":
            messages.success(request, f"{count} sans agent désormais.")
        else:
            messages.success(
                request, f"{count} attribuée{'s' if len(done) > 1 else ''} à {', '.join(sorted(names))}."
            )
    else:
        _say_errors(request, answer, "assignAcceleratorRequests")
    return redirect(here)


def _say_errors(request, answer, mutation: str) -> None:
    errors = answer.form_errors(mutation)
    for message in errors.general + [m for ms in errors.fields.values() for m in ms]:
        messages.error(request, message)


def _save_view(request, here: str, data: dict, order: str):
    """The filters of the page's address, saved under a name: it opens again from the views' list."""
    name = request.POST.get("name", "").strip()
    answer = door.run(request, "SaveView", {"name": name, "filter": data, "orderBy": order})
    if answer.ok("saveAcceleratorView"):
        messages.success(request, f"Vue « {name} » enregistrée.")
    else:
        _say_errors(request, answer, "saveAcceleratorView")
    return redirect(here)


def _delete_view(request, here: str):
    answer = door.run(request, "DeleteView", {"id": request.POST.get("view", "")})
    if answer.ok("deleteAcceleratorView"):
        messages.success(request, "Vue supprimée.")
    else:
        _say_errors(request, answer, "deleteAcceleratorView")
    return redirect(request.path)


PERIODS = {"3": 3, "6": 6, "12": 12}


@door.page
@login_required
def statistics(request):
    """First-response and resolution medians per month, breaches by category, volume by region, satisfaction:
    charts drawn here as SVG, each with its figures in a table beside it."""
    staff_only(request)
    months = PERIODS.get(request.GET.get("mois", "6"), 6)
    today = timezone.localdate()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    variables = {"since": first.isoformat(), "until": today.isoformat(), "regionCode": None}
    regions = {region["code"]: region["name"] for region in door.read(request, "QueueChoices")["regions"]}
    if request.GET.get("region") in regions:
        variables["regionCode"] = request.GET["region"]
    stats = door.read(request, "AgentStatistics", variables)["acceleratorStats"]
    by_month = stats["byMonth"]
    medians = pictures.grouped_bars(
        [month_label(month["month"]) for month in by_month],
        [
            ("Première réponse", [month["medianFirstResponseHours"] or 0 for month in by_month]),
            ("Résolution", [month["medianResolutionHours"] or 0 for month in by_month]),
        ],
        unit="h",
        title_id="graphique-medianes",
    )
    breaches = pictures.horizontal_bars(
        [
            (ACCELERATOR_CATEGORIES.get(row["category"], row["category"]), row["count"])
            for row in stats["breachesByCategory"]
        ],
        title_id="graphique-depassements",
    )
    volume = pictures.horizontal_bars(
        [(row["regionName"], row["count"]) for row in stats["byRegion"]], title_id="graphique-regions"
    )
    for row in stats["byMonth"]:
        row["label"] = month_label(row["month"])
    for row in stats["breachesByCategory"]:
        row["label"] = ACCELERATOR_CATEGORIES.get(row["category"], row["category"])
    for row in stats["satisfactionByCategory"]:
        row["label"] = ACCELERATOR_CATEGORIES.get(row["key"], row["key"])
    return render(
        request,
        "web/queue_statistics.html",
        {
            "title": "Statistiques de l'accélérateur",
            "stats": stats,
            "since": first,
            "until": today,
            "months": months,
            "periods": PERIODS,
            "regions": sorted(regions.items(), key=lambda pair: pair[1]),
            "region": variables["regionCode"],
            "medians_chart": medians,
            "breaches_chart": breaches,
            "volume_chart": volume,
        },
    )
