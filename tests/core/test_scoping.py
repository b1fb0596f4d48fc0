"""Every row a type shows is scoped by one registered rule (issue 25): a walk of the schema finds each Django
type, its model must have a visibility rule (`backend/core/scoping.py`) or be declared public with a reason,
and its `get_queryset` must apply that rule — for `node`, lists and live events alike."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from graphene_django import DjangoObjectType

from backend.core import scoping
from backend.schema import schema

pytestmark = pytest.mark.django_db


def django_types():
    found = []
    for graphql_type in schema.graphql_schema.type_map.values():
        graphene_type = getattr(graphql_type, "graphene_type", None)
        if isinstance(graphene_type, type) and issubclass(graphene_type, DjangoObjectType):
            found.append(graphene_type)
    return found


def test_every_type_is_scoped_by_its_models_rule_or_declared_public(world):
    types = django_types()
    assert len(types) >= 17
    unscoped = [t.__name__ for t in types if t._meta.model not in scoping.RULES | scoping.PUBLIC]
    assert unscoped == []
    for graphene_type in types:
        model = graphene_type._meta.model
        if model in scoping.PUBLIC:
            continue
        for user in (AnonymousUser(), world.user("practitioner"), world.user("cnam_staff")):
            info = SimpleNamespace(context=SimpleNamespace(user=user))
            with scoping.recording() as applied:
                graphene_type.get_queryset(model.objects.all(), info)
            assert model in applied, f"{graphene_type.__name__}.get_queryset does not apply its model's rule"


def test_the_walk_sees_a_type_that_forgets_its_rule(world, monkeypatch):
    from mentoring.graphql.types import Booking

    monkeypatch.setattr(Booking, "get_queryset", classmethod(lambda cls, queryset, info: queryset))
    info = SimpleNamespace(context=SimpleNamespace(user=AnonymousUser()))
    with scoping.recording() as applied:
        Booking.get_queryset(Booking._meta.model.objects.all(), info)
    assert Booking._meta.model not in applied


def test_a_model_has_one_rule():
    from mentoring.models import Booking

    with pytest.raises(ValueError, match="already scoped"):
        scoping.visibility_rule(Booking)(lambda queryset, viewer: queryset)
    with pytest.raises(ValueError, match="cannot be public"):
        scoping.public(Booking, "no")
