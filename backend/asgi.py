"""ASGI entry point: HTTP through Django, WebSocket (GraphQL subscriptions) through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from backend.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Session and user in the scope; the consumer decides whether the session may count.
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
