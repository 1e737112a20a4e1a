"""An admin sets CAG's address; the case's letters are made and e-mailed; the CAG member
downloads and acknowledges the letter in the portal; the public finds the outcome and its
published scores on the report."""

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.letters import jobs, services
from tests.browser.conftest import log_in, screenshot
from tests.factories import UserFactory
from tests.letters.conftest import case_in_sending_letters, people  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser



def _admin_sets_the_cag_address(browser, live_server) -> None:
    admin = browser.new_context(base_url=live_server).new_page()
    log_in(admin, "ada@example.org")
    admin.goto("/admin/group_address/new/")
    admin.select_option("#group", "CAG", force=True)  # under the select2 widget
    admin.fill("#email", "cag@groups.example.org")
    admin.click("input[type=submit][value=Save]")
    admin.wait_for_selector("text=cag@groups.example.org")
    admin.context.close()


def test_cag_acknowledges_its_letter_and_the_public_finds_the_outcome(
        page, browser, live_server, session, smtp, case_in_sending_letters):  # noqa: F811
    UserFactory(email="ada@example.org", role="admin")
    UserFactory(email="carol@cag.example.org", role="approval_group", approval_group="CAG")
    services.set_group_address(session, actor=SYSTEM_ACTOR, group="IGSoC",
                               email="igsoc@groups.example.org")
    session.commit()
    _admin_sets_the_cag_address(browser, live_server)
    case = case_in_sending_letters(groups=("CAG", "IGSoC"), ods_code="8HV48")
    jobs.sweep()  # the worker: letters made, e-mailed, the case closed
    session.expire_all()
    case = session.scalar(select(Case).where(Case.reference == case.reference))
    assert case.status == "closed"
    letter = next(lt for lt in services.current_letters(session, case) if lt.recipient == "CAG")
    [to_cag] = [m for to, m in smtp.inbox.messages if to == ["cag@groups.example.org"]]
    attachment = next(to_cag.iter_attachments())
    assert hashlib.sha256(attachment.get_content()).hexdigest() == letter.sha256

    log_in(page, "carol@cag.example.org", lands_on="**/portal/")
    table = page.inner_text("[data-testid=letters]")
    assert case.reference in table and "IGSoC" not in table
    with page.expect_download() as download:
        page.click(f"text={letter.filename}")
    assert hashlib.sha256(Path(download.value.path()).read_bytes()).hexdigest() == letter.sha256
    page.click("button:has-text('Acknowledge receipt')")
    page.wait_for_selector(f"text=Receipt of {letter.filename} acknowledged.")
    assert "Acknowledged" in page.inner_text("[data-testid=letters]")
    screenshot(page, "portal-acknowledged")

    visitor = browser.new_context(base_url=live_server).new_page()
    visitor.goto("/reports/outcomes")
    visitor.fill("#q", "8hv48")
    visitor.click("button:has-text('Search')")
    rows = visitor.inner_text("[data-testid=outcomes]")
    assert "8HV48" in rows and "Satisfactory" in rows
    visitor.click(f"text={case.organisation.name}")
    scores = visitor.inner_text("[data-testid=scores]")
    assert "Responsibility for Information Governance" in scores and "Level 2" in scores
    screenshot(visitor, "public-outcome")
    visitor.context.close()
