"""The dashboard's figures against a hand-built set of cases whose answers are known."""

from datetime import UTC, date, datetime

import pytest

from backoffice.core.workingdays import working_days_between
from backoffice.dashboard import services
from tests.factories import CaseFactory, UserFactory

TODAY = date(2026, 11, 18)  # a Wednesday; its week starts on Monday 16 November


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def cases(session):
    rita = UserFactory(name="Rita Reviewer", role="reviewer")
    sam = UserFactory(name="Sam Senior", role="senior_reviewer")
    UserFactory(name="Dana Idle", role="reviewer")
    UserFactory(name="Hal Helpdesk", role="helpdesk")
    UserFactory(name="Gone Reviewer", role="reviewer", active=False)
    open_cases = [  # status, opened, due, reviewer
        ("unassigned", date(2026, 11, 16), date(2026, 11, 30), None),
        ("unassigned", date(2026, 11, 17), date(2026, 12, 1), None),
        ("in_review", date(2026, 11, 6), date(2026, 11, 17), rita),          # breached
        ("awaiting_information", date(2026, 10, 27), TODAY, rita),          # due today
        ("in_review", date(2026, 9, 10), date(2026, 11, 20), sam),          # due in 2 days
        ("awaiting_sign_off", date(2026, 10, 1), date(2026, 10, 15), sam),  # breached
    ]
    for status, opened, due, reviewer in open_cases:
        CaseFactory(status=status, opened_at=at(opened), due_date=due, assigned_to=reviewer)
    closed = [  # opened, outcome, closed, paused working days
        (date(2026, 8, 28), date(2026, 9, 1), date(2026, 9, 2), 0),    # over the bank holiday
        (date(2026, 8, 24), date(2026, 9, 3), date(2026, 9, 4), 2),
        (date(2026, 11, 9), date(2026, 11, 12), date(2026, 11, 13), 0),
        (date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 1), 0),    # before the 26 weeks
    ]
    for opened, outcome, closed_on, paused in closed:
        CaseFactory(status="closed", opened_at=at(opened), outcome_at=at(outcome, 15),
                    closed_at=at(closed_on, 16), paused_working_days=paused,
                    outcome="satisfactory", due_date=date(2026, 1, 1), assigned_to=rita)
    session.commit()


def test_open_cases_are_counted_by_status_and_by_age_band(session, cases):
    figures = services.open_cases(session, today=TODAY)
    assert figures.by_status == [("unassigned", 2), ("in_review", 2),
                                 ("awaiting_information", 1), ("awaiting_sign_off", 1),
                                 ("sending_letters", 0)]
    assert figures.by_band == [("under 1 week", 2), ("1–2 weeks", 1), ("2–4 weeks", 1),
                               ("4–8 weeks", 1), ("8 weeks or more", 1)]
    assert figures.total == 6


def test_breaches_count_and_list_overdue_cases_and_those_due_within_two_working_days(
        session, cases):
    figures = services.breaches(session, today=TODAY)
    assert (figures.breached, figures.due_soon) == (2, 1)  # not the one awaiting information
    assert figures.due_soon_until == date(2026, 11, 20)
    assert [(c.status, c.due_date, c.reviewer) for c in figures.cases] == [
        ("awaiting_sign_off", date(2026, 10, 15), "Sam Senior"),
        ("in_review", date(2026, 11, 17), "Rita Reviewer"),
        ("in_review", date(2026, 11, 20), "Sam Senior"),
    ]


def test_a_case_awaiting_information_past_its_due_date_is_no_breach(session):
    rita = UserFactory(name="Rita Reviewer", role="reviewer")
    CaseFactory(status="awaiting_information", opened_at=at(date(2026, 10, 1)),
                due_date=date(2026, 10, 15), assigned_to=rita, reference="R-2026-000901")
    CaseFactory(status="in_review", opened_at=at(date(2026, 10, 1)),
                due_date=date(2026, 10, 16), assigned_to=rita, reference="R-2026-000902")
    session.commit()
    figures = services.breaches(session, today=TODAY)
    assert (figures.breached, figures.due_soon) == (1, 0)
    assert [c.reference for c in figures.cases] == ["R-2026-000902"]
    [load] = [r for r in services.reviewer_load(session, today=TODAY)
              if r.reviewer == "Rita Reviewer"]
    assert (load.held, load.overdue) == (2, 1)


def test_weekly_throughput_counts_openings_closures_and_the_median_working_days(
        session, cases):
    weeks = services.weekly_throughput(session, today=TODAY)
    assert len(weeks) == 26
    assert weeks[0].start == date(2026, 5, 25) and weeks[-1].start == date(2026, 11, 16)
    shaped = {w.start: (w.opened, w.closed, w.outcomes, w.median_working_days)
              for w in weeks if w.opened or w.closed or w.outcomes}
    assert shaped == {
        date(2026, 8, 24): (2, 0, 0, None),
        date(2026, 8, 31): (0, 2, 2, 3.0),     # 1 (Monday 31 August is a bank holiday), 5
        date(2026, 9, 7): (1, 0, 0, None),
        date(2026, 9, 28): (1, 0, 0, None),
        date(2026, 10, 26): (1, 0, 0, None),
        date(2026, 11, 2): (1, 0, 0, None),
        date(2026, 11, 9): (1, 1, 1, 3.0),
        date(2026, 11, 16): (2, 0, 0, None),
    }


def test_the_median_agrees_with_the_working_day_calendar(session, cases):
    assert working_days_between(date(2026, 8, 28), date(2026, 9, 1)) == 1
    assert working_days_between(date(2026, 8, 24), date(2026, 9, 3)) - 2 == 5


def test_reviewer_load_counts_the_open_cases_each_active_reviewer_holds(session, cases):
    load = services.reviewer_load(session, today=TODAY)
    assert [(r.reviewer, r.held, r.overdue) for r in load] == [
        ("Rita Reviewer", 2, 1), ("Sam Senior", 2, 1), ("Dana Idle", 0, 0)]
    assert load[0].by_status == {"in_review": 1, "awaiting_information": 1,
                                 "awaiting_sign_off": 0, "sending_letters": 0}
    assert load[1].by_status["awaiting_sign_off"] == 1


def test_an_empty_database_gives_zeros_not_errors(session):
    assert services.open_cases(session, today=TODAY).total == 0
    assert services.breaches(session, today=TODAY).cases == []
    assert all(w.opened == 0 and w.median_working_days is None
               for w in services.weekly_throughput(session, today=TODAY))


def test_open_tickets_are_counted_by_category_and_age_band(session):
    from backoffice.helpdesk.models import Ticket

    tickets = [("new", "log_in", date(2026, 11, 17)), ("open", "log_in", date(2026, 11, 2)),
               ("waiting_for_customer", "exemptions", date(2026, 9, 1)),
               ("resolved", "log_in", date(2026, 11, 16)),
               ("open", "publishing", date(2026, 11, 11))]
    for number, (status, category, created) in enumerate(tickets):
        session.add(Ticket(reference=f"T-{number}", status=status, category=category,
                           name="Pat", email="pat@example.org", created_at=at(created)))
    session.commit()
    figures = services.open_tickets(session, today=TODAY)
    assert figures.total == 4
    totals = dict(figures.by_category)
    assert (totals["Log-in problems"], totals["Exemptions"],
            totals["Publishing an assessment"], totals["Other"]) == (2, 1, 1, 0)
    # ages in working hours 9am–5pm to noon on Wednesday 18 November: 10 hours, 98, many, 42
    assert figures.counts == {("Log-in problems", "1–2 working days"): 1,
                              ("Log-in problems", "10 working days or more"): 1,
                              ("Exemptions", "10 working days or more"): 1,
                              ("Publishing an assessment", "5–10 working days"): 1}
