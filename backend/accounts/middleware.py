"""`Authorization: Bearer <token>` authentication for API clients."""

from django.http import JsonResponse
from django.utils.functional import SimpleLazyObject

from backend.core.execution import DatabaseBusy, run_in_pool
from backend.core.middleware import SyncAndAsync
from backend.core.views import busy_response

from .services import user_for_token


def bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _refusal():
    return JsonResponse(
        {
            "errors": [
                {
                    "message": "Jeton d'authentification invalide, expiré ou révoqué.",
                    "extensions": {"code": "UNAUTHENTICATED"},
                }
            ]
        },
        status=401,
    )


def _authenticate(request, raw, user):
    request.user = SimpleLazyObject(lambda: user)
    request.auth_token = raw
    request._dont_enforce_csrf_checks = True


METRICS_PATH = "/metrics"  # its bearer token is METRICS_TOKEN, read by its view, not a user's


class BearerTokenMiddleware(SyncAndAsync):
    """Replaces the session user by the token's user when a bearer token is sent.

    A request carrying an invalid, expired or revoked token is refused outright
    (401) rather than silently treated as anonymous. Token requests carry no
    ambient credentials, so they are exempt from the CSRF check. Under ASGI the
    token is looked up on the GraphQL pool (backend.core.execution), so the
    request chain stays asynchronous and a client's disconnect reaches the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.adopt_mode(get_response)

    def handle(self, request):
        raw = bearer_token(request) if request.path != METRICS_PATH else None
        if raw is not None:
            user = user_for_token(raw)
            if user is None:
                return _refusal()
            _authenticate(request, raw, user)
        return self.get_response(request)

    async def __acall__(self, request):
        raw = bearer_token(request) if request.path != METRICS_PATH else None
        if raw is not None:
            try:
                user = await run_in_pool(user_for_token, raw)
            except DatabaseBusy as busy:
                return busy_response(busy)
            if user is None:
                return _refusal()
            _authenticate(request, raw, user)
        return await self.get_response(request)
