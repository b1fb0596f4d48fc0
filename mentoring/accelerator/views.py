"""The accelerator's pages outside GraphQL: the queue as CSV, an attachment behind its signed address."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from backend.core.viewer import viewer_for
from mentoring.accelerator.permissions import (
    accelerator_message_visibilities,
    accelerator_requests_visible_to,
    is_accelerator_staff,
)

from .exports import filters_of, queue_csv
from .models import AcceleratorAttachment, AcceleratorRequest
from .selectors import ORDERINGS
from .services.attachments import read_token


@require_GET
def accelerator_export(request):
    """The queue with the filters of the query string, streamed as CSV: Cnam staff only (session or bearer)."""
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
    except ValidationError as refused:
        return JsonResponse({"error": " ".join(refused.messages)}, status=400)
    except ValueError:
        return JsonResponse({"error": "Filtre invalide."}, status=400)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tete-de-pont-accelerateur.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def accelerator_attachment(request, token: str):
    """A file of the accelerator, through a link signed for one user and a few minutes; that user must be the
    one asking (session or bearer), and must still read the question or message it is attached to."""
    data = read_token(token)
    gone = JsonResponse(
        {"error": "Lien expiré ou invalide : rouvrez la demande pour obtenir un nouveau lien."}, status=404
    )
    if data is None or not request.user.is_authenticated or request.user.pk != data.get("u"):
        return gone
    attachment = AcceleratorAttachment.objects.select_related("message").filter(pk=data.get("a")).first()
    if attachment is None:
        return gone
    viewer = viewer_for(request)
    visible = accelerator_requests_visible_to(
        AcceleratorRequest.objects.filter(pk=attachment.request_id), viewer
    ).first()
    if visible is None or (
        attachment.message is not None
        and attachment.message.visibility not in accelerator_message_visibilities(viewer, visible)
    ):
        return gone
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
