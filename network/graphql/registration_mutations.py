"""Practitioner sign-up: register (an e-mail with a code goes out) and confirm."""

import graphene

from backend.core.permissions import Permission

from .. import models
from ..services import registration
from . import types
from .common import NetworkMutation
from .inputs import RegisterPractitionerInput


class RegisterPractitioner(NetworkMutation):
    """Sign up as a practitioner. An e-mail goes to the address given: the account exists once its code is
    confirmed with `confirmRegistration`. The answer never tells whether the address or the RPPS number is
    already registered; only the owner of the address learns it."""

    class Meta:
        permissions = [Permission.ANYONE]

    class Arguments:
        input = RegisterPractitionerInput(required=True, description="The sign-up.")

    accepted = graphene.Boolean(
        required=True,
        description="True when the sign-up was taken and an e-mail sent to its address; false with errors.",
    )
    error_defaults = {"accepted": False}

    @classmethod
    def perform(cls, root, info, input):
        registration.register_practitioner(
            registration.PractitionerRegistration(
                email=input["email"],
                password=input["password"],
                first_name=input["first_name"],
                last_name=input["last_name"],
                profession_code=input["profession_code"],
                specialty=input.get("specialty") or "",
                rpps=(input.get("rpps") or "").strip(),
                commune_code=input["commune_code"],
                practice_mode=input.get("practice_mode") or models.PracticeMode.ISOLATED,
            )
        )
        return cls(accepted=True, errors=[])


class ConfirmRegistration(NetworkMutation):
    """Confirm a sign-up with the code e-mailed by `registerPractitioner`: the account and the practitioner
    record are created. Sign in afterwards with `tokenAuth`."""

    class Meta:
        permissions = [Permission.ANYONE]

    class Arguments:
        code = graphene.String(required=True, description="The confirmation code from the e-mail.")

    practitioner = graphene.Field(types.Practitioner, description="The new practitioner.")

    @classmethod
    def perform(cls, root, info, code):
        return cls(practitioner=registration.confirm_registration(code), errors=[])
