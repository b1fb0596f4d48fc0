"""Who reads which weak signals: Cnam staff (and administrators) the whole country's, an ARS agent their
region's only. The figures themselves are public (observatory/graphql/queries.py)."""

from __future__ import annotations

from backend.core.permissions import Permission
from backend.core.scoping import visibility_rule
from network.permissions import Viewer

from .models import WeakSignal
from .selectors import Level, Scope


def follows_nation(viewer: Viewer) -> bool:
    return viewer.has_perm(Permission.FOLLOW_SIGNALS.django_permission)


def follows_signals(viewer: Viewer) -> bool:
    return follows_nation(viewer) or viewer.ars_region_code is not None


@visibility_rule(WeakSignal)
def signals_visible_to(queryset, viewer: Viewer):
    if follows_nation(viewer):
        return queryset
    region = viewer.ars_region_code
    return queryset.filter(region_id=region) if region is not None else queryset.none()


def signal_scope(viewer: Viewer, scope: Scope) -> Scope:
    """The territory whose signals the viewer asked for, if they may read it; else `PermissionError` with the
    French reason (an ARS agent reads their region and its departments only)."""
    if follows_nation(viewer):
        return scope
    region = viewer.ars_region_code
    if region is None:
        raise PermissionError("Réservé à l'équipe de la Cnam et aux agents des ARS.")
    if scope.level == Level.REGION and scope.code == region:
        return scope
    if scope.level == Level.DEPARTMENT and scope.region_code() == region:
        return scope
    raise PermissionError("Un agent d'ARS ne suit que les signaux de sa région.")
