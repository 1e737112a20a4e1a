"""A reply that came by post or e-mail: the reviewer attaches it on the organisation's behalf,
under the same documents rules; the clock resumes from the day it arrived."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.core.display import day
from backoffice.core.workingdays import add_working_days
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.models import InformationReply, ReplyDocument
from tests import samples
from tests.conftest import form_token, log_in
from tests.factories import UserFactory
from tests.reviews.replying import ask, nothing_stored, take_case, upload


def _next_monday() -> datetime:
    today = date.today()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC)


@pytest.fixture
def rita(session):
    user = UserFactory(role="reviewer", email="rita@example.org", name="Rita Reviewer")
    session.commit()
    return user


@pytest.fixture
def monday():
    return _next_monday()


@pytest.fixture
def asked(client, session, smtp_server, open_case, rita, monday):
    case = open_case()
    with time_machine.travel(monday, tick=False):
        log_in(client, rita.email)
        take_case(client, case)
        return ask(client, session, smtp_server, case)


def attach(client, case, at: datetime, files=(), **changes):
    """Attach a reply from the case page at that moment (by post, arrived that day)."""
    data = {"from_name": "Pat Manager", "channel": "post", "message": "Letter enclosed.",
            "received_on": at.date().isoformat(), **changes}
    with time_machine.travel(at, tick=False):
        data["csrf_token"] = form_token(client, f"/admin/case/review/{case.id}")
        data["documents"] = [upload(name, content) for name, content in files]
        return client.post(f"/admin/case/attach-reply/{case.id}", data=data,
                           content_type="multipart/form-data", follow_redirects=True)


def test_a_reply_by_post_is_attached_and_the_clock_resumes_from_its_day(
        client, session, asked, monday, organisation_client):
    due = session.get(Case, asked.case.id).due_date
    tuesday = monday + timedelta(days=1)
    response = attach(client, asked.case, monday + timedelta(days=3),
                      files=[("training log.docx", samples.word())],
                      received_on=tuesday.date().isoformat())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Reply from Pat Manager with 1 document attached. The SLA clock runs again. It was "
            "stopped for 1 working day") in page
    assert (f"information received from Pat Manager on {day(tuesday)} by post "
            "(1 working day paused)") in page
    assert "training log.docx" in page and "Letter enclosed." in page
    session.expire_all()
    case = session.get(Case, asked.case.id)
    assert case.status == "in_review" and case.due_date == add_working_days(due, 1)
    reply = session.scalar(select(InformationReply))
    assert reply.channel == "post" and reply.recorded_by.email == "rita@example.org"
    # she attached it herself: nobody to tell; and the organisation's link is now used
    assert session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "information_reply")) == 0
    assert organisation_client.get(asked.path).status_code == 410


def test_a_senior_attaching_on_ritas_case_tells_rita(client, session, asked, rita, monday):
    senior = UserFactory(role="senior_reviewer", email="sam@example.org")
    session.commit()
    later = monday + timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})
        log_in(client, senior.email)
    attach(client, asked.case, later, files=[("assets.xlsx", samples.spreadsheet())],
           channel="email")
    (mail,) = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "information_reply")).all()
    assert mail.recipients == [rita.email]
    assert "answered your information request" in mail.body and "by e-mail" in mail.body
    assert f"http://localhost/admin/case/review/{asked.case.id}" in mail.body


def test_a_renamed_program_is_refused_on_the_case_page_and_nothing_is_stored(
        client, session, asked, monday):
    response = attach(client, asked.case, monday + timedelta(hours=2),
                      files=[("letter.pdf", samples.pdf()), ("scan.pdf", samples.program())])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was stored: scan.pdf is not a PDF" in page
    assert 'data-testid="attach-reply" open' in page  # the form stays open with the reason
    assert nothing_stored(session, asked)
    assert session.scalar(select(func.count(ReplyDocument.id))) == 0


def test_a_reply_dated_in_the_future_is_refused(client, session, asked, monday):
    response = attach(client, asked.case, monday + timedelta(hours=2),
                      received_on=(monday + timedelta(days=2)).date().isoformat())
    assert response.status_code == 422
    assert "the reply arrived between" in response.get_data(as_text=True)
    assert nothing_stored(session, asked)


@pytest.fixture
def organisation_client(app):
    return app.test_client()
