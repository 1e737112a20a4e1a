"""Opening cases from publications: review rules, references, reasons and due dates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from backoffice.cases.models import Case, CaseReason, CaseStatus, ReferenceCounter, ReviewRule
from backoffice.core.db import utcnow
from backoffice.core.errors import NotFound
from backoffice.core.workingdays import add_working_days
from backoffice.organisations.models import Organisation

REFERENCE_FORMAT = "R-{year}-{number:06d}"


def needs_review(rules: Callable[[], Iterable[ReviewRule]], *, organisation: Organisation,
                 toolkit_version: int, applications: list) -> bool:
    """Any application means always; otherwise the first matching active rule; default no."""
    if applications:
        return True
    for rule in rules():
        if not rule.active:
            continue
        if rule.org_type and rule.org_type != organisation.org_type:
            continue
        if rule.toolkit_version and rule.toolkit_version != toolkit_version:
            continue
        return rule.opens_case
    return False


def active_rules(session: Session) -> list[ReviewRule]:
    query = select(ReviewRule).where(ReviewRule.active).order_by(ReviewRule.position,
                                                                  ReviewRule.id)
    return list(session.scalars(query))


def allocate_references(session: Session, year: int, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive case numbers of this year; the row lock serialises callers."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ReferenceCounter).values(year=year, last_number=0)
                    .on_conflict_do_nothing(index_elements=["year"]))
    last = session.execute(
        update(ReferenceCounter).where(ReferenceCounter.year == year)
        .values(last_number=ReferenceCounter.last_number + count)
        .returning(ReferenceCounter.last_number)).scalar_one()
    return [REFERENCE_FORMAT.format(year=year, number=n) for n in range(last - count + 1,
                                                                          last + 1)]


def lock_organisations(session: Session, organisation_ids: list[int]) -> None:
    """Lock the organisations' rows, in id order, while their cases are decided.

    Every path that may open a case (a batch, one notification, the helpdesk's link)
    takes these locks first, then the open case, then the case-number counter, so two
    processors deciding one organisation's case take turns instead of deadlocking.
    ``FOR NO KEY UPDATE`` does not hold up rows that only refer to the organisation.
    """
    session.execute(select(Organisation.id).where(Organisation.id.in_(organisation_ids))
                    .order_by(Organisation.id).with_for_update(key_share=True)).all()


def find_open_case(session: Session, organisation_id: int) -> Case | None:
    """The organisation's open case, locked (its organisation's row first)."""
    lock_organisations(session, [organisation_id])
    query = select(Case).where(Case.organisation_id == organisation_id,
                               Case.status != CaseStatus.CLOSED.value).with_for_update()
    return session.scalar(query)


def add_reasons(case: Case, applications: list) -> None:
    """Each application becomes a reason naming its approval group, once."""
    known = {(r.application_type, r.reference) for r in case.reasons}
    for application in applications:
        key = (application.type, application.reference)
        if key not in known:
            case.reasons.append(CaseReason(application_type=application.type,
                                           reference=application.reference,
                                           approval_group=application.approval_group))
            known.add(key)


def open_case(session: Session, *, organisation: Organisation, applications: list,
              opened_at: datetime, sla_days: int, reference: str | None = None) -> Case:
    """A new case in the queue, due ``sla_days`` working days after the opening day."""
    reference = reference or allocate_references(session, opened_at.year)[0]
    case = Case(reference=reference, organisation=organisation, opened_at=opened_at,
                status=CaseStatus.UNASSIGNED.value,
                due_date=add_working_days(opened_at.date(), sla_days))
    add_reasons(case, applications)
    session.add(case)
    return case


def attach_publication(case: Case, applications: list) -> None:
    """A republication while the case is open joins it, and the case is flagged.

    The case's version moves on: a page showing it before is stale, and saving from it
    is refused rather than answering for levels the reviewer never saw.
    """
    case.republished = True
    case.updated_at = utcnow()
    flag_modified(case, "updated_at")  # updated even when the clock reads the same
    add_reasons(case, applications)


def get_case(session: Session, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        raise NotFound(f"no case {reference}")
    return case


def cases_of(session: Session, organisation_id: int, *, open_only: bool = False) -> list[Case]:
    """An organisation's cases, newest first (only the open ones if asked)."""
    query = select(Case).where(Case.organisation_id == organisation_id)
    if open_only:
        query = query.where(Case.open_condition())
    return list(session.scalars(query.order_by(Case.opened_at.desc(), Case.id.desc())))
