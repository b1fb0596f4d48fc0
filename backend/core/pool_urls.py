"""The URLs as seen from a GraphQL pool thread (backend.core.http): `/graphql` is the synchronous view there."""

from django.urls import path

from backend.urls import urlpatterns as site_urlpatterns

from .views import graphql_pool_view

urlpatterns = [
    path("graphql", graphql_pool_view, name="graphql"),
    *(pattern for pattern in site_urlpatterns if getattr(pattern, "name", None) != "graphql"),
]
