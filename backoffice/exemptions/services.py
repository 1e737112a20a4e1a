"""Requesting and deciding exemptions, and whether a requirement is exempt."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from backoffice.core.audit import Actor, set_actor
from backoffice.core.db import get_or_not_found, utcnow
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.core.requirements import REQUIREMENT_ID
from backoffice.exemptions.models import Exemption, ExemptionStatus
from backoffice.organisations.models import Organisation

MIN_TOOLKIT_VERSION = 1
MAX_TOOLKIT_VERSION = 99
OPEN_STATUSES = (ExemptionStatus.REQUESTED.value, ExemptionStatus.APPROVED.value)


def _check_request(toolkit_version: int, requirement_id: str, reason: str) -> str:
    if not MIN_TOOLKIT_VERSION <= toolkit_version <= MAX_TOOLKIT_VERSION:
        raise InvalidInput(f"toolkit version {toolkit_version} is not a toolkit version",
                           field="toolkit_version")
    requirement_id = requirement_id.strip()
    if not REQUIREMENT_ID.match(requirement_id):
        raise InvalidInput(f"{requirement_id!r} is not a requirement number such as 321",
                           field="requirement_id")
    if not reason.strip():
        raise InvalidInput("say why the requirement should be exempt", field="reason")
    return requirement_id


def request_exemption(session: Session, *, actor: Actor, organisation: Organisation,
                      toolkit_version: int, requirement_id: str, reason: str) -> Exemption:
    """Record a request; one open request or approval per requirement and version."""
    set_actor(session, actor)
    requirement_id = _check_request(toolkit_version, requirement_id, reason)
    existing = session.scalar(select(Exemption).where(
        Exemption.organisation_id == organisation.id,
        Exemption.toolkit_version == toolkit_version,
        Exemption.requirement_id == requirement_id,
        Exemption.status.in_(OPEN_STATUSES)))
    if existing is not None:
        raise Conflict(f"requirement {requirement_id} of version {toolkit_version} already has "
                       f"an exemption {existing.status} for {organisation.ods_code}")
    exemption = Exemption(organisation=organisation, toolkit_version=toolkit_version,
                          requirement_id=requirement_id, reason=reason.strip(),
                          requested_by_id=actor.user_id)
    session.add(exemption)
    session.flush()
    return exemption


def _decide(session: Session, actor: Actor, exemption: Exemption, status: ExemptionStatus,
            reason: str) -> Exemption:
    if exemption.status != ExemptionStatus.REQUESTED:
        raise Conflict(f"this exemption was already {exemption.status}")
    if not reason.strip():
        raise InvalidInput("give the reason for the decision", field="decision_reason")
    set_actor(session, actor)
    exemption.status = status.value
    exemption.decision_reason = reason.strip()
    exemption.decided_by_id = actor.user_id
    exemption.decided_at = utcnow()
    session.flush()
    return exemption


def approve_exemption(session: Session, *, actor: Actor, exemption: Exemption,
                      reason: str) -> Exemption:
    """Approve a requested exemption; it applies to its toolkit version only."""
    return _decide(session, actor, exemption, ExemptionStatus.APPROVED, reason)


def reject_exemption(session: Session, *, actor: Actor, exemption: Exemption,
                     reason: str) -> Exemption:
    """Reject a requested exemption, saying why."""
    return _decide(session, actor, exemption, ExemptionStatus.REJECTED, reason)


def exempt_requirements(session: Session, *, organisation_id: int,
                        toolkit_version: int) -> set[str]:
    """Requirements with an approved exemption for this organisation and version only."""
    query = select(Exemption.requirement_id).where(
        Exemption.organisation_id == organisation_id,
        Exemption.toolkit_version == toolkit_version,
        Exemption.status == ExemptionStatus.APPROVED.value)
    return set(session.scalars(query))


def approved_exemptions(session: Session, *, organisation_id: int,
                        toolkit_version: int) -> dict[str, Exemption]:
    """The approved exemptions of this organisation and version, by requirement, with who
    decided them (one query: the case page shows each beside its requirement)."""
    query = (select(Exemption).options(joinedload(Exemption.decided_by)).where(
        Exemption.organisation_id == organisation_id,
        Exemption.toolkit_version == toolkit_version,
        Exemption.status == ExemptionStatus.APPROVED.value).order_by(Exemption.id))
    return {exemption.requirement_id: exemption for exemption in session.scalars(query)}


def get_exemption(session: Session, exemption_id: int) -> Exemption:
    return get_or_not_found(session, Exemption, exemption_id)
