"""Sending a year's compliance report once, by the outbox to a real SMTP server, and the
public Publications page that shows it only once sent."""

import hashlib
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from backoffice.core.audit import AuditEvent
from backoffice.letters import jobs
from tests.compliance.test_report import EXPECTED_ROWS, year  # noqa: F401 (fixture)
from tests.conftest import form_token

SCREEN = "/admin/compliance/"
PAGE = "/reports/publications"
XLSX = "/reports/publications/2015-16.xlsx"
REPORT_TO = ["cqc@example.org", "monitor@example.org"]
SUMMARY_TO = ["cabinet.office@example.org"]


def _addresses(app):
    settings = app.extensions["settings"]
    settings.compliance_report_to = ",".join(REPORT_TO)
    settings.compliance_summary_to = ",".join(SUMMARY_TO)


def _send(client):
    token = form_token(client, SCREEN)
    return client.post(SCREEN + "send", data={"csrf_token": token, "year": "2015/16"},
                       follow_redirects=True)


def test_sending_twice_sends_each_address_one_message(
        app, client, login, session, year, smtp_server):  # noqa: F811
    _addresses(app)
    login("admin")
    first = _send(client).get_data(as_text=True)
    assert "is being sent to cqc@example.org" in first
    again = _send(client).get_data(as_text=True)
    assert "was already sent" in again
    assert jobs.sweep()["delivered"] == 3
    assert jobs.sweep()["delivered"] == 0
    received = {tuple(to): message for to, message in smtp_server.inbox.messages}
    assert sorted(received) == [(a,) for a in sorted(REPORT_TO + SUMMARY_TO)]
    report = received[("cqc@example.org",)]
    (attachment,) = report.iter_attachments()
    assert attachment.get_filename() == "compliance-2015-16.xlsx"
    rows = list(load_workbook(BytesIO(attachment.get_content())).worksheets[0]
                .iter_rows(values_only=True))
    assert [row[0] for row in rows[2:]] == [row[0] for row in EXPECTED_ROWS]
    summary = received[("cabinet.office@example.org",)]
    assert "Voluntary Sector: 2 by 31 March (3 publications), 1 late" in \
        summary.get_body(("plain",)).get_content()
    (counts,) = summary.iter_attachments()
    assert "Voluntary Sector,2,3,1" in counts.get_content()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "send_report")).all()
    assert len(events) == 1 and events[0].changes["report_to"] == REPORT_TO


def test_the_publications_page_shows_a_year_only_once_sent(app, client, login, session,
                                                           year):  # noqa: F811
    _addresses(app)
    before = client.get(PAGE)
    assert before.status_code == 200 and "2015/16" not in before.get_data(as_text=True)
    assert client.get(XLSX).status_code == 404
    login("admin")
    _send(client)
    client = app.test_client()  # nobody logged in
    page = client.get(PAGE).get_data(as_text=True)
    assert "2015/16 compliance report" in page
    table = page[page.index('data-testid="counts"'):]
    assert "Voluntary Sector" in table and "GP Practice" in table
    download = client.get(XLSX)
    assert download.status_code == 200
    assert "compliance-2015-16.xlsx" in download.headers["Content-Disposition"]
    assert hashlib.sha256(download.data).hexdigest() in page  # the bytes that were sent


def test_only_an_admin_may_send_it(client, login, year):  # noqa: F811
    login("senior_reviewer")
    page = client.get(SCREEN).get_data(as_text=True)
    assert "Send the 2015/16 report" not in page and "an admin sends it" in page
    token = form_token(client, SCREEN)
    refused = client.post(SCREEN + "send", data={"csrf_token": token, "year": "2015/16"})
    assert refused.status_code == 403
    assert "2015/16" not in client.get(PAGE).get_data(as_text=True)


def test_a_year_not_yet_ended_cannot_be_sent(client, login, session):
    login("admin")
    token = form_token(client, SCREEN)
    page = client.post(SCREEN + "send", data={"csrf_token": token, "year": "2099/00"},
                       follow_redirects=True).get_data(as_text=True)
    assert "available from 1 April 2100" in page
    assert "2099/00" not in client.get(PAGE).get_data(as_text=True)


def test_a_year_nobody_published_for_is_not_sent(client, login, session):
    login("admin")
    token = form_token(client, SCREEN)
    page = client.post(SCREEN + "send", data={"csrf_token": token, "year": "2001/02"},
                       follow_redirects=True).get_data(as_text=True)
    assert "No organisation published an assessment for 2001/02" in page
    assert "2001/02" not in client.get(PAGE).get_data(as_text=True)
