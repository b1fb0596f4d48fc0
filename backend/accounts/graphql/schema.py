"""Accounts over GraphQL: who am I, sign in with a bearer token, revoke it, notification preferences."""

import graphene
from django.contrib.auth import login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError

from backend.core.graphql import BaseMutation, Field, assembled, enum_from_choices, error_type
from backend.core.permissions import Permission

from ..errors import AccountErrorCode
from ..middleware import bearer_token
from ..models import NotificationPreferences as NotificationPreferencesModel
from ..passwords import change_password, request_password_reset, reset_password
from ..services import (
    checked_credentials,
    client_ip,
    login_with_password,
    revoke_token,
    update_notification_preferences,
)

AccountErrorCodeEnum = enum_from_choices(
    AccountErrorCode,
    "AccountErrorCode",
    "Error codes of account mutations.",
    {
        "INVALID": "A value is invalid.",
        "REQUIRED": "A required value is missing.",
        "INVALID_CREDENTIALS": "Wrong e-mail or password.",
        "TOO_MANY_ATTEMPTS": "Too many failed attempts: wait before trying again.",
        "TOKEN_NOT_FOUND": "Unknown or already revoked token.",
        "EMAIL_TAKEN": "This e-mail address already has an account.",
        "PASSWORD_TOO_WEAK": "The password is too weak.",
        "INVALID_TOKEN": "The code is wrong, already used or expired.",
    },
)
AccountError = error_type("AccountError", AccountErrorCodeEnum, "account")


class UserFields:
    """What the accounts know of the signed-in user. The domains add their own fields (the network: the
    practitioner, coordinated MSPs, Cnam staff), and backend/schema.py assembles the `User` type."""

    email = graphene.String(required=True, description="E-mail used to sign in.")
    first_name = graphene.String(required=True, description="First name.")
    last_name = graphene.String(required=True, description="Last name.")
    is_admin = graphene.Boolean(required=True, description="True for platform administrators.")

    def resolve_is_admin(self, info):
        return self.is_superuser


User = assembled("User")


class NotificationPreferences(graphene.ObjectType):
    """What the signed-in user receives beyond confirmations and cancellations, which are always sent."""

    reminders = graphene.Boolean(
        required=True, description="E-mail reminders 24 h and 1 h before a booking or a rota turn."
    )
    digest = graphene.Boolean(
        required=True,
        description="For hub coordinators: a morning e-mail listing the mentoring requests waiting for an "
        "answer for more than 3 business days.",
    )


class AccountQueryFields(graphene.ObjectType):
    me = Field(User, description="The signed-in user; null when anonymous.", permissions=[Permission.ANYONE])
    notification_preferences = Field(
        NotificationPreferences,
        required=True,
        description="The signed-in user's notification preferences (everything on until they choose).",
        permissions=[Permission.SIGNED_IN],
    )

    def resolve_me(root, info):
        user = info.context.user
        return user if user.is_authenticated else None

    def resolve_notification_preferences(root, info):
        return NotificationPreferencesModel.of(info.context.user)


def _client_ip(request) -> str | None:
    return client_ip(request.META)


class AccountMutation(BaseMutation):
    """The base of the accounts' mutations: their errors are `AccountError`s."""

    class Meta:
        abstract = True

    error_code_enum = AccountErrorCode
    error_type_class = AccountError


class TokenAuth(AccountMutation):
    """Sign in with e-mail and password; returns a bearer token to send as `Authorization: Bearer <token>`.
    Repeated failures are throttled."""

    class Meta:
        permissions = [Permission.ANYONE]

    class Arguments:
        email = graphene.String(required=True, description="E-mail of the account.")
        password = graphene.String(required=True, description="Password.")

    token = graphene.String(description="The bearer token; shown once, keep it secret.")
    expires_at = graphene.DateTime(description="When the token expires.")
    user = graphene.Field(User, description="The signed-in user.")

    atomic = False  # the failed attempt must be recorded even though the mutation fails

    @classmethod
    def perform(cls, root, info, email, password):
        issued = login_with_password(email, password, ip_address=_client_ip(info.context))
        return cls(token=issued.token, expires_at=issued.expires_at, user=issued.record.user, errors=[])


def _browser_session(request):
    """The request of a page of the web application (web/door.py marks it), whose forms carry a CSRF token.

    Anywhere else (a JSON client on /graphql, a WebSocket) a session sign-in would let another site sign a
    visitor into an account of its choosing (login CSRF): these mutations refuse there.
    """
    if not getattr(request, "web_door", False) or not hasattr(request, "session"):
        raise ValidationError(
            "La connexion par session se fait depuis les pages du site ; un client de l'API utilise `tokenAuth`.",
            code=AccountErrorCode.INVALID,
        )
    return request


class SignIn(AccountMutation):
    """Sign a browser session in with e-mail and password (the web application's sign-in page): the same count
    and lock of failed attempts as `tokenAuth`. Only from the site's own pages."""

    class Meta:
        permissions = [Permission.ANYONE]

    class Arguments:
        email = graphene.String(required=True, description="E-mail of the account.")
        password = graphene.String(required=True, description="Password.")

    user = graphene.Field(User, description="The signed-in user.")

    atomic = False  # the failed attempt must be recorded even though the mutation fails

    @classmethod
    def perform(cls, root, info, email, password):
        request = _browser_session(info.context)
        user = checked_credentials(email, password, ip_address=_client_ip(request))
        login(request, user)  # a new session key: nothing chosen before signing in survives it
        return cls(user=user, errors=[])


class SignOut(AccountMutation):
    """End the browser session (the web application's sign-out button). Only from the site's own pages."""

    class Meta:
        permissions = [Permission.SIGNED_IN]

    signed_out = graphene.Boolean(required=True, description="True once the session is over.")

    error_defaults = {"signed_out": False}

    @classmethod
    def perform(cls, root, info):
        logout(_browser_session(info.context))
        return cls(signed_out=True, errors=[])


class RequestPasswordReset(AccountMutation):
    """Forgotten password: a code to choose a new one is e-mailed to the address if it has an account (valid
    an hour, once; at most 3 e-mails an hour). The answer is the same whether or not it has one."""

    class Meta:
        permissions = [Permission.ANYONE]

    class Arguments:
        email = graphene.String(required=True, description="E-mail of the account.")

    accepted = graphene.Boolean(
        required=True, description="Always true: nothing tells whether it has an account."
    )

    error_defaults = {"accepted": False}

    @classmethod
    def perform(cls, root, info, email):
        request_password_reset(email)
        return cls(accepted=True, errors=[])


class ResetPassword(AccountMutation):
    """Choose a new password with the code e-mailed by `requestPasswordReset`. Every bearer token of the
    account is revoked."""

    class Meta:
        permissions = [Permission.ANYONE]

    class Arguments:
        code = graphene.String(required=True, description="The code from the e-mail.")
        new_password = graphene.String(required=True, description="The new password.")

    done = graphene.Boolean(required=True, description="True once the password is changed.")

    error_defaults = {"done": False}

    @classmethod
    def perform(cls, root, info, code, new_password):
        reset_password(code, new_password)
        return cls(done=True, errors=[])


class ChangePassword(AccountMutation):
    """Change one's password, giving the current one (counted with failed sign-ins). Every bearer token of the
    account is revoked; a browser session stays signed in."""

    class Meta:
        permissions = [Permission.SIGNED_IN]

    class Arguments:
        current_password = graphene.String(required=True, description="The password used until now.")
        new_password = graphene.String(required=True, description="The new password.")

    done = graphene.Boolean(required=True, description="True once the password is changed.")

    error_defaults = {"done": False}
    atomic = False  # a wrong current password is recorded as a failed sign-in even though the mutation fails

    @classmethod
    def perform(cls, root, info, current_password, new_password):
        request = info.context
        try:
            user = checked_credentials(request.user.email, current_password, ip_address=_client_ip(request))
        except ValidationError as error:
            raise ValidationError({"currentPassword": error}) from None
        change_password(user, new_password)
        if getattr(request, "web_door", False) and hasattr(request, "session"):
            update_session_auth_hash(request, user)  # the session that changed it stays signed in
        return cls(done=True, errors=[])


class RevokeToken(AccountMutation):
    """Revoke a bearer token of the signed-in user (by default, the one used for this request)."""

    class Meta:
        permissions = [Permission.SIGNED_IN]

    class Arguments:
        token = graphene.String(description="The token to revoke; the current one when omitted.")

    revoked = graphene.Boolean(required=True, description="True when a token was revoked.")

    error_defaults = {"revoked": False}

    @classmethod
    def perform(cls, root, info, token=None):
        user = info.context.user
        raw = token or bearer_token(info.context)
        if not raw:
            raise ValidationError(
                {"token": ValidationError("Aucun jeton à révoquer.", code=AccountErrorCode.REQUIRED)}
            )
        revoke_token(user, raw)
        return cls(revoked=True, errors=[])


class UpdateNotificationPreferences(AccountMutation):
    """Turn reminders or the requests digest on or off for the signed-in user (omitted ones stay as they are).
    Confirmations and cancellations are always sent."""

    class Meta:
        permissions = [Permission.SIGNED_IN]

    class Arguments:
        reminders = graphene.Boolean(description="Reminders before bookings and rota turns.")
        digest = graphene.Boolean(description="The coordinators' morning digest of waiting requests.")

    preferences = graphene.Field(NotificationPreferences, description="The preferences as they now are.")

    @classmethod
    def perform(cls, root, info, reminders=None, digest=None):
        user = info.context.user
        return cls(
            preferences=update_notification_preferences(user, reminders=reminders, digest=digest), errors=[]
        )


class AccountMutationFields(graphene.ObjectType):
    token_auth = TokenAuth.Field()
    sign_in = SignIn.Field()
    sign_out = SignOut.Field()
    request_password_reset = RequestPasswordReset.Field()
    reset_password = ResetPassword.Field()
    change_password = ChangePassword.Field()
    revoke_token = RevokeToken.Field()
    update_notification_preferences = UpdateNotificationPreferences.Field()
