"""The observatory (issue 27, journey 6): a territory's figures against the plan's target of 4,000 MSPs, its
map and its progress month by month — the pictures the API draws — and, for the ARS of the region and the
Cnam, its exports. Figures are public (the API's `observatory` is open to anyone); the exports are not."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render

from .. import door
from ..labels import OFFER_KINDS
from .shared import month_label

LEVELS = {"NATION": "France entière", "REGION": "Région", "DEPARTMENT": "Département"}
EXPORTS = {
    "msps": "Les MSP",
    "hubs": "Les MSP tête de pont",
    "signaux": "Les signaux faibles",
    "departements": "Les départements",
}


@door.page
def observatory(request):
    me = (door.read(request, "Navigation")["me"] or {}) if request.user.is_authenticated else {}
    own = (me.get("arsRegion") or {}).get("code")
    regions = door.read(request, "RegionDepartments")["regions"]
    departments = {
        d["code"]: (d["name"], region["code"]) for region in regions for d in region["departments"]
    }
    names = {region["code"]: region["name"] for region in regions}
    chosen = request.GET.get("territoire", "")
    if chosen.startswith("region-") and chosen[7:] in names:
        scope = {"level": "REGION", "code": chosen[7:]}
    elif chosen.startswith("departement-") and chosen[12:] in departments:
        scope = {"level": "DEPARTMENT", "code": chosen[12:]}
    elif chosen == "france" or not own:
        scope = {"level": "NATION", "code": None}
    else:
        scope = {"level": "REGION", "code": own}  # an ARS agent starts on their region
    figures = door.read(request, "ObservatoryPage", {"scope": scope})["observatory"]
    region_of_scope = (
        scope["code"]
        if scope["level"] == "REGION"
        else departments[scope["code"]][1]
        if scope["level"] == "DEPARTMENT"
        else None
    )
    may_export = bool(me.get("isCnamStaff") or me.get("isAdmin") or (own and own == region_of_scope))
    query = urlencode({"level": scope["level"], **({"code": scope["code"]} if scope["code"] else {})})
    choices = [("france", "France entière")]
    for region in sorted(regions, key=lambda r: r["name"]):
        choices.append((f"region-{region['code']}", region["name"]))
        choices += [(f"departement-{d['code']}", f"— {d['code']} {d['name']}") for d in region["departments"]]
    current = (
        "france"
        if scope["level"] == "NATION"
        else (f"region-{scope['code']}" if scope["level"] == "REGION" else f"departement-{scope['code']}")
    )
    for row in figures["hoursGivenByMonth"]:
        row["label"] = month_label(row["month"])
    for offer in figures["offersByKind"]:
        offer["label"] = OFFER_KINDS.get(offer["kind"], offer["kind"])
    coverage = figures["coverage"]
    return render(
        request,
        "web/observatory.html",
        {
            "title": f"Observatoire — {figures['name']}",
            "figures": figures,
            "coverage": coverage,
            "covered_percent": round(100 * coverage["shareCovered"], 1)
            if coverage["shareCovered"] is not None
            else None,
            "target_percent": round(100 * figures["shareOfTarget"], 1),
            "accepted_percent": round(
                100 * figures["mentoringRequestsAccepted"] / figures["mentoringRequestsSubmitted"]
            )
            if figures["mentoringRequestsSubmitted"]
            else None,
            "choices": choices,
            "current": current,
            "exports": [(label, f"/exports/{kind}.csv?{query}") for kind, label in EXPORTS.items()]
            if may_export
            else [],
        },
    )
