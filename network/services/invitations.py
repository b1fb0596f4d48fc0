"""Joining an MSP by consent, and the Cnam's confirmation of a declared MSP.

A coordinator cannot make someone a member: they invite them (by directory record or by RPPS),
and the practitioner accepts or declines. Only then does a membership exist, and with it the
coordinator's sight of the member's contact details — and only once the Cnam has confirmed the
MSP (`verify_msp`). Inviting by RPPS answers the same whether the number is registered or not.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.mail.services import may_send_unsolicited

from .. import events, notifications
from ..errors import NetworkErrorCode
from ..models import InvitationStatus, Membership, MembershipRole, Msp, MspInvitation, Practitioner
from ..validators import validate_rpps
from .directory import add_member
from .identity import refuse_unverified

MAX_PENDING_INVITATIONS = 100  # per MSP; the largest MSPs have a few dozen members
# Per person inviting, in 24 hours, whatever became of them: invite-and-cancel loops e-mail nobody endlessly.
MAX_INVITATIONS_PER_DAY = 50


def _error(message: str, code: str, field: str | None = None) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else ValidationError(error)


@transaction.atomic
def invite_member(
    msp: Msp,
    role: str,
    invited_by,
    practitioner: Practitioner | None = None,
    rpps: str = "",
    start_date: date | None = None,
) -> MspInvitation:
    """Invite a practitioner to join `msp` with `role`; a pending invitation of the same person is returned as is.

    Inviting oneself needs no other consent: the membership is made at once.
    """
    msp = Msp.objects.select_for_update().get(pk=msp.pk)  # serialised with the MSP's other membership changes
    rpps = (rpps or "").strip()
    if practitioner is None:
        try:
            validate_rpps(rpps)
        except ValidationError as exc:
            raise _error(" ".join(exc.messages), NetworkErrorCode.INVALID_RPPS, "rpps") from None
    else:
        current = Membership.objects.current().filter(msp=msp, practitioner=practitioner, role=role)
        if current.exists():  # the MSP's members are public: this tells nothing new
            raise _error(
                "Ce professionnel occupe déjà ce rôle dans cette MSP.", NetworkErrorCode.ALREADY_MEMBER
            )
    invitee = Q(practitioner=practitioner) if practitioner is not None else Q(practitioner=None, rpps=rpps)
    pending = MspInvitation.objects.filter(
        invitee, msp=msp, role=role, status=InvitationStatus.PENDING
    ).first()
    if pending is not None:
        return pending
    if invited_by is not None:
        since = timezone.now() - timedelta(days=1)
        sent = MspInvitation.objects.filter(invited_by=invited_by, created_at__gte=since).count()
        if sent >= MAX_INVITATIONS_PER_DAY:
            raise _error(
                f"Vous avez envoyé {sent} invitations depuis 24 heures : réessayez demain.",
                NetworkErrorCode.TOO_MANY_INVITATIONS,
            )
    waiting = MspInvitation.objects.filter(msp=msp, status=InvitationStatus.PENDING).count()
    if waiting >= MAX_PENDING_INVITATIONS:  # each one e-mails someone: bounded per MSP
        raise _error(
            f"Cette MSP a déjà {waiting} invitations sans réponse : retirez-en avant d'en envoyer d'autres.",
            NetworkErrorCode.TOO_MANY_PENDING_INVITATIONS,
        )
    invitation = MspInvitation.objects.create(
        msp=msp,
        practitioner=practitioner,
        rpps="" if practitioner is not None else rpps,
        role=role,
        start_date=start_date,
        invited_by=invited_by,
    )
    own = getattr(invited_by, "practitioner", None) if invited_by is not None else None
    if own is not None and (own == practitioner or (practitioner is None and own.rpps == rpps)):
        return respond(invitation, own, accept=True)
    # By RPPS, only its proved holder is e-mailed: a claim on it learns nothing of the MSP (it sees the invitation
    # on the platform, and cannot accept it unproved).
    recipient = practitioner or Practitioner.objects.filter(rpps=rpps, rpps_verified_at__isnull=False).first()
    if recipient is not None and recipient.email and may_send_unsolicited(recipient.email):
        # Past 3 such e-mails a day to the address, the invitation waits on the platform without one.
        notifications.send_invitation(recipient.email, msp.name)
    return invitation


def is_invitee(invitation: MspInvitation, practitioner: Practitioner | None) -> bool:
    if practitioner is None:
        return False
    if invitation.practitioner_id is not None:
        return invitation.practitioner_id == practitioner.pk
    return bool(invitation.rpps) and invitation.rpps == practitioner.rpps


@transaction.atomic
def respond(invitation: MspInvitation, practitioner: Practitioner, accept: bool) -> MspInvitation:
    """The invitee accepts (the membership starts) or declines."""
    invitation = MspInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not is_invitee(invitation, practitioner):
        raise _error("Invitation introuvable.", NetworkErrorCode.NOT_FOUND, "id")
    if invitation.status != InvitationStatus.PENDING:
        raise _error(
            f"Cette invitation n'attend plus de réponse ({invitation.get_status_display().lower()}).",
            NetworkErrorCode.INVITATION_CLOSED,
        )
    if accept and not practitioner.rpps_verified:
        # An RPPS typed at sign-up is a claim: it opens neither an invitation addressed to that RPPS nor the
        # coordination of an MSP others have joined (services/identity.py).
        others = Membership.objects.current().filter(msp=invitation.msp).exclude(practitioner=practitioner)
        if invitation.practitioner_id is None or (
            invitation.role == MembershipRole.COORDINATOR and others.exists()
        ):
            refuse_unverified(practitioner)
    invitation.practitioner = practitioner
    invitation.responded_at = timezone.now()
    if accept:
        invitation.membership = add_member(
            invitation.msp, practitioner, invitation.role, invitation.start_date
        )
        invitation.status = InvitationStatus.ACCEPTED
    else:
        invitation.status = InvitationStatus.DECLINED
    invitation.save()
    return invitation


@transaction.atomic
def cancel(invitation: MspInvitation) -> MspInvitation:
    """The MSP withdraws an invitation that has had no answer."""
    invitation = MspInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise _error("Cette invitation n'attend plus de réponse.", NetworkErrorCode.INVITATION_CLOSED, None)
    invitation.status = InvitationStatus.CANCELLED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return invitation


@transaction.atomic
def verify_msp(msp: Msp, user) -> Msp:
    """The Cnam confirms a declared MSP: its coordinators may then see their members' contact details."""
    msp = Msp.objects.select_for_update().get(pk=msp.pk)
    if msp.verified_at is not None:
        raise _error("Cette MSP est déjà confirmée.", NetworkErrorCode.ALREADY_VERIFIED)
    msp.verified_at = timezone.now()
    msp.verified_by = user
    msp.save(update_fields=["verified_at", "verified_by", "updated_at"])
    events.MSP.publish(msp.pk)
    return msp
