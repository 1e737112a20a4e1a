"""What a notification does: the one place that decides how stored notifications become cases.

For a batch of any size (one notification is a batch of one), in order:

- the organisation: the one the helpdesk linked, else the registered one with the
  notification's ODS code; none leaves the notification ``unmatched`` (no assessment);
- the assessment is recorded, and the notification is ``processed``;
- the assessment is flagged where it disagrees with the version calendar (its version
  serves another reporting year) or came after 31 March of its reporting year
  (``cases.calendar.publication_flags``); it is accepted either way;
- it is flagged ``baseline`` when it is the organisation's first publication (none
  recorded before it, none earlier in the batch), and ``no_covers`` or
  ``reference_not_in_covers`` when an S251 or DARS application is in none of its covers
  (``cases.flags``); flag names and labels are in ``core.vocabulary``;
- review is due when the publication names an application, else as the first
  matching active review rule says (``cases.needs_review``);
- the organisation's year is summed up (``cases.publications``: first and latest
  publication, on time or late, latest version), merged by the writer with what is stored;
- where review is due, the organisation's open case is joined and flagged republished,
  or a new case opens, due ``sla_days`` working days after the day it opened (the
  publication's day when an import back-dates); each application becomes a reason
  naming its approval group, once per case;
- a publication in a head office's batch (``publication_batch``) goes to the head
  office's case instead: its open case, or one opened for it; the batch's other
  branches join that one case (not a republication), so one review and one set of
  letters cover them all, and the branches covered are the assessments the case holds
  of other organisations (``cases.services.branches_covered``). A head office that is
  not registered leaves the branch on its own case, flagged ``head_office_unknown``;
- a newer assessment joining a reviewed case sets aside the findings on requirements
  whose level it changed (``reviews.rules.findings_to_set_aside``) and the plan
  decisions on items it changed (``reviews.rules.plan_decisions_to_set_aside``); an
  older one arriving late sets nothing aside.

``decide`` makes every decision in Python from a ``Lookups`` (``lookups``: the
batch's organisations and open cases, locked) and writes nothing; a writer carries
out the plan: ``writing.CopyWriter`` (PostgreSQL, COPY) or ``portable.PortableWriter``
(SQLAlchemy ORM, any database). Both write the same rows, audit rows included.

Locks, on every path: the organisations' rows first (``FOR NO KEY UPDATE``, in id
order), then their open cases, then (the writer's last step) the case-number counter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple, Protocol

from sqlalchemy.orm import Session

from backoffice.cases import calendar, publications
from backoffice.cases import services as cases
from backoffice.cases.flags import covers_flags
from backoffice.core.vocabulary import CaseFlag
from backoffice.core.workingdays import add_working_days
from backoffice.notifications.models import NotificationStatus
from backoffice.notifications.schemas import NotificationIn
from backoffice.reviews import rules


@dataclass
class PlannedFinding:
    """A finding on a case the batch joins, as loaded, and whether the batch sets it aside."""

    id: int
    requirement_id: str
    label: str  # the audit row's summary, as str(Finding)
    changed_from: str | None
    set_aside: bool = False


@dataclass
class PlannedDecision:
    """A plan decision on a case the batch joins, as loaded, and whether the batch sets it
    aside."""

    id: int
    item_index: int
    label: str  # the audit row's summary, as the model writes it
    changed_from: str | None
    set_aside: bool = False


class Latest(NamedTuple):
    """The assessment a joined case's review reads: what its findings and decisions were on."""

    published_at: datetime
    requirements: list[dict]
    plan: list[dict]


def _mark_set_aside(records: dict, changed: dict[object, str]) -> None:
    """Findings or plan decisions a newer assessment changed: set aside, as they read then."""
    for key, changed_from in changed.items():
        records[key].changed_from, records[key].set_aside = changed_from, True


@dataclass
class PlannedCase:
    """A case the batch opens (``id`` reserved later) or an open case it joins."""

    organisation_id: int
    opened_at: datetime
    due_date: date
    id: int | None = None
    reference: str | None = None
    is_new: bool = True
    republished: bool = False
    was_republished: bool = False
    known_reasons: set[tuple[str, str]] = field(default_factory=set)
    batches: set[str] = field(default_factory=set)  # head-office batches it holds
    new_reasons: list[tuple[str, str, str]] = field(default_factory=list)
    reason_ids: list[int] = field(default_factory=list)
    # a joined case: the assessment its review reads, its findings and plan decisions
    latest: Latest | None = None
    findings: dict[str, PlannedFinding] = field(default_factory=dict)
    decisions: dict[int, PlannedDecision] = field(default_factory=dict)

    def add_reasons(self, applications: list) -> None:
        """Each application becomes a reason naming its approval group, once."""
        for application in applications:
            key = (application.type, application.reference)
            if key not in self.known_reasons:
                self.known_reasons.add(key)
                self.new_reasons.append((*key, application.approval_group))

    @property
    def newly_republished(self) -> bool:
        return not self.is_new and self.republished and not self.was_republished

    def assessed(self, joined: Latest) -> None:
        """An assessment joined; a newer one sets aside the findings and plan decisions on
        what it changed."""
        if self.latest is not None and not rules.supersedes(joined.published_at,
                                                            self.latest.published_at):
            return
        if self.latest is not None:
            _mark_set_aside(self.findings, rules.findings_to_set_aside(
                {key: f.changed_from for key, f in self.findings.items()},
                self.latest.requirements, joined.requirements))
            _mark_set_aside(self.decisions, rules.plan_decisions_to_set_aside(
                {key: d.changed_from for key, d in self.decisions.items()},
                self.latest.plan, joined.plan))
        self.latest = joined

    @property
    def set_aside(self) -> list[PlannedFinding]:
        return [f for f in self.findings.values() if f.set_aside]

    @property
    def decisions_set_aside(self) -> list[PlannedDecision]:
        return [d for d in self.decisions.values() if d.set_aside]


@dataclass
class Item:
    """One accepted notification to process, and what processing decided for it.

    ``pk`` names the stored row; ``notification`` may carry the row itself (an ORM
    object not flushed yet) to the portable writer; ``organisation_id`` is the
    organisation the helpdesk linked, if any.
    """

    parsed: NotificationIn
    pk: int | None = None
    organisation_id: int | None = None
    status: str = NotificationStatus.ACCEPTED
    case: PlannedCase | None = None
    processed_at: datetime | None = None
    notification: Any = None
    flags: list[str] = field(default_factory=list)


@dataclass
class Plan:
    items: list[Item]
    now: datetime
    opened: list[PlannedCase] = field(default_factory=list)
    joined: dict[int, PlannedCase] = field(default_factory=dict)  # open cases, by id
    publishers: set[int] = field(default_factory=set)  # organisations processed so far
    # each organisation's reporting years the batch published in, summed up
    years: list[publications.YearPublished] = field(default_factory=list)

    @property
    def touched(self) -> list[PlannedCase]:
        """The cases the batch opens, then those it joins."""
        return [*self.opened, *self.joined.values()]


class Organisation(Protocol):
    id: int
    org_type: str | None


class Lookups(Protocol):
    """What deciding reads, loaded (and locked) for the batch by its constructor."""

    def organisation(self, item: Item) -> Organisation | None:
        """The linked organisation, else the one registered with the item's ODS code."""

    def head_office(self, item: Item) -> Organisation | None:
        """The registered organisation with the ODS code of the item's batch's head office."""

    def published_before(self, organisation_id: int) -> bool:
        """Whether an assessment of the organisation was recorded before this batch."""

    def open_case(self, organisation_id: int) -> PlannedCase | None:
        """The organisation's open case (``is_new=False``) with its reasons (and, when the
        batch has head-office publications, the batches it holds), or None."""

    def rules(self) -> list:
        """The active review rules, in order."""

    def calendar(self) -> dict[int, str]:
        """The version calendar: each known toolkit version's reporting year."""

    def load_reviews(self, joined: dict[int, PlannedCase]) -> list[PlannedCase]:
        """Give the joined cases their findings, plan decisions and latest assessment;
        the cases that have findings or decisions (the others have nothing to set aside)."""


class Writer(Protocol):
    def write(self, plan: Plan) -> None:
        """Carry out the plan in the session's transaction (no commit)."""


@cache
def due_date(opened_on: date, sla_days: int) -> date:
    return add_working_days(opened_on, sla_days)


def decide(items: list[Item], lookups: Lookups, *, sla_days: int, now: datetime,
           backdate: bool = False) -> Plan:
    """Decide every item's final state, in the order given; nothing is written."""
    plan = Plan(items, now)
    new_cases: dict[int, PlannedCase] = {}
    for item in items:
        _decide(plan, lookups, new_cases, item, sla_days,
                item.parsed.published_at if backdate else now)
    plan.years = publications.in_batch([
        (i.organisation_id, i.parsed.assessment.reporting_year, i.parsed.published_at,
         i.parsed.assessment.toolkit_version)
        for i in items if i.status == NotificationStatus.PROCESSED])
    reviewed = {case.id for case in lookups.load_reviews(plan.joined)}
    for item in items:
        if item.case is not None and not item.case.is_new and item.case.id in reviewed:
            item.case.assessed(_joining(item))
    return plan


def process(session: Session, items: list[Item], *, lookups: Lookups, writer: Writer,
            sla_days: int, now: datetime, backdate: bool = False) -> Plan:
    """Decide and write: the one way a stored notification becomes an assessment and cases.

    The caller flushes what the lookups must see first, and commits after.
    """
    with session.no_autoflush:
        plan = decide(items, lookups, sla_days=sla_days, now=now, backdate=backdate)
        writer.write(plan)
    return plan


def _joining(item: Item) -> Latest:
    """The item's assessment as stored (``writing.assessment_values``), in the parts a joined
    case compares: the requirements if it has findings, the plan if it has decisions."""
    assessment, case = item.parsed.assessment, item.case
    return Latest(
        item.parsed.published_at,
        [r.score() for r in assessment.requirements]
        if case.findings else [],
        [p.model_dump(mode="json") for p in assessment.improvement_plan]
        if case.decisions else [])


def _decide(plan: Plan, lookups: Lookups, new_cases: dict[int, PlannedCase], item: Item,
            sla_days: int, now: datetime) -> None:
    """One notification, as the module's docstring says (set-asides follow in ``decide``)."""
    organisation = lookups.organisation(item)
    if organisation is None:
        item.status = NotificationStatus.UNMATCHED
        return
    item.organisation_id = organisation.id
    item.status = NotificationStatus.PROCESSED
    item.processed_at = now
    parsed = item.parsed
    item.flags = _flags(plan, lookups, item, organisation.id)
    if not cases.needs_review(lookups.rules, organisation=organisation,
                              applications=parsed.applications,
                              toolkit_version=parsed.assessment.toolkit_version):
        return
    owner, batch = _case_owner(lookups, item, organisation)
    case = new_cases.get(owner.id) or lookups.open_case(owner.id)
    if case is None:
        case = PlannedCase(organisation_id=owner.id, opened_at=now,
                           due_date=due_date(now.date(), sla_days))
        new_cases[owner.id] = case
        plan.opened.append(case)
    else:
        if not case.is_new:
            plan.joined[case.id] = case
        if batch is None or batch not in case.batches:  # a batch's branches are one review
            case.republished = True
    if batch is not None:
        case.batches.add(batch)
    case.add_reasons(parsed.applications)
    item.case = case


def _flags(plan: Plan, lookups: Lookups, item: Item, organisation_id: int) -> list[str]:
    """What the publication does against the calendar, whether it is the organisation's
    first (baseline), and what its covers miss."""
    parsed = item.parsed
    flags = calendar.publication_flags(
        lookups.calendar(), version=parsed.assessment.toolkit_version,
        reporting_year=parsed.assessment.reporting_year, published_at=parsed.published_at)
    if organisation_id not in plan.publishers and not lookups.published_before(organisation_id):
        flags.append(CaseFlag.BASELINE.value)
    plan.publishers.add(organisation_id)
    flags += covers_flags(parsed.applications, parsed.assessment.covers)
    if parsed.publication_batch is not None and lookups.head_office(item) is None:
        flags.append(CaseFlag.HEAD_OFFICE_UNKNOWN.value)
    return flags


def _case_owner(lookups: Lookups, item: Item,
                organisation: Organisation) -> tuple[Organisation, str | None]:
    """Whose case the publication goes to, and the head-office batch it joins there: the
    head office's for a batch whose head office is registered, else the organisation's."""
    batch = item.parsed.publication_batch
    head_office = lookups.head_office(item) if batch is not None else None
    if head_office is None:
        return organisation, None
    return head_office, batch.id
