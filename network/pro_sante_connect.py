"""Sign-in with Pro Santé Connect, the OpenID Connect provider of health professionals (e-CPS app or CPS card):
discovery, authorization code with PKCE (S256), a nonce, the ID token checked (signature against the provider's
keys, issuer, audience, expiry, nonce) by authlib's client, then the RPPS taken from the userinfo claims
(services/identity.py). Configured by PSC_ISSUER, PSC_CLIENT_ID and PSC_CLIENT_SECRET; without them the two
routes answer 404 and nothing shows it exists.
"""

import logging

from authlib.integrations.django_client import OAuth, OAuthError
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_GET

from .services import identity

logger = logging.getLogger("backend")
_clients: dict[tuple, object] = {}


def configured() -> bool:
    conf = getattr(settings, "PRO_SANTE_CONNECT", {})
    return bool(conf.get("ISSUER") and conf.get("CLIENT_ID"))


def client():
    """authlib's client for the configured provider (one per configuration: its metadata and keys are kept)."""
    if not configured():
        raise Http404()
    conf = settings.PRO_SANTE_CONNECT
    key = (conf["ISSUER"], conf["CLIENT_ID"], conf.get("CLIENT_SECRET", ""))
    if key not in _clients:
        oauth = OAuth()
        _clients[key] = oauth.register(
            "pro_sante_connect",
            client_id=conf["CLIENT_ID"],
            client_secret=conf.get("CLIENT_SECRET", ""),
            server_metadata_url=conf["ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": conf.get("SCOPE", "openid scope_all"), "code_challenge_method": "S256"},
        )
    return _clients[key]


def _refusal(message: str, status: int = 403) -> HttpResponse:
    page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Connexion refusée — Tête de pont</title>'
        f'</head><body><main><h1>Connexion refusée</h1><p>{escape(message)}</p><p><a href="/">Retour à '
        "l'accueil</a></p></main></body></html>"
    )
    return HttpResponse(page, status=status)


@require_GET
def sign_in(request):
    """To the provider, with state, nonce and a PKCE challenge kept in the session."""
    return client().authorize_redirect(request, request.build_absolute_uri(reverse("psc-callback")))


@require_GET
def callback(request):
    """Back from the provider: the code exchanged, the ID token checked, the practitioner found and signed in."""
    psc = client()
    try:
        token = psc.authorize_access_token(request)
        claims = {**token.get("userinfo", {}), **psc.userinfo(token=token)}
    except OAuthError as error:
        logger.warning("Pro Santé Connect refused: %s", error)
        return _refusal("Pro Santé Connect n'a pas confirmé votre identité. Recommencez la connexion.")
    except Exception:  # a forged, expired or foreign token (authlib's checks), or the provider unreachable
        logger.warning("Pro Santé Connect answer refused", exc_info=True)
        return _refusal("La réponse de Pro Santé Connect n'a pas pu être vérifiée. Recommencez la connexion.")
    try:
        account = identity.sign_in_with_pro_sante_connect(claims, request.user)
    except ValidationError as refused:
        return _refusal(" ".join(refused.messages))
    login(request, account, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect("/")
