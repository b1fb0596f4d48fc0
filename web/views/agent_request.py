"""A request as a Cnam agent works it (issue 27, journey 5): the thread with internal notes set apart from
public replies, reply or note (with documents), macros, tags, triage, assignment, merge, routing to a hub or
the ARS, state changes, the audit trail, and who else is on it — live."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import door
from ..labels import (
    ACCELERATOR_CATEGORIES,
    ACCELERATOR_CHANGES,
    AGENT_STATES,
    LEVELS,
    PRIORITIES,
    PROJECT_STAGES,
    URGENCIES,
)
from .accelerator import attachment_limits
from .queue import clock_words, duration_words, staff_only
from .shared import instant

ACTIONS = {  # the page's forms: the mutation each runs, what it says once done, the fields it shows errors beside
    "reply": ("replyToAcceleratorRequest", "Message publié.", {"body", "files"}),
    "macro": ("applyAcceleratorMacro", "Réponse type appliquée.", set()),
    "tags": ("tagAcceleratorRequest", "Étiquettes enregistrées.", set()),
    "new-tag": ("createAcceleratorTag", "Étiquette créée et posée.", {"name"}),
    "triage": ("triageAcceleratorRequest", "Qualification enregistrée.", {"reason"}),
    "assign": ("assignAcceleratorRequest", "Attribution enregistrée.", set()),
    "merge": (
        "mergeAcceleratorRequest",
        "Demande fusionnée : son demandeur est prévenu.",
        {"intoId", "reason"},
    ),
    "route-hub": ("routeAcceleratorRequestToHub", "Demande confiée à la MSP tête de pont.", set()),
    "route-ars": ("routeAcceleratorRequestToArs", "Demande confiée à l'ARS.", {"note"}),
    "state": ("setAcceleratorRequestState", "État changé.", {"reason"}),
}
ADDRESS = re.compile(r"/accelerateur/demandes/([^/?#\s]+)")


def _other_request(typed: str) -> str:
    """The request an agent names for a merge: its page's address (pasted) or its identifier."""
    typed = typed.strip()
    match = ADDRESS.search(typed)
    return match.group(1) if match else typed


def _run(request, request_id: str, action: str):
    post = request.POST
    if action == "reply":
        next_state = post.get("nextState") or None
        return door.run(
            request,
            "AgentReply",
            {
                "id": request_id,
                "body": post.get("body", "").strip(),
                "internal": post.get("visibility") == "internal",
                "nextState": next_state if next_state in AGENT_STATES else None,
                "files": request.FILES.getlist("files") or None,
            },
        )
    if action == "macro":
        return door.run(
            request,
            "ApplyMacro",
            {
                "id": request_id,
                "cannedAnswerId": post.get("cannedAnswerId", ""),
                "internal": post.get("macroVisibility") == "internal",
            },
        )
    if action == "tags":
        return door.run(request, "TagRequest", {"id": request_id, "tagIds": post.getlist("tagIds")})
    if action == "triage":
        category, impact = post.get("category"), post.get("impact")
        return door.run(
            request,
            "TriageRequest",
            {
                "id": request_id,
                "category": category if category in ACCELERATOR_CATEGORIES else None,
                "impact": impact if impact in LEVELS else None,
                "reason": post.get("reason", "").strip() or None,
            },
        )
    if action == "assign":
        who = post.get("assignee", "moi")
        return door.run(
            request,
            "AssignRequest",
            {
                "id": request_id,
                "assigneeId": None if who in {"moi", "personne"} else who,
                "unassign": who == "personne",
            },
        )
    if action == "merge":
        return door.run(
            request,
            "MergeRequest",
            {
                "id": request_id,
                "intoId": _other_request(post.get("intoId", "")),
                "reason": post.get("mergeReason", "").strip() or None,
            },
        )
    if action == "route-hub":
        return door.run(
            request,
            "RouteToHub",
            {"id": request_id, "hubId": post.get("hubId", ""), "note": post.get("note", "").strip() or None},
        )
    if action == "route-ars":
        return door.run(request, "RouteToArs", {"id": request_id, "note": post.get("note", "").strip()})
    state = post.get("state", "")
    return door.run(
        request,
        "SetRequestState",
        {
            "id": request_id,
            "state": state if state in AGENT_STATES else "IN_PROGRESS",
            "reason": post.get("stateReason", "").strip() or None,
        },
    )


def _new_tag(request, request_id: str, current: list[str]):
    """Create a tag and put it on the request, in two calls: a tag made but not set is still there to choose."""
    answer = door.run(request, "CreateTag", {"name": request.POST.get("name", "").strip()})
    if not answer.ok("createAcceleratorTag"):
        return answer
    tag = answer.payload("createAcceleratorTag")["tag"]
    tagged = door.run(request, "TagRequest", {"id": request_id, "tagIds": [*current, tag["id"]]})
    return tagged if not tagged.ok("tagAcceleratorRequest") else answer


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def request_page(request, request_id: str):
    staff_only(request)
    errors = door.FormErrors()
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ACTIONS:
        mutation, done, fields = ACTIONS[action]
        if action == "new-tag":
            current = [tag["id"] for tag in _read(request, request_id)["acceleratorRequest"]["tags"]]
            answer = _new_tag(request, request_id, current)
            mutation = (
                "createAcceleratorTag"
                if not answer.payload("tagAcceleratorRequest")
                else "tagAcceleratorRequest"
            )
        else:
            answer = _run(request, request_id, action)
        if answer.ok(mutation):
            messages.success(request, done)
            if action == "merge":  # the duplicate is closed: the agent goes on with the request it joined
                return redirect(
                    "web:agent-request", request_id=_other_request(request.POST.get("intoId", ""))
                )
            return redirect("web:agent-request", request_id=request_id)
        errors = answer.form_errors(mutation).keep_only(fields)
        # Several forms have a « reason »: each shows its own (`<action>.<field>`); the upload keeps its name.
        errors.fields = {
            (name if name == "files" else f"{action}.{name}"): m for name, m in errors.fields.items()
        }
    data = _read(request, request_id)
    item = data["acceleratorRequest"]
    item["state_label"] = AGENT_STATES.get(item["state"], item["state"])
    item["category_label"] = ACCELERATOR_CATEGORIES.get(item["category"], item["category"])
    item["priority_label"] = PRIORITIES.get(item["priority"], item["priority"])
    item["urgency_label"] = URGENCIES.get(item["urgency"], item["urgency"])
    item["impact_label"] = LEVELS.get(item["impact"], item["impact"])
    item["created"] = instant(item["createdAt"])
    if item["msp"]:
        item["msp"]["stage_label"] = PROJECT_STAGES.get(item["msp"]["projectStage"] or "", "")
    item["clock_text"], item["clock_colour"], item["clock_of"] = clock_words(
        item["firstResponse"], item["resolution"]
    )
    for name in ("firstResponse", "resolution"):
        clock = item[name]
        clock["target_words"] = duration_words(clock["targetHours"])
        clock["due"] = instant(clock["dueAt"])
    for message in item["messages"]:
        message["when"] = instant(message["createdAt"])
    for change in item["changes"]:
        change["when"] = instant(change["createdAt"])
        change["label"] = ACCELERATOR_CHANGES.get(change["field"], change["field"])
        change["from"] = AGENT_STATES.get(change["fromValue"], change["fromValue"])
        change["to"] = AGENT_STATES.get(change["toValue"], change["toValue"])
    tagged = {tag["id"] for tag in item["tags"]}
    return render(
        request,
        "web/agent_request.html",
        {
            "title": item["subject"],
            "item": item,
            "errors": errors,
            "action": action,
            "values": request.POST if errors else {},
            "staff": data["acceleratorStaff"],
            "tags": [(tag, tag["id"] in tagged) for tag in data["acceleratorTags"]],
            "canned": [
                answer for answer in data["cannedAnswers"] if answer["category"] in (None, item["category"])
            ],
            "categories": ACCELERATOR_CATEGORIES,
            "levels": LEVELS,
            "next_states": [(state, AGENT_STATES.get(state, state)) for state in item["nextStates"]],
            "reply_states": [
                (state, AGENT_STATES[state])
                for state in ("IN_PROGRESS", "WAITING_ON_REQUESTER", "ANSWERED")
                if state != item["state"]
            ],
            "open": item["state"] in {"NEW", "TRIAGED", "IN_PROGRESS", "WAITING_ON_REQUESTER"},
            "merged": item["state"] == "MERGED",
            "limits": attachment_limits(),
            "live": {"query": door.document("LiveAgentRequest"), "variables": {"id": item["id"]}},
        },
        status=400 if errors else 200,
    )


def _read(request, request_id: str) -> dict:
    data = door.read(request, "AgentRequestPage", {"id": request_id})
    if not data["acceleratorRequest"]:
        raise Http404("Aucune demande à cette adresse.")
    return data


@door.page
@login_required
@require_POST
def presence(request, request_id: str):
    """Says the agent is here (the page repeats it every 30 s while open; it lapses a minute after the last)
    and answers with who else is: a fragment the page puts in place."""
    staff_only(request)
    activity = "REPLYING" if request.POST.get("activity") == "REPLYING" else "VIEWING"
    if request.POST.get("activity") == "LEAVING":
        activity = None
    door.run(request, "SetPresence", {"id": request_id, "activity": activity})
    item = door.read(request, "RequestPresence", {"id": request_id})["acceleratorRequest"]
    if not item:
        raise Http404("Aucune demande à cette adresse.")
    return render(request, "web/_presence.html", {"presence": item["presence"]})
