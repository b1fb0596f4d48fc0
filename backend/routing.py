"""WebSocket routes: GraphQL over graphql-transport-ws on the same path as HTTP.

The consumer checks Origin itself (TECH-NOTES): non-browser clients send none and
are accepted with token authentication only; a browser's Origin must be an
allowed host, and only then does the session cookie count.
"""

from django.urls import path

from backend.realtime.consumer import GraphQLTransportWSConsumer

websocket_urlpatterns = [path("graphql", GraphQLTransportWSConsumer.as_asgi())]
