"""What the case page shows: requirements with findings, plan, timeline, why this date."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.calendar import BASELINE
from backoffice.cases.models import Case
from backoffice.core.audit import trail_for
from backoffice.core.db import utcnow
from backoffice.core.display import day
from backoffice.core.permissions import Permission, user_may
from backoffice.core.requirements import (
    not_relevant_condition,
    requirement_title,
    short_title,
)
from backoffice.core.vocabulary import Outcome, flag_label, outcome_label, status_label
from backoffice.core.workingdays import explain_due_date, working_days_between
from backoffice.exemptions.services import approved_exemptions
from backoffice.reviews import forms, telling
from backoffice.reviews.covers import cover_warnings, covers_of
from backoffice.reviews.findings import (
    current_sign_off,
    findings_of,
    findings_open,
    plan_decisions_of,
    review_of,
)
from backoffice.reviews.guards import held_by_another, latest_assessment, may_work_on
from backoffice.reviews.history import Change, history_of
from backoffice.reviews.models import InformationReply, InformationRequest, SignOff
from backoffice.reviews.replies import replies_of
from backoffice.reviews.statements import Written, written
from backoffice.users.models import User


@dataclass
class RequirementRow:
    id: str
    title: str
    short_title: str
    self_assessed: int | None
    exempt: bool
    applicable: bool
    finding: object | None
    verdict: str | None = None  # as the form shows it: "agree", "differ" or unanswered
    level_found: str = ""
    comment: str = ""
    error: str = ""
    condition: str | None = None  # when the guidance lets it be marked Not Relevant
    overturned: bool = False      # marked Not Relevant; the reviewer found it relevant

    @property
    def not_relevant(self) -> bool:
        return self.self_assessed is None

    @property
    def finding_not_counted(self) -> str:
        """Why a finding that would overturn a Not Relevant does not count, if it does not."""
        differs = self.finding is not None and self.finding.stands and not self.finding.agreed
        if self.not_relevant and self.exempt and differs:
            return ("An approved exemption covers this requirement: your finding that it is "
                    "relevant does not count in the outcome.")
        return ""
    written: Written = field(default_factory=lambda: Written("", []))  # the organisation's
    exemption: object | None = None  # the approved exemption, with its reason
    change: Change | None = None     # the level against the previous publication

    @property
    def changed_since_finding(self) -> bool:
        """Republished at another level since the finding, which no longer counts."""
        return self.finding is not None and not self.finding.stands


def _answer_of(finding) -> tuple[str | None, str, str]:
    """A standing finding as the form shows it; a set-aside one is answered afresh."""
    if finding is None or not finding.stands:
        return None, "", ""
    level = "" if finding.level is None else str(finding.level)
    return ("agree" if finding.agreed else "differ"), level, finding.comment


@dataclass
class Event:
    at: datetime
    who: str
    what: str
    # A reply's own words and documents (``ReplyDocument`` rows, their bytes not loaded)
    detail: str = ""
    documents: list = field(default_factory=list)


@dataclass
class PagePart:
    """What another feature adds to the case page (its letters, the notifications that
    opened it): values for the template and events for the timeline. The screen that
    composes the page is given the parts, so this module needs none of those features."""

    context: dict = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


PagePartSource = Callable[[Session, Case], PagePart]


def requirement_rows(session: Session, case: Case,
                     entered: forms.EnteredFindings | None = None, *, assessment=None,
                     changes: dict[str, Change] | None = None) -> list[RequirementRow]:
    """The requirements as the outcome rules see them, with titles, what the organisation
    wrote, approved exemptions, level changes and findings to show — or, when a save was
    refused, the answers as entered and the refusal on its row."""
    findings = findings_of(session, case)
    if assessment is None:
        assessment = latest_assessment(session, case)
    version = assessment.toolkit_version if assessment is not None else None
    exemptions = approved_exemptions(
        session, organisation_id=case.organisation_id,
        toolkit_version=assessment.toolkit_version) if assessment is not None else {}
    changes = changes or {}
    rows = []
    for r in review_of(session, case).requirements:
        finding = findings.get(r.id)
        verdict, level, comment = (entered.answers.get(r.id, (None, "", "")) if entered
                                   else _answer_of(finding))
        rows.append(RequirementRow(
            id=r.id, title=requirement_title(r.id, version),
            short_title=short_title(requirement_title(r.id, version)),
            self_assessed=r.self_assessed,
            exempt=r.exempt, applicable=r.applicable, finding=finding, verdict=verdict,
            level_found=level, comment=comment,
            error=entered.message if entered and entered.about == r.id else "",
            condition=not_relevant_condition(r.id), overturned=r.overturned,
            written=written(assessment, r.id), exemption=exemptions.get(r.id),
            change=changes.get(r.id)))
    return rows


@dataclass
class PlanRow:
    index: int
    item: dict
    decision: object | None
    choice: str | None  # as the form shows it: "accept", "reject" or undecided

    @property
    def changed_since_decision(self) -> bool:
        """Republished as another item since the decision, which no longer counts."""
        return self.decision is not None and not self.decision.stands


def _plan_choice(decision, index: int, entered: forms.EnteredFindings | None) -> str | None:
    """A standing decision as the form shows it; a set-aside one is decided afresh."""
    if entered is not None:
        return entered.plan.get(index)
    if decision is None or not decision.stands:
        return None
    return "accept" if decision.accepted else "reject"


def plan_rows(session: Session, case: Case, assessment,
              entered: forms.EnteredFindings | None = None) -> tuple[list[PlanRow], list]:
    """The plan's items with their decisions, and the set-aside decisions on positions the
    plan no longer has (their items were dropped when it was republished)."""
    items = assessment.improvement_plan if assessment else []
    decisions = plan_decisions_of(session, case)
    rows = [PlanRow(index, item, decisions.get(index),
                    _plan_choice(decisions.get(index), index, entered))
            for index, item in enumerate(items)]
    dropped = [decision for index, decision in sorted(decisions.items())
               if index >= len(items) and not decision.stands]
    return rows, dropped


def resumed_message(paused: int, due_before: date, due_after: date) -> str:
    """What "information received" did to the SLA clock and the due date, in plain words."""
    if paused == 0:
        return ("Information received; the SLA clock runs again. No working day passed while "
                f"it was stopped, so the due date stays {day(due_after)}.")
    days = "working day" if paused == 1 else "working days"
    return (f"Information received; the SLA clock runs again. It was stopped for {paused} {days},"
            f" so the due date moved from {day(due_before)} to {day(due_after)}.")


def reply_attached_message(reply: InformationReply, due_before: date, due_after: date) -> str:
    """What the reviewer is told once a reply received by post or e-mail is attached."""
    count = len(reply.documents)
    documents = f" with {count} document{'s' if count != 1 else ''}" if count else ""
    resumed = resumed_message(reply.request.paused_working_days, due_before, due_after)
    resumed = resumed.removeprefix("Information received; ")
    return f"Reply from {reply.from_name}{documents} attached. {resumed[:1].upper()}{resumed[1:]}"


def _paused(days: int) -> str:
    return f"{days} working day{'s' if days != 1 else ''} paused"


def _received(request: InformationRequest, reply: InformationReply | None) -> Event:
    """"information received from Pat Manager on 7 Dec 2026", with what they sent."""
    if reply is None:
        return Event(request.received_at, str(request.received_by or ""),
                     f"information received ({_paused(request.paused_working_days)})")
    who = (f"{reply.from_name} (reply link)" if reply.recorded_by is None
           else str(reply.recorded_by))
    return Event(request.received_at, who,
                 f"information received from {reply.from_name} on {day(reply.received_on)} "
                 f"{reply.how} ({_paused(request.paused_working_days)})",
                 detail=reply.message, documents=list(reply.documents))


def events(session: Session, case: Case, also: Iterable[Event] = ()) -> list[Event]:
    """Information requests and replies, sign-offs and audited changes, with the events other
    features add (``also``: e.g. the publications received), newest first."""
    found = list(also)
    replies = replies_of(session, case)
    for request in session.scalars(select(InformationRequest).where(
            InformationRequest.case_id == case.id)):
        found.append(Event(request.requested_at, str(request.requested_by or "system"),
                           f"information requested: {request.message}"))
        if request.received_at:
            found.append(_received(request, replies.get(request.id)))
    for signed in session.scalars(select(SignOff).where(SignOff.case_id == case.id)):
        verdict = "signed off" if signed.decision == "approved" else "sent back"
        found.append(Event(signed.signed_at, str(signed.signed_by),
                           f"{verdict}{': ' + signed.comment if signed.comment else ''}"
                           f"{' (voided)' if signed.voided_at else ''}"))
    names = {user.id: str(user) for user in session.scalars(select(User))}
    for row in trail_for(session, "cases", case.id):
        changes = ", ".join(_change_text(key, old, new, names)
                            for key, (old, new) in row.changes.items() if key in SHOWN)
        if changes:
            found.append(Event(row.occurred_at, row.actor, changes))
    return sorted(found, key=lambda e: e.at.replace(tzinfo=None), reverse=True)


TIMELINE_FIRST = 12  # events the case page lists before "Show all N events"

SHOWN = {"status": "status", "assigned_to_id": "reviewer", "outcome": "outcome",
         "reason": "reason", "letter_acknowledged": "receipt acknowledged",
         "acting_for": "senior reviewer acting",
         "not_relevant_overturned": "Not Relevant overturned",
         "not_relevant_agreed": "Not Relevant agreed again"}
NEW_ONLY = {"letter_acknowledged", "acting_for", "not_relevant_overturned",
            "not_relevant_agreed"}  # events, not changes: "label: what"
IN_WORDS = {"status": status_label, "outcome": outcome_label}


def _shown(value) -> str:
    return "—" if value is None else str(value).replace("_", " ")


def _change_text(key: str, old, new, names: dict[int, str]) -> str:
    if key in NEW_ONLY:
        return f"{SHOWN[key]}: {new}"
    if key == "assigned_to_id":
        old, new = names.get(old, "nobody"), names.get(new, "nobody")
    elif key in IN_WORDS:
        old, new = (None if value is None else IN_WORDS[key](value) for value in (old, new))
    return f"{SHOWN[key]} {_shown(old)} → {_shown(new)}"


def page_context(session: Session, case: Case, *, sla_days: int,
                 entered: forms.EnteredFindings | None = None,
                 outcome_form: forms.OutcomeForm | None = None, outcome_error: str = "",
                 outcome_refusal=None, reply_form: forms.AttachReplyForm | None = None,
                 parts: Sequence[PagePart] = ()) -> dict:
    """The case page; after a refused save, with what was entered and why it was refused."""
    assessment = latest_assessment(session, case)
    plan, dropped_decisions = plan_rows(session, case, assessment, entered)
    pauses = list(session.scalars(select(InformationRequest).where(
        InformationRequest.case_id == case.id).order_by(InformationRequest.id)))
    version = {"version": case.version}
    past = history_of(session, case, assessment)
    rows = requirement_rows(session, case, entered, assessment=assessment,
                            changes=past.changes)
    covers = covers_of(assessment)
    seen = {"version": entered.version} if entered and entered.version is not None else version
    may_act = (user_may(current_user, Permission.WORK_CASES)
               and may_work_on(case, current_user))
    return {
        "case": case, "assessment": assessment,
        "baseline": assessment is not None and BASELINE in (assessment.flags or []),
        "rows": rows, "plan": plan, "history": past, "covers": covers,
        "flags": [(flag, flag_label(flag)) for flag in (assessment.flags if assessment
                                                          else [])],
        "cover_warnings": cover_warnings(case.reasons, covers) if assessment else [],
        "changed_rows": [row for row in rows if row.changed_since_finding],
        "changed_plan_rows": [row for row in plan if row.changed_since_decision],
        "dropped_decisions": dropped_decisions,
        "findings_error": entered.message if entered else "",
        "findings_form": forms.ActionForm(formdata=None, data=seen),
        "outcome_error": outcome_error, "outcome_refusal": outcome_refusal,
        "events": events(session, case, (event for part in parts for event in part.events)),
        "timeline_first": TIMELINE_FIRST, "pauses": pauses,
        "due": explain_due_date(case.opened_at.date(), sla_days),
        "back_in_review": telling.why_back_in_review(session, case),
        "overdue": overdue_phrase(case.due_date, utcnow().date()) if case.clock_running
        else "",
        "sign_off": current_sign_off(session, case),
        "may_work": may_act,
        "may_edit_findings": may_act and findings_open(session, case),
        "held_by_another": (user_may(current_user, Permission.WORK_CASES)
                            and held_by_another(case, current_user.id)),
        "may_sign_off": user_may(current_user, Permission.SIGN_OFF),
        "may_triage": user_may(current_user, Permission.TRIAGE_CASES),
        "action_form": forms.ActionForm(formdata=None, data=version),
        "message_form": forms.MessageForm(formdata=None, data=version),
        "outcome_form": outcome_form or forms.OutcomeForm(formdata=None, data=version),
        "sign_off_form": forms.SignOffForm(formdata=None, data=version),
        "reason_form": forms.ReasonForm(formdata=None, data=version),
        "reply_form": reply_form or forms.AttachReplyForm(
            formdata=None, data={**version, "received_on": utcnow().date()}),
        **{key: value for part in parts for key, value in part.context.items()},
    }


def outcome_recorded(case: Case, outcome: Outcome) -> str:
    """What the reviewer is told once the outcome is recorded: what happens next."""
    if outcome is Outcome.NOT_SATISFACTORY:
        return (f"Outcome recorded: {outcome.label}. It now awaits sign-off by another senior "
                "reviewer; it is published and the letters go once it is signed off, and you "
                "will see it back here with their comment if it is sent back.")
    groups = sorted({reason.approval_group for reason in case.reasons})
    to = f"{', '.join(groups)} and the organisation" if groups else "the organisation"
    return (f"Outcome recorded: {outcome.label}. It is on the public report now. The "
            f"letters to {to} go within minutes; the case closes once they are delivered.")


def overdue_phrase(due_date: date, today: date) -> str:
    """"overdue by 3 working days" for a due date past (the caller knows the clock runs)."""
    if due_date >= today:
        return ""
    days = working_days_between(due_date, today)
    if days < 1:  # due on the last working day, and today is a weekend or bank holiday
        return f"overdue since {day(due_date)}"
    return f"overdue by {days} working day{'s' if days > 1 else ''}"


def taken_message(case, today: date) -> str:
    """What the reviewer is told as a case becomes theirs (in review, its clock running):
    when it is due, and by how much it is overdue."""
    overdue = overdue_phrase(case.due_date, today)
    return f"{case.reference} is yours: due {day(case.due_date)}" + (
        f", {overdue}." if overdue else ".")
