"""The root schema: only combines the apps' Query and Mutation mixins."""

import graphene

from backend.accounts.graphql.schema import AccountMutation, AccountQuery
from backend.core.input_rules import apply_input_rules
from mentoring.graphql.schema import MentoringMutationType, MentoringQuery, MentoringSubscription
from network.graphql.schema import NetworkMutation, NetworkQuery, NetworkSubscription


class Query(AccountQuery, NetworkQuery, MentoringQuery, graphene.ObjectType):
    """Entry points for reading."""


class Mutation(AccountMutation, NetworkMutation, MentoringMutationType, graphene.ObjectType):
    """Entry points for changing data. Each returns its object and an `errors` list."""


class Subscription(NetworkSubscription, MentoringSubscription, graphene.ObjectType):
    """Live updates, over WebSocket only (protocol graphql-transport-ws on /graphql)."""


schema = graphene.Schema(query=Query, mutation=Mutation, subscription=Subscription)
apply_input_rules(schema.graphql_schema)  # one rule per kind of input (backend/core/input_rules.py)
