"""The root schema: only combines the domains' query, mutation and subscription fields."""

import graphene

from backend.accounts.graphql.schema import AccountMutationFields, AccountQueryFields, UserFields
from backend.assembly.graphql import PersonalDataMutationFields, PersonalDataQueryFields
from backend.core.graphql import assemble
from backend.core.input_rules import apply_input_rules
from mentoring.accelerator.graphql.schema import (
    AcceleratorMutationFields,
    AcceleratorQueryFields,
    AcceleratorSubscriptionFields,
)
from mentoring.graphql.schema import (
    MentoringMutationFields,
    MentoringQueryFields,
    MentoringSubscriptionFields,
)
from network.graphql.account import NetworkUserFields
from network.graphql.schema import NetworkMutationFields, NetworkQueryFields, NetworkSubscriptionFields
from observatory.graphql.schema import (
    ObservatoryQueryFields,
    WeakSignalMutationFields,
    WeakSignalQueryFields,
    WeakSignalSubscriptionFields,
)


@assemble
class User(NetworkUserFields, UserFields, graphene.ObjectType):  # the accounts' fields first
    """The signed-in user and their roles."""


class Query(
    AccountQueryFields,
    PersonalDataQueryFields,
    NetworkQueryFields,
    MentoringQueryFields,
    AcceleratorQueryFields,
    ObservatoryQueryFields,
    WeakSignalQueryFields,
    graphene.ObjectType,
):
    """Entry points for reading."""


class Mutation(
    AccountMutationFields,
    PersonalDataMutationFields,
    NetworkMutationFields,
    MentoringMutationFields,
    AcceleratorMutationFields,
    WeakSignalMutationFields,
    graphene.ObjectType,
):
    """Entry points for changing data. Each returns its object and an `errors` list."""


class Subscription(
    NetworkSubscriptionFields,
    MentoringSubscriptionFields,
    AcceleratorSubscriptionFields,
    WeakSignalSubscriptionFields,
    graphene.ObjectType,
):
    """Live updates, over WebSocket only (protocol graphql-transport-ws on /graphql)."""


schema = graphene.Schema(query=Query, mutation=Mutation, subscription=Subscription)
apply_input_rules(schema.graphql_schema)  # one rule per kind of input (backend/core/input_rules.py)
