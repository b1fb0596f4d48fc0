"""The iCalendar feed behind its secret address; the accelerator's queue as CSV."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from .services.calendar import feed_for_token, render_feed


@require_GET
def calendar_feed(request, token: str):
    feed = feed_for_token(token)
    if feed is None:
        raise Http404("Agenda introuvable (adresse inconnue ou renouvelée).")
    response = HttpResponse(render_feed(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tete-de-pont.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def accelerator_export(request):
    """The queue with the filters of the query string, streamed as CSV: Cnam staff only (session or bearer)."""
    from network.permissions import viewer_for

    from .accelerator.exports import filters_of, queue_csv
    from .accelerator.selectors import ORDERINGS
    from .permissions import is_accelerator_staff

    viewer = viewer_for(request)
    if not viewer.is_authenticated:
        return JsonResponse({"error": "Authentification requise."}, status=401)
    if not is_accelerator_staff(viewer):
        return JsonResponse({"error": "Réservé à l'équipe de l'accélérateur de la Cnam."}, status=403)
    order = (request.GET.get("order") or "SLA_DUE").upper()
    if order not in (*ORDERINGS, "RELEVANCE"):
        return JsonResponse(
            {"error": "Ordre inconnu (SLA_DUE, PRIORITY, NEWEST, OLDEST, RELEVANCE)."}, status=400
        )
    try:
        lines = queue_csv(filters_of(request.GET), order)
    except (ValueError, ValidationError):
        return JsonResponse({"error": "Filtre invalide."}, status=400)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tete-de-pont-accelerateur.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
