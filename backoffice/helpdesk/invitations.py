"""Inviting an Organisation Administrator (SCCI0086 §4): log-in details in two e-mails (the
user name; a set-password link good once for 7 days), or the self-registration instructions.

The set-password link carries the invitation's id and a random nonce signed with the secret
key; it is written into the e-mail when the e-mail is sent (``compose_set_password``), so
neither the link nor the password is ever stored.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.config import DEFAULT_SITE_URL
from backoffice.core.audit import Actor, record_event, set_actor
from backoffice.core.db import get_or_not_found, utcnow
from backoffice.core.display import when
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.core.permissions import Role
from backoffice.helpdesk import emailtemplates
from backoffice.helpdesk.mail import HelpdeskContact, site_root
from backoffice.helpdesk.models import AdministratorInvitation, InvitationWay
from backoffice.mail.delivery import Composed
from backoffice.mail.models import OutboxMessage
from backoffice.organisations.models import OrganisationAdministrator
from backoffice.users import services as users
from backoffice.users.models import User

LINK_VALID_DAYS = 7
NONCE_BYTES = 24
SALT = "set-password"
SET_PASSWORD_PATH = "/account/set-password/"
LOG_IN_PATH = "/login"
KIND_BY_TEMPLATE = {emailtemplates.USER_NAME: "admin_user_name",
                    emailtemplates.SET_PASSWORD: "admin_set_password",
                    emailtemplates.SELF_REGISTRATION: "admin_self_registration"}
SET_PASSWORD_KIND = KIND_BY_TEMPLATE[emailtemplates.SET_PASSWORD]


class LinkNotUsable(Conflict):
    """The set-password link is unknown, used, expired or replaced by a newer one."""


def get_administrator(session: Session, administrator_id: int) -> OrganisationAdministrator:
    return get_or_not_found(session, OrganisationAdministrator, administrator_id,
                            what="Organisation Administrator")


def _account_for(session: Session, administrator: OrganisationAdministrator,
                 actor: Actor) -> User:
    """The administrator's log-in: theirs already, one with their e-mail, or a new one."""
    if administrator.user is not None:
        return administrator.user
    user = users.find_user(session, administrator.email)
    if user is None:
        user = users.create_user(session, actor=actor, email=administrator.email,
                                 role=Role.ORGANISATION_ADMINISTRATOR.value,
                                 name=administrator.name)
    elif user.role != Role.ORGANISATION_ADMINISTRATOR:
        raise Conflict(f"{administrator.email} is a staff account ({user.role_label}); give "
                       "the administrator another e-mail address", field="email")
    administrator.user = user
    return user


def _values(administrator: OrganisationAdministrator, contact: HelpdeskContact,
            expires_at: datetime | None) -> dict[str, str]:
    organisation = administrator.organisation
    return {"name": administrator.name, "organisation": organisation.name,
            "ods_code": organisation.ods_code, "email": administrator.email,
            "user_name": administrator.email, "helpdesk_phone": contact.phone,
            "helpdesk_hours": contact.hours, "log_in_url": contact.url(LOG_IN_PATH),
            "link_expires": when(expires_at) if expires_at else ""}


def _email(session: Session, key: str, administrator: OrganisationAdministrator,
           values: dict[str, str], invitation: AdministratorInvitation, at: datetime
           ) -> OutboxMessage:
    text = emailtemplates.wording(session, key)
    message = OutboxMessage(
        kind=KIND_BY_TEMPLATE[key], recipients=[administrator.email],
        subject=emailtemplates.fill(text.subject, values)[:255],
        body=emailtemplates.fill(text.body, values),
        data={"invitation": invitation.id, "template": key, "site_url": site_root()},
        created_at=at)
    session.add(message)
    return message


def _supersede(session: Session, administrator: OrganisationAdministrator,
               at: datetime) -> None:
    """A new invitation replaces the administrator's earlier links."""
    session.execute(update(AdministratorInvitation).where(
        AdministratorInvitation.administrator_id == administrator.id,
        AdministratorInvitation.used_at.is_(None),
        AdministratorInvitation.superseded_at.is_(None)).values(superseded_at=at)
        .execution_options(synchronize_session=False))


def invite(session: Session, *, actor: Actor, administrator: OrganisationAdministrator,
           way: str, contact: HelpdeskContact, at: datetime | None = None
           ) -> AdministratorInvitation:
    """Send the administrator their log-in details (two e-mails) or the self-registration
    instructions, from the editable templates; earlier links stop working. Audited."""
    try:
        chosen = InvitationWay(way)
    except ValueError:
        raise InvalidInput("choose log-in details or self-registration instructions",
                           field="way") from None
    at = at or utcnow()
    set_actor(session, actor)
    user = _account_for(session, administrator, actor) \
        if chosen is InvitationWay.LOG_IN_DETAILS else administrator.user
    _supersede(session, administrator, at)
    expires_at = at + timedelta(days=LINK_VALID_DAYS) \
        if chosen is InvitationWay.LOG_IN_DETAILS else None
    invitation = AdministratorInvitation(
        administrator=administrator, user=user, way=chosen.value,
        nonce=secrets.token_urlsafe(NONCE_BYTES), created_at=at, expires_at=expires_at,
        created_by_id=actor.user_id)
    session.add(invitation)
    session.flush()
    values = _values(administrator, contact, expires_at)
    keys = ((emailtemplates.USER_NAME, emailtemplates.SET_PASSWORD)
            if chosen is InvitationWay.LOG_IN_DETAILS else (emailtemplates.SELF_REGISTRATION,))
    for key in keys:
        _email(session, key, administrator, values, invitation, at)
    record_event(session, actor, "invite", "organisation_administrators", administrator.id,
                 str(administrator), {"invitation": [None, chosen.label]})
    session.flush()
    return invitation


def latest_invitation(session: Session, administrator_id: int) -> AdministratorInvitation | None:
    return session.scalar(select(AdministratorInvitation)
                          .where(AdministratorInvitation.administrator_id == administrator_id)
                          .order_by(AdministratorInvitation.id.desc()).limit(1))


def invitation_state(invitation: AdministratorInvitation | None, now: datetime | None = None
                     ) -> str:
    """In words, for the staff screens."""
    if invitation is None:
        return "not invited"
    if invitation.way == InvitationWay.SELF_REGISTRATION:
        return f"self-registration instructions sent {when(invitation.created_at)}"
    if invitation.used_at is not None:
        return f"password set {when(invitation.used_at)}"
    if invitation.superseded_at is not None:
        return "replaced by a newer invitation"
    if _aware(invitation.expires_at) <= _aware(now or utcnow()):
        return f"link expired {when(invitation.expires_at)}: send a new invitation"
    return f"invitation pending: link good until {when(invitation.expires_at)}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The link ---------------------------------------------------------------------------------

def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def link_token(invitation: AdministratorInvitation, secret_key: str) -> str:
    return _serializer(secret_key).dumps([invitation.id, invitation.nonce])


NEW_LINK = ("Call the National Helpdesk or use the Contact us page and ask for a new "
            "invitation.")


def usable_invitation(session: Session, token: str, secret_key: str,
                      now: datetime | None = None) -> AdministratorInvitation:
    """The invitation a link belongs to, if the link may still set a password."""
    try:
        invitation_id, nonce = _serializer(secret_key).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise LinkNotUsable("This link is not one we sent, or it was copied incompletely. "
                            + NEW_LINK) from None
    invitation = session.get(AdministratorInvitation, invitation_id) \
        if isinstance(invitation_id, int) else None
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(nonce)) \
            or invitation.way != InvitationWay.LOG_IN_DETAILS:
        raise LinkNotUsable("This link is not one we sent. " + NEW_LINK)
    if invitation.used_at is not None:
        raise LinkNotUsable("This link has been used already: your password was set "
                            f"{when(invitation.used_at)}. Log in with it; if you have "
                            "forgotten it, " + NEW_LINK[0].lower() + NEW_LINK[1:])
    if invitation.superseded_at is not None:
        raise LinkNotUsable("A newer invitation replaced this link; use the link in the "
                            "latest e-mail we sent you. If you cannot find it, "
                            + NEW_LINK[0].lower() + NEW_LINK[1:])
    if _aware(invitation.expires_at) <= _aware(now or utcnow()):
        raise LinkNotUsable(f"This link expired {when(invitation.expires_at)} (links are good "
                            f"for {LINK_VALID_DAYS} days). " + NEW_LINK)
    return invitation


def set_password_with_link(session: Session, *, token: str, secret_key: str, password: str,
                           confirm: str, now: datetime | None = None) -> User:
    """Set the administrator's password once; the link is then used up."""
    invitation = usable_invitation(session, token, secret_key, now)
    users.check_password(password)
    if password != confirm:
        raise InvalidInput("the two passwords differ", field="confirm")
    user = invitation.user
    if user is None or not user.active:
        raise LinkNotUsable("This account is no longer active. " + NEW_LINK)
    claimed = session.execute(update(AdministratorInvitation).where(
        AdministratorInvitation.id == invitation.id, AdministratorInvitation.used_at.is_(None))
        .values(used_at=now or utcnow()).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:  # the same link sent twice at once: only the first sets the password
        raise LinkNotUsable("This link has been used already. " + NEW_LINK)
    users.set_password(session, actor=Actor.of(user), user=user, password=password)
    session.refresh(invitation)
    return user


# The e-mail, when it is sent ---------------------------------------------------------------

def compose_set_password(session: Session, message: OutboxMessage, *, secret_key: str,
                         site_url: str) -> Composed:
    """The set-password e-mail with its link written in."""
    invitation = session.get(AdministratorInvitation, (message.data or {}).get("invitation"))
    if invitation is None:
        return Composed(message.body)
    site_url = site_url or (message.data or {}).get("site_url") or DEFAULT_SITE_URL
    link = site_url.rstrip("/") + SET_PASSWORD_PATH + link_token(invitation, secret_key)
    return Composed(message.body.replace("{set_password_link}", link))
