"""Per-user API tokens, and the cases and notifications the read API shows to their users.

A token is shown once, when issued; only its SHA-256 is kept. An approval-group
member sees only the cases (and, on them, the reasons) addressed to their group.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from backoffice.api.models import ApiToken
from backoffice.api.schemas import (
    DEFAULT_PAGE_SIZE,
    AssessmentOut,
    CaseOut,
    CoverOut,
    EvidenceOut,
    LapseOut,
    LetterOut,
    NotificationOut,
    OrganisationOut,
    ReasonOut,
    RequirementOut,
    StandingApplicationOut,
)
from backoffice.cases import standing
from backoffice.cases.models import Assessment, Case, CaseReason
from backoffice.cases.services import latest_assessments
from backoffice.core.audit import Actor, set_actor
from backoffice.core.db import get_or_not_found, utcnow
from backoffice.core.errors import Conflict, InvalidInput, NotFound
from backoffice.core.permissions import Role
from backoffice.core.vocabulary import CaseFlag
from backoffice.letters.services import LetterSummary
from backoffice.letters.services import summaries as letter_summaries
from backoffice.notifications.models import Notification, NotificationStatus
from backoffice.notifications.services import find_notification
from backoffice.organisations.models import Organisation
from backoffice.users.models import User

TOKEN_SCHEME = "bo_"
TOKEN_BYTES = 32
PREFIX_LENGTH = 10
MAX_TOKEN_LENGTH = 200
LAST_USED_RESOLUTION = timedelta(minutes=1)
CASE_REFERENCE_MAX = 20
NOTIFICATION_ID_MAX = 64


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _could_be_stored(text: str, limit: int) -> bool:
    """Whether a column of this length could hold the text (PostgreSQL refuses NUL outright)."""
    return 0 < len(text) <= limit and "\x00" not in text


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def issue_token(session: Session, *, actor: Actor, user: User) -> tuple[ApiToken, str]:
    """A new token for an active user; it is returned once, only its SHA-256 is kept."""
    if not user.active:
        raise InvalidInput(f"{user.email} is deactivated and cannot be given a token",
                           field="email")
    set_actor(session, actor)
    plain = TOKEN_SCHEME + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(user=user, token_hash=_digest(plain), prefix=plain[:PREFIX_LENGTH])
    session.add(token)
    session.flush()
    return token, plain


def authenticate_token(session: Session, plain: str | None) -> User | None:
    """The active user holding this unrevoked token, or None; the token's last use is noted."""
    if not plain or len(plain) > MAX_TOKEN_LENGTH:
        return None
    query = (select(ApiToken.id, User).join(ApiToken.user)
             .where(ApiToken.token_hash == _digest(plain), ApiToken.revoked_at.is_(None),
                    User.active))
    row = session.execute(query).first()
    if row is None:
        return None
    token_id, user = row
    now = utcnow()
    # A plain UPDATE: noting the use is bookkeeping, not a change for the audit trail.
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id,
               or_(ApiToken.last_used_at.is_(None),
                   ApiToken.last_used_at < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now).execution_options(synchronize_session=False))
    return user


def revoke_token(session: Session, *, actor: Actor, token: ApiToken) -> None:
    """A token is revoked once and for good; its user's other tokens keep working."""
    if token.revoked_at is not None:
        raise Conflict(f"token {token.prefix}… is already revoked")
    set_actor(session, actor)
    token.revoked_at = utcnow()
    session.flush()


def list_tokens(session: Session) -> list[ApiToken]:
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id)
    return list(session.scalars(query))


def get_token(session: Session, token_id: int) -> ApiToken:
    return get_or_not_found(session, ApiToken, token_id, what="token")


def token_by_prefix(session: Session, prefix: str) -> ApiToken:
    """The one token shown with this prefix; an ambiguous prefix is refused."""
    tokens = list(session.scalars(select(ApiToken).where(ApiToken.prefix == prefix.strip())))
    if not tokens:
        raise NotFound(f"no token starts with {prefix!r}", field="prefix")
    if len(tokens) > 1:
        raise Conflict(f"{len(tokens)} tokens start with {prefix!r}; revoke them from the "
                       "admin screen", field="prefix")
    return tokens[0]


@dataclass
class CasePage:
    """One page of cases, and the case id the next page starts after (None: the last page)."""

    cases: list[Case]
    next_after: int | None


def group_of(user: User) -> str | None:
    """The approval group whose cases alone this user may see; None: every case."""
    return (user.approval_group or "") if user.role == Role.APPROVAL_GROUP else None


def _reasons_match(group: str | None, reason: str | None) -> ColumnElement[bool] | None:
    conditions = []
    if group is not None:
        conditions.append(CaseReason.approval_group == group if group else false())
    if reason is not None:
        conditions.append(CaseReason.application_type == reason)
    return Case.reasons.any(and_(*conditions)) if conditions else None


def _visible_cases(user: User, *, reason: str | None = None):
    query = select(Case).options(joinedload(Case.organisation), selectinload(Case.reasons))
    condition = _reasons_match(group_of(user), reason)
    return query if condition is None else query.where(condition)


def list_cases(session: Session, *, user: User, status: str | None = None,
               reason: str | None = None, ods_code: str | None = None,
               overdue: bool | None = None, after: int | None = None,
               limit: int = DEFAULT_PAGE_SIZE, today: date | None = None) -> CasePage:
    """The cases this user may see, filtered, a page at a time in id order (keyset paging)."""
    query = _visible_cases(user, reason=reason)
    if status is not None:
        query = query.where(Case.status == status)
    if ods_code is not None:
        query = query.where(Case.organisation.has(Organisation.ods_code == ods_code.upper()))
    if overdue is not None:
        late = Case.overdue(today or date.today())
        query = query.where(late if overdue else not_(late))
    if after is not None:
        query = query.where(Case.id > after)
    cases = list(session.scalars(query.order_by(Case.id).limit(limit + 1)))
    more = len(cases) > limit
    cases = cases[:limit]
    return CasePage(cases=cases, next_after=cases[-1].id if more else None)


def get_case_for(session: Session, user: User, reference: str) -> Case:
    """The case with this reference if the user may see it; otherwise as if it did not exist."""
    case = None
    if _could_be_stored(reference, CASE_REFERENCE_MAX):
        case = session.scalar(_visible_cases(user).where(Case.reference == reference))
    if case is None:
        raise NotFound(f"no case {reference}")
    return case


def notification_ids_by_case(session: Session, case_ids: Sequence[int]) -> dict[int, list[str]]:
    """The notification ids that opened or joined each case, in order received, in one query."""
    found: dict[int, list[str]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    query = (select(Notification.case_id, Notification.notification_id)
             .where(Notification.case_id.in_(case_ids),
                    Notification.notification_id.is_not(None))
             .order_by(Notification.received_at, Notification.id))
    for case_id, notification_id in session.execute(query):
        found[case_id].append(notification_id)
    return found


def flags_by_case(session: Session, cases: Sequence[Case]) -> dict[int, list[str]]:
    """Each case's flags: republished if it is, then those of the assessments it reviews,
    each once, in one query."""
    found: dict[int, list[str]] = {
        case.id: [CaseFlag.REPUBLISHED.value] if case.republished else [] for case in cases}
    if not cases:
        return found
    query = (select(Assessment.case_id, Assessment.flags)
             .where(Assessment.case_id.in_(list(found)))
             .order_by(Assessment.published_at, Assessment.id))
    for case_id, flags in session.execute(query):
        found[case_id].extend(flag for flag in flags if flag not in found[case_id])
    return found


def assessment_out(assessment: Assessment | None) -> AssessmentOut | None:
    """The assessment with each requirement's comment and evidence."""
    if assessment is None:
        return None
    requirements = []
    for requirement in assessment.requirements:
        comment, evidence = assessment.statement(requirement["id"])
        requirements.append(RequirementOut(
            id=requirement["id"], level=requirement.get("level"),
            not_relevant=bool(requirement.get("not_relevant")), comment=comment,
            evidence=[EvidenceOut(**item) for item in evidence]))
    return AssessmentOut(toolkit_version=assessment.toolkit_version,
                         reporting_year=assessment.reporting_year, requirements=requirements,
                         covers=[CoverOut(**cover) for cover in assessment.covers])


def case_json(case: Case, *, notification_ids: Sequence[str], group: str | None = None,
              letters: Sequence[LetterSummary] = (), flags: Sequence[str] = (),
              assessment: Assessment | None = None) -> dict[str, Any]:
    """A case as the operator contract shows it; with a group, only that group's reasons
    and letters."""
    reasons = [r for r in case.reasons if group is None or r.approval_group == group]
    letters = [lt for lt in letters if group is None or lt.recipient == group]
    return CaseOut(
        reference=case.reference, status=case.status,
        organisation=OrganisationOut(ods_code=case.organisation.ods_code,
                                     name=case.organisation.name),
        reasons=[ReasonOut(type=r.application_type, reference=r.reference,
                           approval_group=r.approval_group) for r in reasons],
        opened_at=_utc(case.opened_at), due_date=case.due_date, outcome=case.outcome,
        letters=[LetterOut(recipient=lt.recipient, version=lt.version, sha256=lt.sha256,
                           delivery_status=lt.delivery_status) for lt in letters],
        notification_ids=list(notification_ids), flags=list(flags),
        assessment=assessment_out(assessment),
    ).model_dump(mode="json")


def cases_json(session: Session, *, user: User, cases: Sequence[Case]) -> list[dict[str, Any]]:
    """Cases as this user may see them, with their notification ids fetched in one query."""
    ids = notification_ids_by_case(session, [case.id for case in cases])
    letters = letter_summaries(session, [case.id for case in cases])
    flags = flags_by_case(session, cases)
    assessments = latest_assessments(session, [case.id for case in cases])
    return [case_json(case, notification_ids=ids[case.id], group=group_of(user),
                      letters=letters[case.id], flags=flags[case.id],
                      assessment=assessments.get(case.id)) for case in cases]


def get_notification(session: Session, notification_id: str) -> Notification:
    """The counted notification with this id; failing that, its latest rejected copy, whose
    errors say why it was refused (conflicting copies stand beside a counted one)."""
    notification = None
    if _could_be_stored(notification_id, NOTIFICATION_ID_MAX):
        notification = (find_notification(session, notification_id)
                        or _latest_rejected(session, notification_id))
    if notification is None:
        raise NotFound(f"no notification {notification_id}")
    return notification


def _latest_rejected(session: Session, notification_id: str) -> Notification | None:
    return session.scalar(select(Notification).where(
        Notification.notification_id == notification_id,
        Notification.status == NotificationStatus.REJECTED).order_by(Notification.id.desc()))


def notification_json(notification: Notification) -> dict[str, Any]:
    return NotificationOut(
        notification_id=notification.notification_id, status=notification.status,
        received_at=_utc(notification.received_at), errors=notification.errors or [],
        case_reference=notification.case.reference if notification.case else None,
    ).model_dump(mode="json")


def standing_json(session: Session, *, user: User, ods_code: str) -> list[StandingApplicationOut]:
    """The organisation's standing applications with their lapses; an approval-group member
    sees those of its own group only."""
    organisation_id = session.scalar(select(Organisation.id).where(
        Organisation.ods_code == ods_code))
    group = group_of(user)
    rows = [s for s in standing.standing_of(session, organisation_id)
            if group is None or s.approval_group == group]
    return [StandingApplicationOut(
        type=s.application_type, reference=s.reference, approval_group=s.approval_group,
        held_since=s.held_since, ended_at=s.ended_at,
        lapsed=s.ended_at is None and s.open_lapse is not None,
        lapses=[LapseOut(reporting_year=lapse.reporting_year, lapsed_on=lapse.lapsed_on,
                         cleared_at=lapse.cleared_at) for lapse in s.lapses]) for s in rows]
