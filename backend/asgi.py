"""ASGI entry point: HTTP through Django, WebSocket (GraphQL subscriptions) through Channels."""

import gc
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# Django must be set up before anything imports models.
django.setup(set_prefix=False)

from backend.core.http import PoolHandler  # noqa: E402

# Django's ASGI handler, with `/graphql` sent to the GraphQL pool in one hop (backend/core/http.py).
django_asgi_app = PoolHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from backend.core.execution import stop_all  # noqa: E402
from backend.core.rate_limit import RateLimited  # noqa: E402
from backend.routing import websocket_urlpatterns  # noqa: E402

# Every request counted against its address first (backend/core/rate_limit.py).
application = RateLimited(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            # Session and user in the scope; the consumer decides whether the session may count.
            "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
        }
    )
)

# A server holding thousands of sockets keeps millions of objects alive; with the default
# thresholds a full collection runs every few seconds under load and stops the loop for
# 100-400 ms (measured by bench/realtime_fanout.py at 1,000 subscribers). Objects loaded at
# start-up are frozen out of the collector, and collections are made rarer. GC_THRESHOLDS="700,10,10"
# restores Python's defaults.
gc.freeze()
gc.set_threshold(*(int(n) for n in os.environ.get("GC_THRESHOLDS", "50000,50,100").split(",")))


def _stop_work_on_shutdown() -> None:
    """Under Daphne (Twisted), SIGTERM stops the reactor: stop the operations still running first.

    Their SQL is cancelled and they end at the next field, so the process exits within moments
    instead of waiting for its slowest statement (the pool's threads are joined at exit).
    """
    reactor = sys.modules.get("twisted.internet.reactor")  # never imported here: Daphne installs its own
    if reactor is not None:
        reactor.addSystemEventTrigger("before", "shutdown", stop_all)


_stop_work_on_shutdown()
