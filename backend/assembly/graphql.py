"""The person's own data over GraphQL: read all of it, close the account (backend/assembly/personal_data.py)."""

import graphene
from django.contrib.auth import logout
from django.core.exceptions import ValidationError

from backend.accounts.graphql.schema import AccountMutation
from backend.accounts.services import checked_credentials, client_ip
from backend.core.graphql import Field
from backend.core.permissions import Permission

from .personal_data import KEPT, close_account, export_json


class PersonalDataQueryFields(graphene.ObjectType):
    my_data = Field(
        graphene.String,
        required=True,
        description="Everything the platform holds about the signed-in user, as a JSON document (their right of "
        "access): account, practitioner record, memberships, bookings, mentoring, questions to the Cnam and who "
        "read their contact details.",
        permissions=[Permission.SIGNED_IN],
    )
    closing_my_account_keeps = Field(
        graphene.List(graphene.NonNull(graphene.String)),
        required=True,
        description="What closing one's account keeps, and why, in French (to say before `closeAccount`).",
        permissions=[Permission.ANYONE],
    )

    def resolve_my_data(root, info):
        return export_json(info.context.user)

    def resolve_closing_my_account_keeps(root, info):
        return KEPT


class CloseAccount(AccountMutation):
    """Close one's account, giving one's password (counted with failed sign-ins): coming bookings are cancelled
    and open mentoring requests withdrawn by the domains' rules, the account no longer signs in and no longer
    carries the person's address; `closingMyAccountKeeps` says what stays and why."""

    class Meta:
        permissions = [Permission.SIGNED_IN]

    class Arguments:
        password = graphene.String(required=True, description="The account's password.")

    closed = graphene.Boolean(required=True, description="True once the account is closed.")

    error_defaults = {"closed": False}
    atomic = False  # a wrong password is recorded as a failed sign-in even though the mutation fails

    @classmethod
    def perform(cls, root, info, password):
        request = info.context
        try:
            user = checked_credentials(request.user.email, password, ip_address=client_ip(request.META))
        except ValidationError as error:
            raise ValidationError({"password": error}) from None
        close_account(user)
        if getattr(request, "web_door", False) and hasattr(request, "session"):
            logout(request)
        return cls(closed=True, errors=[])


class PersonalDataMutationFields(graphene.ObjectType):
    close_account = CloseAccount.Field()
