"""The iCalendar feed behind its secret address."""

from django.http import Http404, HttpResponse
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
