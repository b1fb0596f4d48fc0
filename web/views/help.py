"""Finding help near me: the hubs that can reach my commune (map and list), a hub's page with its next slots."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import door
from ..labels import HUB_STATUSES, LOCATION_KINDS, OFFER_KINDS, TRAINEE_KINDS
from ..pictures import Place, hubs_map
from .shared import commune_label, find_commune, local_time

RADII = [10, 20, 30, 50, 80]


@door.page
@require_GET
def home(request):
    return render(request, "web/home.html", {"title": "Accueil"})


@door.page
@require_GET
def find(request):
    typed = request.GET.get("commune", "").strip()
    if not typed and request.user.is_authenticated:
        me = door.read(request, "MyCommune")["me"]
        commune = ((me or {}).get("practitioner") or {}).get("commune")
        typed = commune["code"] if commune else ""
    try:
        radius = int(request.GET.get("rayon") or 30)
    except ValueError:
        radius = 30
    radius = radius if radius in RADII else 30
    with_time = request.GET.get("temps") == "1" and request.user.is_authenticated
    kind = request.GET.get("offre") or ""
    kind = kind if kind in OFFER_KINDS else ""
    trainees = request.GET.get("stage") or ""
    trainees = trainees if trainees in TRAINEE_KINDS else ""
    context = {
        "title": "Trouver de l'aide près de chez moi",
        "typed": typed,
        "radius": radius,
        "radii": RADII,
        "kind": kind,
        "with_time": with_time,
        "offer_kinds": OFFER_KINDS,
        "trainees": trainees,
        "trainee_kinds": TRAINEE_KINDS,
        "commune": None,
        "choices": [],
        "error": "",
    }
    if typed:
        commune, choices = find_commune(request, typed)
        if commune is None:
            context["choices"] = [(c["code"], commune_label(c)) for c in choices]
            context["error"] = (
                "Plusieurs communes correspondent : choisissez la vôtre."
                if choices
                else "Aucune commune ne correspond : tapez son nom ou son code postal."
            )
        else:
            data = door.read(
                request,
                "FindHelp",
                {
                    "code": commune["code"],
                    "radiusKm": radius,
                    "offerKind": kind or None,
                    "takesTrainees": trainees or None,
                },
            )
            place = data["communes"]["edges"][0]["node"]
            hubs = [_found(item) for item in data["nearbyHubs"]]
            if hubs and request.user.is_authenticated:
                capacities = door.read(request, "HubCapacities", {"ids": [hub["id"] for hub in hubs]})
                left = {row["hub"]["id"]: row["hoursLeft"] for row in capacities["hubCapacities"]}
                for hub in hubs:
                    hub["hours_left"] = left.get(hub["id"])
                if with_time:
                    hubs = [hub for hub in hubs if (hub["hours_left"] or 0) > 0]
            for number, hub in enumerate(hubs, start=1):
                hub["number"] = number
                if hub["place"]:
                    hub["place"].number = number
            context.update(
                commune=place,
                typed=commune_label(commune),
                hubs=hubs,
                map=hubs_map(
                    Place(place["name"], place["latitude"], place["longitude"]),
                    [hub["place"] for hub in hubs if hub["place"]],
                    radius,
                ),
            )
    return render(request, "web/find.html", context, status=200 if not context["error"] else 400)


def _training(training: dict | None) -> str:
    """« Lieu de stage : internes de médecine générale, externes — 3 places par semestre »."""
    if not training:
        return ""
    kinds = ", ".join(TRAINEE_KINDS.get(k, k).lower() for k in training["kinds"])
    places = training["placesPerSemester"]
    return f"Lieu de stage : {kinds} — {places} place{'s' if places > 1 else ''} par semestre"


def _found(item: dict) -> dict:
    """A hub of `nearbyHubs` as the list and the map show it."""
    hub = item["hub"]
    site = (hub["msp"]["mainSite"] or {}).get("commune")
    return {
        "id": hub["id"],
        "name": hub["msp"]["name"],
        "town": site["name"] if site else "",
        "distance": item["distanceKm"],
        "service_radius": hub["serviceRadiusKm"],
        "offers": [OFFER_KINDS.get(k, k) for k in hub["offerKinds"]],
        "hours": hub["monthlyCoordinationHours"],
        "hours_left": None,
        "training": _training(hub["msp"]["training"]),
        "place": Place(hub["msp"]["name"], site["latitude"], site["longitude"], hub["serviceRadiusKm"])
        if site
        else None,
    }


@door.page
@require_GET
def hub(request, hub_id: str):
    data = door.read(request, "HubPage", {"id": hub_id, "from": timezone.now().isoformat()})
    node = data["node"]
    if not node or "msp" not in node:
        raise Http404("Aucune MSP tête de pont à cette adresse.")
    slots_by_offer = defaultdict(list)
    for edge in data["slots"]["edges"]:
        slot = edge["node"]
        if slot["status"] == "OPEN":
            slot["starts"] = local_time(slot["localStartsAt"])
            slot["ends"] = local_time(slot["localEndsAt"])
            slots_by_offer[slot["offer"]["id"]].append(slot)
    offers = []
    for edge in data["supportOffers"]["edges"]:
        offer = edge["node"]
        offer["kind_label"] = OFFER_KINDS.get(offer["kind"], offer["kind"])
        offer["location_label"] = LOCATION_KINDS.get(offer["locationKind"], offer["locationKind"])
        offer["slots"] = slots_by_offer.get(offer["id"], [])
        offers.append(offer)
    return render(
        request,
        "web/hub.html",
        {
            "title": node["msp"]["name"],
            "hub": node,
            "opening_date": date.fromisoformat(node["msp"]["openingDate"])
            if node["msp"]["openingDate"]
            else None,
            "status_label": HUB_STATUSES.get(node["status"], node["status"]),
            "offer_kinds": [OFFER_KINDS.get(k, k) for k in node["offerKinds"]],
            "offers": offers,
            "live": {
                "query": door.document("LiveSeats"),
                "mode": "seats",
                "variables": {"hubId": node["id"]},
            },
        },
    )
