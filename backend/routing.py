"""WebSocket routes. The GraphQL subscription endpoint (`/graphql`) is added by the realtime layer.

Mind TECH-NOTES: non-browser clients send no Origin header, so the consumer
checks Origin itself rather than wrapping routes in AllowedHostsOriginValidator.
"""

websocket_urlpatterns: list = []
