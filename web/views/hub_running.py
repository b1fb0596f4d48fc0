"""Running a hub (issue 27, journey 2), for its coordinators: the hub's radius, capacity and kinds of support;
its offers, published or withdrawn; weekly series of slots with the public holidays they skip said; a slot
changed alone, with the following ones or with all its series, cancelled, staffed, its attendance noted; the
rota as a grid of weeks with turns swapped. Members answer their own turns on `/mes-tours/` (`turns`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import door
from ..labels import LOCATION_KINDS, OFFER_KINDS
from .shared import local_time

WEEKDAYS = [("MO", "lundi"), ("TU", "mardi"), ("WE", "mercredi"), ("TH", "jeudi"), ("FR", "vendredi"),
            ("SA", "samedi"), ("SU", "dimanche")]  # fmt: skip
SCOPES = {"ONE": "Ce créneau seulement", "FOLLOWING": "Celui-ci et les suivants", "ALL": "Toute la série"}
ROTA_WEEKS = 4


def coordinated_hubs(request, *, approved: bool = False) -> list[dict]:
    """The hubs the signed-in user coordinates ({id, status, msp_id, name}); refused when none."""
    msps = (door.read(request, "MyHubs")["me"] or {}).get("coordinatedMsps") or []
    hubs = [
        {"id": msp["hub"]["id"], "status": msp["hub"]["status"], "msp_id": msp["id"], "name": msp["name"]}
        for msp in msps
        if msp["hub"] and (msp["hub"]["status"] == "APPROVED" or not approved)
    ]
    if not hubs:
        raise PermissionDenied("Cette page est celle des coordinateurs d'une MSP tête de pont.")
    return hubs


def chosen_hub(request, hubs: list[dict]) -> dict:
    wanted = request.GET.get("hub") or request.POST.get("hub")
    return next((hub for hub in hubs if hub["id"] == wanted), hubs[0])


def _number(text: str, kind=int):
    try:
        return kind(str(text).replace(",", ".").strip())
    except ValueError:
        return None


def _say(request, answer, mutation: str, done: str) -> bool:
    if answer.ok(mutation):
        messages.success(request, done)
        return True
    errors = answer.form_errors(mutation)
    for message in errors.general + [m for ms in errors.fields.values() for m in ms]:
        messages.error(request, message)
    return False


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def settings(request):
    """The hub's radius, capacity and kinds of support; its offers (publish, withdraw, put back)."""
    hubs = coordinated_hubs(request)
    hub = chosen_hub(request, hubs)
    errors = door.FormErrors()
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "settings":
        answer = door.run(
            request,
            "ApplyForHub",
            {
                "mspId": hub["msp_id"],
                "input": {
                    "serviceRadiusKm": _number(request.POST.get("serviceRadiusKm", "")) or 0,
                    "monthlyCoordinationHours": _number(
                        request.POST.get("monthlyCoordinationHours", ""), float
                    )
                    or 0.0,
                    "offerKinds": [k for k in request.POST.getlist("offerKinds") if k in OFFER_KINDS],
                },
            },
        )
        if answer.ok("applyForHub"):
            messages.success(request, "Votre MSP tête de pont est à jour.")
            return redirect(f"{request.path}?hub={hub['id']}")
        errors = answer.form_errors("applyForHub").keep_only({"serviceRadiusKm", "monthlyCoordinationHours"})
    elif action == "publish":
        kind = request.POST.get("kind", "")
        offer = {
            "kind": kind if kind in OFFER_KINDS else "COORDINATION_TIME",
            "title": request.POST.get("title", "").strip(),
            "description": request.POST.get("description", "").strip(),
            "locationKind": request.POST.get("locationKind")
            if request.POST.get("locationKind") in LOCATION_KINDS
            else "HUB_SITE",
        }
        if offer["locationKind"] == "HUB_SITE" and request.POST.get("siteId"):
            offer["siteId"] = request.POST["siteId"]
        if offer["locationKind"] == "REMOTE" and request.POST.get("videoUrl", "").strip():
            offer["videoUrl"] = request.POST["videoUrl"].strip()
        answer = door.run(request, "PublishOffer", {"hubId": hub["id"], "input": offer})
        if answer.ok("publishOffer"):
            messages.success(request, "Offre publiée : ouvrez-lui des créneaux.")
            return redirect(f"{request.path}?hub={hub['id']}")
        errors = answer.form_errors("publishOffer").keep_only({"title", "description", "videoUrl", "siteId"})
    elif action in {"withdraw", "restore"}:
        answer = door.run(
            request,
            "UpdateOffer",
            {"id": request.POST.get("offer", ""), "input": {"isActive": action == "restore"}},
        )
        _say(
            request,
            answer,
            "updateOffer",
            "Offre retirée." if action == "withdraw" else "Offre remise en ligne.",
        )
        return redirect(f"{request.path}?hub={hub['id']}")
    data = door.read(request, "HubSettings", {"hubId": hub["id"]})
    offers = [edge["node"] for edge in data["supportOffers"]["edges"]]
    for offer in offers:
        offer["kind_label"] = OFFER_KINDS.get(offer["kind"], offer["kind"])
        offer["location_label"] = LOCATION_KINDS.get(offer["locationKind"], offer["locationKind"])
    return render(
        request,
        "web/hub_settings.html",
        {
            "title": f"Ma MSP tête de pont — {hub['name']}",
            "hub": data["node"],
            "hubs": hubs if len(hubs) > 1 else [],
            "offers": offers,
            "kinds": OFFER_KINDS,
            "locations": LOCATION_KINDS,
            "errors": errors,
            "action": action,
            "values": request.POST if errors else {},
        },
        status=400 if errors else 200,
    )


def _rule(days: list[str]) -> str:
    return "FREQ=WEEKLY;BYDAY=" + ",".join(day for day, _ in WEEKDAYS if day in days)


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def series(request, offer_id: str):
    """A weekly series of slots for one offer: its days, time, length and seats, from a day to a day, the
    public holidays of the place skipped (or kept), members staffing its occurrences by turns."""
    hubs = coordinated_hubs(request, approved=True)
    offer = door.read(request, "SeriesForm", {"offerId": offer_id})["node"]
    if not offer or "title" not in offer:
        raise Http404("Aucune offre à cette adresse.")
    if offer["hub"]["id"] not in {hub["id"] for hub in hubs}:
        raise PermissionDenied("Cette offre est celle d'une autre MSP tête de pont.")
    members = {}
    for membership in offer["hub"]["msp"]["memberships"]:
        members[membership["practitioner"]["id"]] = membership["practitioner"]
    today = timezone.localdate()
    values = {
        "days": request.POST.getlist("days") if request.method == "POST" else ["TU", "FR"],
        "startTime": request.POST.get("startTime", "09:00"),
        "durationMinutes": request.POST.get("durationMinutes", "240"),
        "capacity": request.POST.get("capacity", "6"),
        "startsOn": request.POST.get("startsOn", (today + timedelta(days=7)).isoformat()),
        "until": request.POST.get("until", (today + timedelta(days=90)).isoformat()),
        "keepHolidays": request.POST.get("keepHolidays") == "on",
        "rota": request.POST.getlist("rota"),
    }
    errors, created = door.FormErrors(), None
    if request.method == "POST":
        if not [day for day in values["days"] if day in dict(WEEKDAYS)]:
            errors.add("rule", "Cochez au moins un jour de la semaine.")
        else:
            answer = door.run(
                request,
                "CreateSeries",
                {
                    "offerId": offer_id,
                    "rule": _rule(values["days"]),
                    "startsOn": values["startsOn"],
                    "until": values["until"],
                    "startTime": values["startTime"],
                    "durationMinutes": _number(values["durationMinutes"]) or 0,
                    "capacity": _number(values["capacity"]) or 0,
                    "keepHolidays": values["keepHolidays"],
                    "rota": [member for member in values["rota"] if member in members] or None,
                },
            )
            if answer.ok("createSlotSeries"):
                created = answer.payload("createSlotSeries")
                for slot in created["slots"]:
                    slot["starts"] = local_time(slot["localStartsAt"])
                for holiday in created["series"]["skippedHolidays"]:
                    holiday["day"] = date.fromisoformat(holiday["date"])
            else:
                errors = answer.form_errors("createSlotSeries").keep_only(
                    {"rule", "startsOn", "until", "startTime", "durationMinutes", "capacity"}
                )
    return render(
        request,
        "web/hub_series.html",
        {
            "title": f"Créneaux réguliers — {offer['title']}",
            "offer": offer,
            "members": members.values(),
            "weekdays": WEEKDAYS,
            "values": values,
            "errors": errors,
            "created": created,
        },
        status=400 if errors else 200,
    )


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def slot(request, slot_id: str):
    """One slot as its hub's coordinators run it: change it (alone, with the following or with all its series),
    cancel it, set who staffs it, note who came once it has started."""
    hubs = coordinated_hubs(request)
    action = request.POST.get("action") if request.method == "POST" else None
    here = request.path
    if action == "change":
        scope = request.POST.get("scope") if request.POST.get("scope") in SCOPES else "ONE"
        variables = {"slotId": slot_id, "scope": scope, "includeBooked": request.POST.get("includeBooked") == "on",
                     "startTime": request.POST.get("startTime") or None,
                     "durationMinutes": _number(request.POST.get("durationMinutes", "")) if request.POST.get("durationMinutes") else None,
                     "capacity": _number(request.POST.get("capacity", "")) if request.POST.get("capacity") else None}  # fmt: skip
        answer = door.run(request, "ChangeSeries", variables)
        if answer.ok("updateSlotSeries"):
            payload = answer.payload("updateSlotSeries")
            kept = len(payload["kept"])
            messages.success(
                request,
                f"{len(payload['changed'])} créneau{'x' if len(payload['changed']) > 1 else ''} modifié"
                f"{'s' if len(payload['changed']) > 1 else ''}"
                + (
                    f" ; {kept} avec des réservations laissé{'s' if kept > 1 else ''} tel{'s' if kept > 1 else ''} quel{'s' if kept > 1 else ''}."
                    if kept
                    else "."
                ),
            )
        else:
            _say(request, answer, "updateSlotSeries", "")
        return redirect(here)
    if action == "cancel":
        scope = request.POST.get("scope") if request.POST.get("scope") in SCOPES else "ONE"
        answer = door.run(
            request,
            "CancelSlot",
            {"id": slot_id, "scope": scope, "reason": request.POST.get("reason", "").strip(),
             "includeBooked": request.POST.get("includeBooked") == "on"},
        )  # fmt: skip
        if answer.ok("cancelSlot"):
            count = len(answer.payload("cancelSlot")["cancelled"])
            messages.success(
                request,
                f"{count} créneau{'x' if count > 1 else ''} annulé{'s' if count > 1 else ''} : les inscrits sont prévenus.",
            )
        else:
            _say(request, answer, "cancelSlot", "")
        return redirect(here)
    if action == "staff":
        answer = door.run(
            request, "AssignStaff", {"slotId": slot_id, "practitionerIds": request.POST.getlist("staff")}
        )
        _say(request, answer, "assignSlotStaff", "Tour attribué : les médecins sont prévenus.")
        return redirect(here)
    if action in {"ATTENDED", "NO_SHOW"}:
        answer = door.run(
            request, "MarkAttendance", {"bookingId": request.POST.get("booking", ""), "attendance": action}
        )
        _say(request, answer, "markAttendance", "Présence notée.")
        return redirect(here)
    item = door.read(request, "SlotAdmin", {"id": slot_id})["node"]
    if not item or "offer" not in item:
        raise Http404("Aucun créneau à cette adresse.")
    if item["offer"]["hub"]["id"] not in {hub["id"] for hub in hubs}:
        raise PermissionDenied("Ce créneau est celui d'une autre MSP tête de pont.")
    item["starts"], item["ends"] = local_time(item["localStartsAt"]), local_time(item["localEndsAt"])
    started = datetime.fromisoformat(item["startsAt"]) <= timezone.now()
    staff_ids = {person["id"] for person in item["staff"]}
    members = {}
    for membership in item["offer"]["hub"]["msp"]["memberships"]:
        members[membership["practitioner"]["id"]] = membership["practitioner"]
    if item["series"]:
        for holiday in item["series"]["skippedHolidays"]:
            holiday["day"] = date.fromisoformat(holiday["date"])
    return render(
        request,
        "web/hub_slot.html",
        {
            "title": f"{item['offer']['title']} — {item['starts']:%d/%m/%Y}",
            "item": item,
            "participants": [b for b in item["bookings"] if b["role"] == "ATTENDEE"],
            "started": started,
            "scopes": SCOPES,
            "members": [(member, member["id"] in staff_ids) for member in members.values()],
            "open": item["status"] == "OPEN",
        },
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def rota(request):
    """The rota as a grid: four weeks from a Monday, a column a day, each turn with who holds it (or nobody,
    in red); two turns swapped in one step."""
    hubs = coordinated_hubs(request, approved=True)
    hub = chosen_hub(request, hubs)
    if request.method == "POST":
        answer = door.run(
            request,
            "SwapTurns",
            {"slotId": request.POST.get("first", ""), "otherSlotId": request.POST.get("second", "")},
        )
        _say(request, answer, "swapRotaTurn", "Tours échangés : les médecins sont prévenus.")
        return redirect(request.get_full_path())
    offset = max(-52, min(_number(request.GET.get("semaine", "0")) or 0, 104))
    first = _monday(timezone.localdate()) + timedelta(weeks=offset)
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, zone)
    data = door.read(
        request,
        "RotaGrid",
        {
            "hubId": hub["id"],
            "from": start.isoformat(),
            "until": (start + timedelta(weeks=ROTA_WEEKS)).isoformat(),
        },
    )
    turns, skipped = [], {}
    for edge in data["slots"]["edges"]:
        slot = edge["node"]
        for holiday in (slot["series"] or {}).get("skippedHolidays", []):
            skipped[date.fromisoformat(holiday["date"])] = holiday["name"]
        if slot["status"] != "OPEN":
            continue
        slot["starts"], slot["ends"] = local_time(slot["localStartsAt"]), local_time(slot["localEndsAt"])
        slot["kind_label"] = OFFER_KINDS.get(slot["offer"]["kind"], slot["offer"]["kind"])
        turns.append(slot)
    weeks = []
    for week in range(ROTA_WEEKS):
        monday = first + timedelta(weeks=week)
        days = []
        for number in range(7):
            day = monday + timedelta(days=number)
            days.append(
                {
                    "day": day,
                    "turns": [t for t in turns if t["starts"].date() == day],
                    "holiday": skipped.get(day),
                }
            )
        weeks.append({"monday": monday, "days": days})
    base = f"{request.path}?hub={hub['id']}&semaine="
    return render(
        request,
        "web/hub_rota.html",
        {
            "title": f"Tours de garde — {hub['name']}",
            "hub": hub,
            "hubs": hubs if len(hubs) > 1 else [],
            "weeks": weeks,
            "weekdays": [name for _, name in WEEKDAYS],
            "turns": turns,
            "previous": base + str(offset - ROTA_WEEKS),
            "next": base + str(offset + ROTA_WEEKS),
            "first": first,
            "last": first + timedelta(weeks=ROTA_WEEKS, days=-1),
        },
    )


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def turns(request):
    """A member's own rota turns (accept, or decline with a reason) and the turns of their hubs nobody holds,
    to take."""
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "accept":
        _say(
            request,
            door.run(request, "AcceptTurn", {"bookingId": request.POST.get("turn", "")}),
            "acceptRotaTurn",
            "Tour confirmé : merci.",
        )
        return redirect(request.path)
    if action == "decline":
        answer = door.run(
            request,
            "DeclineTurn",
            {
                "bookingId": request.POST.get("turn", ""),
                "reason": request.POST.get("reason", "").strip() or None,
            },
        )
        _say(
            request,
            answer,
            "declineRotaTurn",
            "Tour décliné : les coordinateurs sont prévenus et un collègue peut le prendre.",
        )
        return redirect(request.path)
    if action == "take":
        _say(
            request,
            door.run(request, "TakeTurn", {"slotId": request.POST.get("slot", "")}),
            "takeRotaTurn",
            "Le tour est à vous.",
        )
        return redirect(request.path)
    now = timezone.now()
    data = door.read(
        request, "MyTurns", {"from": now.isoformat(), "until": (now + timedelta(days=60)).isoformat()}
    )
    me = (data["me"] or {}).get("practitioner")
    if me is None:
        raise PermissionDenied("Cette page est celle des professionnels membres d'une MSP tête de pont.")
    my_hubs = {
        m["msp"]["hub"]["id"]
        for m in me["memberships"]
        if m["msp"]["hub"] and m["msp"]["hub"]["status"] == "APPROVED"
    }
    mine = []
    for edge in data["mySlots"]["edges"]:
        slot = edge["node"]
        if slot["status"] != "OPEN" or local_time(slot["localStartsAt"]) is None:
            continue
        slot["starts"], slot["ends"] = local_time(slot["localStartsAt"]), local_time(slot["localEndsAt"])
        mine.append(slot)
    open_turns = []
    for edge in data["open"]["edges"]:
        slot = edge["node"]
        if slot["status"] == "OPEN" and not slot["staff"] and slot["offer"]["hub"]["id"] in my_hubs:
            slot["starts"], slot["ends"] = local_time(slot["localStartsAt"]), local_time(slot["localEndsAt"])
            open_turns.append(slot)
    return render(
        request,
        "web/turns.html",
        {
            "title": "Mes tours de consultations",
            "mine": mine,
            "open_turns": open_turns,
            "member": bool(my_hubs),
        },
    )
