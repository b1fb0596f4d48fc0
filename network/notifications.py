"""E-mails of the network directory: sign-up confirmation, the notice to an address already registered,
invitations to join an MSP, and a dropped RPPS claim.

Each is a pair of templates in `network/templates/email/network/` (backend/mail/rendering.py), queued in
the outbox (backend/mail) within the transaction of the change.
"""

from django.conf import settings

from backend.mail.services import queue_templated_email


def send_registration_code(email: str, code: str) -> None:
    link = getattr(settings, "REGISTRATION_CONFIRM_URL", "")
    queue_templated_email(
        email, "network/registration_code", {"code": code, "link": link}, kind="registration.code"
    )


def send_account_exists(email: str) -> None:
    queue_templated_email(email, "network/account_exists", {}, kind="registration.account_exists")


def send_invitation(email: str, msp_name: str) -> None:
    queue_templated_email(email, "network/msp_invitation", {"msp_name": msp_name}, kind="msp.invitation")


def send_claim_dropped(email: str) -> None:
    queue_templated_email(email, "network/claim_dropped", {}, kind="identity.claim_dropped")
