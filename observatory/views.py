"""The observatory's CSV exports (observatory/exports.py), streamed, for the public bodies that steer the
network: Cnam staff for any territory, an ARS agent for their region (or one of its departments) only.

    GET /exports/msps.csv?level=REGION&code=44      (session or `Authorization: Bearer …`)
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from backend.core.db import heavy_reads
from network.models import Department, Region
from network.permissions import NetworkPermission, viewer_for

from . import selectors
from .exports import EXPORTS
from .models import SignalStatus, WeakSignal
from .permissions import follows_nation, signal_scope


def _refused(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_GET
def export(request, kind: str):
    viewer = viewer_for(request)
    if not viewer.is_authenticated:
        return _refused(401, "Authentification requise.")
    staff = viewer.has_perm(NetworkPermission.APPROVE_HUBS) or follows_nation(viewer)
    own_region = viewer.ars_region_code
    if not staff and own_region is None:
        return _refused(403, "Réservé à l'équipe de la Cnam et aux agents des ARS.")
    if kind not in EXPORTS:
        return _refused(404, f"Export inconnu : « {kind} » (msps, hubs, signaux ou departements).")
    level = (
        request.GET.get("level") or (selectors.Level.NATION if staff else selectors.Level.REGION)
    ).upper()
    code = request.GET.get("code") or (None if staff else own_region)
    if level not in (selectors.Level.NATION, selectors.Level.REGION, selectors.Level.DEPARTMENT):
        return _refused(400, "Niveau inconnu (NATION, REGION ou DEPARTMENT).")
    try:
        scope = selectors.scope_of(level, code)
    except ValidationError as error:
        return _refused(400, error.message_dict["code"][0])
    if not staff and not _within(scope, own_region):
        return _refused(403, "Un agent d'ARS n'exporte que sa région.")
    response = StreamingHttpResponse(EXPORTS[kind](scope), content_type="text/csv; charset=utf-8")
    name = f"tete-de-pont-{kind}-{(scope.code or 'france').lower()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _within(scope: selectors.Scope, region: str) -> bool:
    if scope.level == selectors.Level.REGION:
        return scope.code == region
    if scope.level == selectors.Level.DEPARTMENT:
        return Department.objects.filter(pk=scope.code, region_id=region).exists()
    return False


def observatory_page(request):
    """The back office's observatory page (/admin/observatoire/): the key figures of a territory, the progress
    towards 4,000 MSPs, a map coloured by coverage, the open weak signals and the exports. Cnam staff choose
    any territory; an ARS agent their region or one of its departments."""
    viewer = viewer_for(request)
    staff = follows_nation(viewer)
    own = viewer.ars_region_code
    context = {**admin.site.each_context(request), "title": "Observatoire des MSP"}

    def refused(status: int, message: str):
        return TemplateResponse(
            request, "admin/observatory.html", {**context, "refusal": message}, status=status
        )

    if not staff and own is None:
        return refused(403, "Réservé à l'équipe de la Cnam et aux agents des ARS.")
    level = (
        request.GET.get("level") or (selectors.Level.NATION if staff else selectors.Level.REGION)
    ).upper()
    code = request.GET.get("code") or (None if staff else own)
    if level not in (selectors.Level.NATION, selectors.Level.REGION, selectors.Level.DEPARTMENT):
        return refused(400, "Niveau inconnu (NATION, REGION ou DEPARTMENT).")
    try:
        scope = selectors.scope_of(level, code)
        signal_scope(viewer, scope)
    except ValidationError as error:
        return refused(400, error.message_dict["code"][0])
    except PermissionError as error:
        return refused(403, str(error))

    with heavy_reads():
        figures = selectors.figures(scope)
        rows = selectors.commune_rows(scope)
        coverage = selectors.coverage(scope, rows)
        chart, drawn = selectors.drawings(scope, figures, rows)
    signals = (
        scope.signals(WeakSignal.objects.exclude(status=SignalStatus.CLOSED))
        .select_related("msp", "department")
        .order_by("-started_at", "-pk")
    )
    if staff:
        choices = [("NATION", "", "France entière")]
        choices += [("REGION", r.pk, r.name) for r in Region.objects.order_by("name")]
        departments = Department.objects.order_by("pk")
    else:
        choices = [("REGION", own, Region.objects.get(pk=own).name)]
        departments = Department.objects.filter(region_id=own).order_by("pk")
    choices += [("DEPARTMENT", d.pk, f"{d.pk} — {d.name}") for d in departments]
    query = f"level={scope.level}" + (f"&code={scope.code}" if scope.code else "")
    context.update(
        {
            "title": f"Observatoire des MSP — {scope.name}",
            "scope": scope,
            "figures": figures,
            "members": sum(n for _, _, n in figures.members_by_profession),
            "target": selectors.NATIONAL_TARGET,
            "share_of_target": round(100 * figures.msps_operating / selectors.NATIONAL_TARGET, 1),
            "coverage": coverage,
            "coverage_percent": round(100 * coverage.share, 1) if coverage.share is not None else None,
            "uncovered": coverage.uncovered_priority[:10],
            "chart": chart,
            "map": drawn,
            "signals": signals[:50],
            "signal_count": signals.count(),
            "choices": [
                (lvl, c, name, lvl == scope.level and (c or None) == scope.code) for lvl, c, name in choices
            ],
            "exports": [
                (kind, f"/exports/{kind}.csv?{query}") for kind in ("msps", "hubs", "signaux", "departements")
            ],
        }
    )
    return TemplateResponse(request, "admin/observatory.html", context)
