"""E-mails of the network directory: sign-up confirmation, the notice to an address already registered,
and invitations to join an MSP.

Queued in the outbox (backend/mail) within the transaction of the change, in French.
"""

from django.conf import settings

from backend.mail.services import queue_email

SIGNATURE = "\n\nL'équipe Tête de pont"


def send_registration_code(email: str, code: str) -> None:
    link = getattr(settings, "REGISTRATION_CONFIRM_URL", "")
    where = f"\n\nOu ouvrez ce lien : {link}?code={code}" if link else ""
    queue_email(
        email,
        "Confirmez votre inscription à Tête de pont",
        "Bonjour,\n\nPour confirmer votre adresse et créer votre compte, utilisez ce code de confirmation "
        f"(valable 48 heures) :\n\n{code}{where}\n\nSi vous n'êtes pas à l'origine de cette inscription, "
        "ignorez ce message : aucun compte n'est créé." + SIGNATURE,
        kind="registration.code",
    )


def send_account_exists(email: str) -> None:
    queue_email(
        email,
        "Inscription à Tête de pont",
        "Bonjour,\n\nQuelqu'un a demandé à créer un compte avec cette adresse, qui en a déjà un. "
        "Si c'est vous, connectez-vous avec votre mot de passe habituel. Sinon, ignorez ce message : "
        "rien n'a été changé." + SIGNATURE,
        kind="registration.account_exists",
    )


def send_invitation(email: str, msp_name: str) -> None:
    queue_email(
        email,
        "Invitation à rejoindre une MSP sur Tête de pont",
        f"Bonjour,\n\nVous êtes invité(e) à rejoindre la MSP « {msp_name} » sur Tête de pont. Connectez-vous pour "
        "accepter ou refuser l'invitation : tant que vous ne l'avez pas acceptée, la MSP ne voit pas vos "
        "coordonnées." + SIGNATURE,
        kind="msp.invitation",
    )


def send_claim_dropped(email: str) -> None:
    queue_email(
        email,
        "Votre numéro RPPS sur Tête de pont",
        "Bonjour,\n\nLe titulaire du numéro RPPS que vous aviez indiqué à votre inscription s'est identifié avec "
        "Pro Santé Connect (e-CPS ou carte CPS). Ce numéro n'est donc plus rattaché à votre compte. S'il s'agit "
        "de votre numéro, connectez-vous avec Pro Santé Connect ; sinon, écrivez à l'équipe de la Cnam."
        + SIGNATURE,
        kind="identity.claim_dropped",
    )
