"""An admin sends the 2015/16 compliance report with one button; CQC, Monitor and the Cabinet
Office each receive it once; anyone, not logged in, then finds it on the Publications page,
reads the counts per organisation category and downloads exactly the file that was sent."""

import hashlib
from pathlib import Path

import pytest

from backoffice.letters import jobs
from tests.browser.accessibility import problems
from tests.browser.conftest import log_in, screenshot
from tests.compliance.test_report import year  # noqa: F401 (fixture)
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_an_admin_sends_the_report_and_the_public_downloads_it(
        app, page, browser, live_server, session, smtp, year):  # noqa: F811
    settings = app.extensions["settings"]
    settings.compliance_report_to = "cqc@example.org,monitor@example.org"
    settings.compliance_summary_to = "cabinet.office@example.org"
    UserFactory(email="ada@example.org", role="admin")
    session.commit()

    public = browser.new_context(base_url=live_server).new_page()
    public.goto("/reports/publications")
    assert "No compliance report has been published yet" in public.inner_text("main")

    log_in(page, "ada@example.org")
    page.goto("/admin/compliance/")
    screenshot(page, "compliance-before-sending")
    page.click("summary:has-text('Send the 2015/16 report')")
    screenshot(page, "compliance-confirm-sending")
    page.click("button:has-text('Send and publish the 2015/16 report')")
    page.wait_for_selector("text=is being sent to cqc@example.org")
    assert "Published" in page.inner_text("[data-testid=sent-reports]")
    screenshot(page, "compliance-sent")
    assert jobs.sweep()["delivered"] == 3
    received = sorted(to[0] for to, _ in smtp.inbox.messages)
    assert received == ["cabinet.office@example.org", "cqc@example.org", "monitor@example.org"]
    sent = next(m for to, m in smtp.inbox.messages if to == ["cqc@example.org"])
    mailed = next(sent.iter_attachments()).get_content()

    public.goto("/reports/publications")
    counts = public.inner_text("[data-testid=counts]")
    assert "Voluntary Sector" in counts and "Published late" in counts
    assert problems(public) == []
    screenshot(public, "publications-page")
    with public.expect_download() as download:
        public.click("[data-testid=xlsx-link]")
    downloaded = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(mailed).hexdigest()
    public.context.close()
