"""Working a case through its states, with the rules refusing what they should."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from backoffice.cases.models import Case, CaseStatus
from backoffice.core.audit import AuditEvent, trail_for
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.core.vocabulary import Outcome
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.findings import FindingInput as F
from backoffice.reviews.findings import current_sign_off, record_findings, review_of
from backoffice.reviews.guards import StaleCase, WrongState, latest_assessment
from backoffice.reviews.information import information_received, request_information
from backoffice.reviews.outcomes import OutcomeRefused, record_outcome, reopen, send_back, sign_off
from backoffice.reviews.taking import assign_cases, take_next_case
from tests.factories import CaseFactory


def _agree_all(session, case, actor, **changes):
    review = review_of(session, case)
    findings = [changes.get(r.id, F(r.id, True)) for r in review.requirements if r.applicable]
    record_findings(session, actor=actor, case=case, findings=findings)


def test_take_next_gives_the_most_urgent_unassigned_case(session, open_case, people):
    later = open_case(ods_code="8HV01")
    sooner = open_case(ods_code="8HV02")
    sooner.due_date = later.due_date - timedelta(days=3)
    session.commit()
    reviewer, actor = people["reviewer"]
    taken = take_next_case(session, actor=actor, reviewer=reviewer)
    assert (taken.reference, taken.due_date) == (sooner.reference, sooner.due_date)
    session.refresh(sooner)
    assert (sooner.status, sooner.assigned_to_id) == (CaseStatus.IN_REVIEW, reviewer.id)
    assert take_next_case(session, actor=actor, reviewer=reviewer).reference == \
        later.reference
    assert take_next_case(session, actor=actor, reviewer=reviewer) is None


def test_assigning_and_reassigning_is_audited(session, open_case, people):
    case = open_case()
    senior, senior_actor = people["senior"]
    reviewer, _ = people["reviewer"]
    assign_cases(session, actor=senior_actor, cases=[case], reviewer=reviewer)
    assign_cases(session, actor=senior_actor, cases=[case], reviewer=senior)
    session.commit()
    changes = [row.changes.get("assigned_to_id") for row in trail_for(session, "cases", case.id)
               if "assigned_to_id" in row.changes]
    assert changes == [[reviewer.id, senior.id], [None, reviewer.id]]


def test_satisfactory_with_improvement_plan_is_recorded_and_letters_are_due(session,
                                                                           open_case, people):
    case = open_case()
    reviewer, actor = people["reviewer"]
    assign_cases(session, actor=people["senior"][1], cases=[case], reviewer=reviewer)
    _agree_all(session, case, actor)
    with pytest.raises(OutcomeRefused) as refused:
        record_outcome(session, actor=actor, case=case, outcome=Outcome.SATISFACTORY)
    assert "requirement 117 is at level 1, below level 2" in refused.value.message
    record_findings(session, actor=actor, case=case, findings=[],
                    plan_decisions={0: True})
    record_outcome(session, actor=actor, case=case,
                   outcome=Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
                   plan_accepted=True)
    session.commit()
    assert case.status == CaseStatus.SENDING_LETTERS
    assert set(session.scalars(select(OutboxMessage.kind))) == {"cases_assigned", "letters_due"}


def test_an_approved_exemption_makes_a_low_requirement_not_count(session, open_case, people):
    from backoffice.exemptions import services as exemptions

    case = open_case(levels={"114": 2, "321": 0}, plan=[])
    _, helpdesk = people["senior"]
    exemption = exemptions.request_exemption(session, actor=helpdesk,
                                             organisation=case.organisation,
                                             toolkit_version=13, requirement_id="321",
                                             reason="Paper records only")
    exemptions.approve_exemption(session, actor=helpdesk, exemption=exemption, reason="OK")
    reviewer, actor = people["reviewer"]
    take_next_case(session, actor=actor, reviewer=reviewer)
    _agree_all(session, case, actor)
    record_outcome(session, actor=actor, case=case, outcome=Outcome.SATISFACTORY)
    assert case.outcome == "satisfactory"


def _not_satisfactory(session, case, people):
    reviewer, actor = people["senior"]
    assign_cases(session, actor=actor, cases=[case], reviewer=reviewer)
    _agree_all(session, case, actor)
    record_outcome(session, actor=actor, case=case, outcome=Outcome.NOT_SATISFACTORY,
                   reasons="No training programme at all")
    assert case.status == CaseStatus.AWAITING_SIGN_OFF


def test_the_author_cannot_sign_off_their_own_not_satisfactory(session, open_case, people):
    case = open_case(plan=[])
    _not_satisfactory(session, case, people)
    author, actor = people["senior"]
    with pytest.raises(OutcomeRefused) as refused:
        sign_off(session, actor=actor, case=case, signer=author)
    assert "nobody signs off their own" in refused.value.message
    other, other_actor = people["senior2"]
    sign_off(session, actor=other_actor, case=case, signer=other)
    assert case.status == CaseStatus.SENDING_LETTERS


def test_a_reviewer_cannot_sign_off(session, open_case, people):
    case = open_case(plan=[])
    _not_satisfactory(session, case, people)
    reviewer, actor = people["reviewer"]
    with pytest.raises(InvalidInput):
        sign_off(session, actor=actor, case=case, signer=reviewer)


def test_sending_back_returns_the_case_to_review_with_the_comment(session, open_case, people):
    case = open_case(plan=[])
    _not_satisfactory(session, case, people)
    other, actor = people["senior2"]
    send_back(session, actor=actor, case=case, signer=other,
              comment="Check 117 again: the training log was uploaded")
    assert (case.status, case.outcome) == (CaseStatus.IN_REVIEW, None)


def test_a_finding_changed_after_sign_off_voids_it(session, open_case, people):
    case = open_case(levels={"114": 2, "115": 1, "117": 1}, plan=[])
    _not_satisfactory(session, case, people)
    other, actor = people["senior2"]
    sign_off(session, actor=actor, case=case, signer=other)
    author, author_actor = people["senior"]
    record_findings(session, actor=author_actor, case=case,
                    findings=[F("115", False, 0, "No policy found")])
    assert case.status == CaseStatus.AWAITING_SIGN_OFF
    assert current_sign_off(session, case) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "void")) is not None


def test_the_sla_pause_moves_the_due_date_by_the_working_days_paused(session, open_case,
                                                                     people):
    with time_machine.travel(datetime(2016, 5, 23, 9, tzinfo=UTC), tick=False):
        case = open_case()
        reviewer, actor = people["reviewer"]
        take_next_case(session, actor=actor, reviewer=reviewer)
        request_information(session, actor=actor, case=case, message="Send the log",
                            recipients=["pat@example.org"])
    assert case.status == CaseStatus.AWAITING_INFORMATION
    due_before = case.due_date
    # Monday 23 May to Wednesday 1 June 2016: 6 working days (Spring bank holiday 30 May)
    with time_machine.travel(datetime(2016, 6, 1, 9, tzinfo=UTC), tick=False):
        paused = information_received(session, actor=actor, case=case)
    assert paused == 6
    assert due_before == date(2016, 6, 7)
    assert case.due_date == date(2016, 6, 15)
    assert case.status == CaseStatus.IN_REVIEW


def test_an_outcome_needs_the_case_in_review(session, open_case, people):
    case = open_case()
    _, actor = people["reviewer"]
    with pytest.raises(WrongState) as wrong:
        record_outcome(session, actor=actor, case=case, outcome=Outcome.SATISFACTORY)
    assert "is unassigned; recording an outcome needs it in review" in wrong.value.message


def test_reopening_a_closed_case_needs_a_reason_and_is_audited(session, open_case, people):
    case = open_case()
    case.outcome = "satisfactory"
    case.status = "closed"  # as if its letters went
    case.publish(latest_assessment(session, case))
    session.commit()
    assert case.reporting_year is not None
    _, actor = people["senior"]
    with pytest.raises(InvalidInput):
        reopen(session, actor=actor, case=case, reason="")
    reopen(session, actor=actor, case=case, reason="Letter named the wrong study")
    assert case.status == CaseStatus.IN_REVIEW
    assert (case.closed_at, case.outcome, case.reporting_year) == (None, None, None)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "reopen"))
    assert event.changes == {"reason": [None, "Letter named the wrong study"]}


def test_a_closed_case_with_no_published_assessment_is_not_reopened_or_decided(session,
                                                                             people):
    """The demo's made-up history: reopened and decided, its letters had no version or year."""
    case = CaseFactory(status=CaseStatus.CLOSED.value, outcome="satisfactory",
                       closed_at=datetime(2026, 11, 5, tzinfo=UTC))
    session.commit()
    with pytest.raises(WrongState) as refused:
        reopen(session, actor=people["senior"][1], case=case, reason="Check again")
    assert refused.value.message == (f"{case.reference} has no published assessment; "
                                     "reopening needs one to review")
    assert case.status == CaseStatus.CLOSED
    case.status, case.outcome = CaseStatus.IN_REVIEW.value, None
    session.commit()
    with pytest.raises(WrongState) as refused:
        record_outcome(session, actor=people["reviewer"][1], case=case,
                       outcome=Outcome.SATISFACTORY)
    assert "has no published assessment; recording an outcome needs one" in \
        refused.value.message


def test_a_stale_save_is_refused_and_nothing_is_lost(app, session, open_case, people):
    case = open_case()
    reviewer, actor = people["reviewer"]
    take_next_case(session, actor=actor, reviewer=reviewer)
    session.commit()
    seen_version = case.version
    record_findings(session, actor=actor, case=case, findings=[F("114", True)],
                    expected_version=seen_version)
    session.commit()
    with pytest.raises(StaleCase) as stale:
        record_findings(session, actor=actor, case=case,
                        findings=[F("115", False, 1, "No policy")],
                        expected_version=seen_version)
    assert "changed by someone else" in stale.value.message
    session.rollback()
    assert session.get(Case, case.id).version == seen_version + 1


def test_taking_a_case_is_in_its_audit_trail_with_who_took_it(open_case, people, session):
    from backoffice.core.audit import trail_for

    case = open_case()
    reviewer, actor = people["reviewer"]
    taken = take_next_case(session, actor=actor, reviewer=reviewer)
    session.commit()
    [event] = [e for e in trail_for(session, "cases", taken.id) if e.action == "update"]
    assert event.actor == actor.label and event.actor_user_id == reviewer.id
    assert event.summary == case.reference
    assert event.changes == {"assigned_to_id": [None, reviewer.id],
                             "status": ["unassigned", "in_review"]}


def _closed(session, case, outcome="satisfactory"):
    case.outcome = outcome
    case.status = "closed"  # as if its letters went
    case.publish(latest_assessment(session, case))
    session.commit()


def test_reopening_is_refused_while_a_later_publication_has_a_case_open(session, open_case,
                                                                        people):
    case = open_case()
    _closed(session, case)
    later = open_case(notification_id="IGT-8HV48-2017")
    assert later.id != case.id
    _, actor = people["senior"]
    with pytest.raises(Conflict) as refused:
        reopen(session, actor=actor, case=case, reason="Letter named the wrong study")
    assert refused.value.message == (
        f"{case.reference} cannot be reopened: {later.reference} is open for "
        f"{case.organisation.name} (a later publication); review that case")
    session.rollback()
    assert session.get(Case, case.id).status == CaseStatus.CLOSED


def test_reopening_voids_the_old_sign_off_so_a_new_outcome_needs_a_new_one(session, open_case,
                                                                          people):
    case = open_case(plan=[])
    _not_satisfactory(session, case, people)
    other, other_actor = people["senior2"]
    sign_off(session, actor=other_actor, case=case, signer=other)
    _closed(session, case, outcome="not_satisfactory")
    _, actor = people["senior"]
    reopen(session, actor=actor, case=case, reason="The organisation sent evidence")
    assert current_sign_off(session, case) is None
    author, author_actor = people["senior"]
    record_findings(session, actor=author_actor, case=case,
                    findings=[F("115", True)])
    assert (case.status, case.outcome) == (CaseStatus.IN_REVIEW, None)
