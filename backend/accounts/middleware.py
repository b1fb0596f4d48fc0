"""`Authorization: Bearer <token>` authentication for API clients."""

from django.http import JsonResponse
from django.utils.functional import SimpleLazyObject

from .services import user_for_token


def bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


class BearerTokenMiddleware:
    """Replaces the session user by the token's user when a bearer token is sent.

    A request carrying an invalid, expired or revoked token is refused outright
    (401) rather than silently treated as anonymous. Token requests carry no
    ambient credentials, so they are exempt from the CSRF check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = bearer_token(request)
        if raw is not None:
            user = user_for_token(raw)
            if user is None:
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
            request.user = SimpleLazyObject(lambda: user)
            request.auth_token = raw
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)
