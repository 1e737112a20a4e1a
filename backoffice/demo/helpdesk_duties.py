"""Demo helpdesk duties: an administrator whose log-in invitation is pending, one who has set
their password (their login is printed with the staff ones), and a phone call as a ticket."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.core.audit import Actor
from backoffice.core.db import utcnow
from backoffice.demo import data as demo_data  # the builder imports this module in turn
from backoffice.helpdesk import invitations, services
from backoffice.helpdesk.mail import HelpdeskContact
from backoffice.helpdesk.models import Channel, InvitationWay, Ticket
from backoffice.organisations import services as organisations
from backoffice.organisations.models import OrganisationAdministrator
from backoffice.organisations.services import AdministratorDetails, find_by_ods
from backoffice.users import services as users

PENDING = ("8HV41", "Nadia Okafor", "nadia.okafor")  # invited yesterday, link not used yet
ACCEPTED = ("8HV40", "Owen Price", "owen.price")  # set his password from the link
CALLER = {"name": "Priya Shah", "phone": "01392 251289", "category": "log_in",
          "summary": "Rang because the set-password e-mail went to her junk folder; read her "
                     "the user name and will send the invitation again if the link expired.",
          "ods_code": "8HV41"}


def _administrator(session: Session, actor: Actor, ods_code: str, name: str,
                   email: str) -> OrganisationAdministrator | None:
    organisation = find_by_ods(session, ods_code)
    if organisation is None:
        return None
    for administrator in organisation.administrators:
        if administrator.email == email:
            return administrator
    return organisations.add_administrator(session, actor=actor, organisation=organisation,
                                           details=AdministratorDetails(name=name, email=email))


def _invite(session: Session, actor: Actor, administrator: OrganisationAdministrator,
            days_ago: int):
    latest = invitations.latest_invitation(session, administrator.id)
    if latest is not None:
        return latest
    return invitations.invite(session, actor=actor, administrator=administrator,
                              way=InvitationWay.LOG_IN_DETAILS.value,
                              contact=HelpdeskContact(),
                              at=utcnow() - timedelta(days=days_ago))


def _phone_ticket(session: Session, actor: Actor) -> None:
    exists = session.scalar(select(Ticket.id).where(Ticket.channel == Channel.PHONE.value,
                                                    Ticket.phone == CALLER["phone"]))
    if exists is None:
        services.create_phone_ticket(session, actor=actor, at=utcnow() - timedelta(hours=3),
                                     **CALLER)


def ensure_helpdesk_duties(session: Session, domain: str) -> list:
    """Safe to rerun; returns the accepted administrator's login (a fresh password each run)."""
    helpdesk = users.find_user(session, f"helpdesk@{domain}")
    if helpdesk is None:
        return []
    actor = Actor.of(helpdesk)
    pending = _administrator(session, actor, PENDING[0], PENDING[1], f"{PENDING[2]}@{domain}")
    if pending is not None:
        _invite(session, actor, pending, days_ago=1)
    accepted = _administrator(session, actor, ACCEPTED[0], ACCEPTED[1],
                              f"{ACCEPTED[2]}@{domain}")
    logins = []
    if accepted is not None:
        invitation = _invite(session, actor, accepted, days_ago=3)
        invitation.used_at = invitation.used_at or utcnow() - timedelta(days=2)
        password = users.generate_password()
        users.set_password(session, actor=Actor.of(invitation.user), user=invitation.user,
                           password=password)
        user = invitation.user
        logins.append(demo_data.DemoLogin(user.email, user.role_label, password))
    _phone_ticket(session, actor)
    session.flush()
    return logins
