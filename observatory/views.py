"""The observatory's CSV exports (observatory/exports.py), streamed, for the public bodies that steer the
network: Cnam staff for any territory, an ARS agent for their region (or one of its departments) only.

    GET /exports/msps.csv?level=REGION&code=44      (session or `Authorization: Bearer …`)
"""

from django.core.exceptions import ValidationError
from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from network.permissions import NetworkPermission, viewer_for

from . import selectors
from .exports import EXPORTS


def _refused(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_GET
def export(request, kind: str):
    viewer = viewer_for(request)
    if not viewer.is_authenticated:
        return _refused(401, "Authentification requise.")
    staff = viewer.has_perm(NetworkPermission.APPROVE_HUBS)
    own_region = viewer.ars_region_code
    if not staff and own_region is None:
        return _refused(403, "Réservé à l'équipe de la Cnam et aux agents des ARS.")
    if kind not in EXPORTS:
        return _refused(404, f"Export inconnu : « {kind} » (msps, hubs ou departements).")
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
    from network.models import Department

    if scope.level == selectors.Level.REGION:
        return scope.code == region
    if scope.level == selectors.Level.DEPARTMENT:
        return Department.objects.filter(pk=scope.code, region_id=region).exists()
    return False
