"""Improvement plans followed up: each accepted item's reminder goes once, four weeks before
its target date, and survives a worker killed while sending; the organisation's next
publication says per item whether its requirement reached level 2; the queue filters the
cases with items not achieved; overdue items are on the home page."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from backoffice.cases.models import Case
from backoffice.core.audit import trail_for
from backoffice.core.db import utcnow
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from backoffice.mail import jobs as mail_jobs
from backoffice.mail.models import OutboxMessage
from backoffice.reviews import followup
from backoffice.reviews.admin import PlanNotAchievedFilter
from tests.conftest import log_in
from tests.factories import UserFactory
from tests.mailbox import wait_for
from tests.payloads import body, post_processed

WITH_PLAN = Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN
# tests/letters/conftest.py's plan: 115 by 31 March 2017, 117 by 31 January 2017


def _closed_with_plan(session, case_in_sending_letters, ods_code: str = "8PL01") -> Case:
    case = case_in_sending_letters(WITH_PLAN, groups=("CAG",), ods_code=ods_code)
    services.set_group_address(session, actor=_admin_actor(session), group="CAG",
                               email="cag@groups.example.org")
    session.commit()
    jobs.generate_letters(case.id)
    for letter in services.current_letters(session, case):
        assert jobs.deliver_letter(letter.id) == "sent"
    session.expire_all()
    case = session.get(Case, case.id)
    assert case.status == "closed"
    return case


def _admin_actor(session):
    from backoffice.core.audit import Actor

    admin = UserFactory(role="admin")
    session.commit()
    return Actor.of(admin)


def _items(session, case: Case) -> dict[str, followup.PlanFollowUp]:
    return {row.requirement_id: row for row in session.scalars(
        select(followup.PlanFollowUp).where(followup.PlanFollowUp.case_id == case.id))}


def _reminders(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == followup.REMINDER_KIND).order_by(OutboxMessage.id)))


def test_accepted_items_are_kept_with_their_target_dates_as_the_case_closes(
        session, case_in_sending_letters, smtp_server):
    case = _closed_with_plan(session, case_in_sending_letters)
    items = _items(session, case)
    assert {rid: row.target_date for rid, row in items.items()} == {
        "115": date(2017, 3, 31), "117": date(2017, 1, 31)}
    assert items["117"].action == "Train remaining staff"


def test_a_plan_item_without_a_target_date_is_due_31_march_of_the_next_year(
        session, case_in_sending_letters, smtp_server):
    case = _closed_with_plan(session, case_in_sending_letters)
    row = _items(session, case)["117"]
    assessment = case_assessment(session, case)
    plan = [dict(item) for item in assessment.improvement_plan]
    plan[1].pop("target_date")
    assessment.improvement_plan = plan
    session.commit()
    followup.record_plan(session, case)
    session.commit()
    session.refresh(row)
    assert row.target_date == date(2017, 3, 31), "2015/16's plan: 31 March 2017"


def case_assessment(session, case):
    from backoffice.reviews.guards import latest_assessment

    return latest_assessment(session, case)


def test_the_reminder_goes_once_four_weeks_before_the_target_date(
        session, case_in_sending_letters, smtp_server):
    case = _closed_with_plan(session, case_in_sending_letters)
    assert jobs.annual_cycle(today=date(2017, 1, 2))["reminders"] == 0, "not five weeks before"
    assert jobs.annual_cycle(today=date(2017, 1, 3))["reminders"] == 1
    assert jobs.annual_cycle(today=date(2017, 1, 3))["reminders"] == 0
    assert jobs.annual_cycle(today=date(2017, 1, 10))["reminders"] == 0
    (message,) = _reminders(session)
    assert message.recipients == ["pat1@rosewood.example.org"]
    assert "117" in message.body and "Train remaining staff" in message.body
    assert "115" not in message.body, "115 is due in March: its reminder comes later"
    row = _items(session, case)["117"]
    assert row.reminder_message_id == message.id
    audit = trail_for(session, "plan_follow_ups", row.id)
    assert any(event.action == "update" and "reminder_message_id" in event.changes
               for event in audit), "the reminder is on the audit trail"

    # crash between writing and sending: the job that would send it never ran; the sweeper
    # sends it once, and a second sweep sends nothing
    mail_jobs.sweep_outbox(utcnow(), 50)
    assert mail_jobs.sweep_outbox(utcnow(), 50) == 0
    ((to, mail),) = [(to, m) for to, m in smtp_server.inbox.messages
                     if "improvement plan" in m["Subject"]]
    assert to == ["pat1@rosewood.example.org"]
    assert "improvement plan due" in mail["Subject"] and "31 Jan 2017" in mail["Subject"]
    assert jobs.annual_cycle(today=date(2017, 3, 3))["reminders"] == 1, "115, four weeks out"


SEND_IN_A_PROCESS = """
import json, sys
from backoffice import create_app
from backoffice.mail import jobs
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    print(jobs.deliver_outbox(int(sys.argv[2])))
"""


class Stall:
    """Holds the first connection at RCPT TO until the test lets go."""

    def __init__(self):
        self.reached = False
        self.holding = True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.reached = True
        while self.holding:
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.slow
def test_a_worker_killed_sending_the_reminder_leaves_exactly_one_copy(
        session, case_in_sending_letters, smtp_server, settings_overrides):
    _closed_with_plan(session, case_in_sending_letters)
    jobs.annual_cycle(today=date(2017, 1, 3))
    (message,) = _reminders(session)
    stall = Stall()
    smtp_server.inbox.handle_RCPT = stall.handle_RCPT
    overrides = {**settings_overrides, "smtp_url": smtp_server.url}
    worker = subprocess.Popen([sys.executable, "-c", SEND_IN_A_PROCESS, json.dumps(overrides),
                               str(message.id)], env={**os.environ}, stdout=subprocess.PIPE)
    try:
        assert wait_for(lambda: stall.reached, timeout=60), "the worker never reached the server"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stall.holding = False
        if worker.poll() is None:
            worker.kill()
    del smtp_server.inbox.handle_RCPT
    session.expire_all()
    assert session.get(OutboxMessage, message.id).sent_at is None
    assert jobs.annual_cycle(today=date(2017, 1, 3))["reminders"] == 0, "no second reminder"
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
        claimed_until=utcnow() - timedelta(seconds=1)))  # the dead worker's lease runs out
    session.commit()
    mail_jobs.sweep_outbox(utcnow(), 50)
    assert mail_jobs.sweep_outbox(utcnow(), 50) == 0
    copies = [m for _, m in smtp_server.inbox.messages
              if "improvement plan due" in (m["Subject"] or "")]
    assert len(copies) == 1


def _publish_next_year(client, ods_code: str, levels: dict[str, int]) -> dict:
    payload = body(notification_id=f"IGT-NEXT-{ods_code}", published_at="2017-03-20T10:00:00Z")
    payload["organisation"]["ods_code"] = ods_code
    payload["assessment"].update(toolkit_version=14, reporting_year="2016/17",
                                 improvement_plan=[], requirements=[
                                     {"id": rid, "level": level} for rid, level in levels.items()])
    payload["applications"] = [{"type": "S251", "reference": "CAG 4-08(b)/2013"}]
    return post_processed(client, payload)


def _filter_arg(app) -> str:
    view = app.extensions["admin_views"]["case"]
    index = next(i for i, flt in enumerate(view._filters) if isinstance(flt, PlanNotAchievedFilter))
    return f"flt0_{index}"


def test_the_next_publication_shows_each_item_achieved_or_not_and_the_queue_filters_them(
        app, client, session, case_in_sending_letters, smtp_server):
    earlier = _closed_with_plan(session, case_in_sending_letters, ods_code="8PL01")
    _closed_with_plan(session, case_in_sending_letters, ods_code="8PL02")
    senior = UserFactory(role="senior_reviewer")
    session.commit()
    log_in(client, senior.email)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="home-plan-overdue"' in home and earlier.reference in home

    achieved_some = _publish_next_year(client, "8PL01", {"114": 2, "115": 2, "117": 1})
    all_achieved = _publish_next_year(client, "8PL02", {"114": 2, "115": 3, "117": 2})
    session.expire_all()
    items = _items(session, earlier)
    assert (items["115"].result, items["115"].level_now) == ("achieved", 2)
    assert (items["117"].result, items["117"].level_now) == ("not_achieved", 1)
    new_case = session.scalar(select(Case).where(
        Case.reference == achieved_some["case_reference"]))
    assert items["117"].followed_up_case_id == new_case.id

    page = client.get(f"/admin/case/review/{new_case.id}").get_data(as_text=True)
    assert 'data-testid="plan-follow-up-earlier"' in page
    assert 'data-testid="follow-up-115"><strong>Achieved' in page
    assert 'data-testid="follow-up-117"><strong>Not achieved' in page
    own = client.get(f"/admin/case/review/{earlier.id}").get_data(as_text=True)
    assert 'data-testid="plan-follow-up-own"' in own and "Not achieved" in own

    queue = client.get(f"/admin/case/?view=all&{_filter_arg(app)}=not_achieved")
    listed = queue.get_data(as_text=True)
    assert achieved_some["case_reference"] in listed
    assert all_achieved["case_reference"] not in listed
    assert earlier.reference not in listed
    home = client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="home-plan-overdue"' not in home, "followed up: no longer overdue"
