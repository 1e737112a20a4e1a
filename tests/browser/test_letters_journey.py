"""An outcome recorded on the case page: the letters are listed there, e-mailed, the case closed."""

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.letters import jobs, services
from tests.browser.conftest import log_in, screenshot
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post_processed

pytestmark = pytest.mark.browser



def test_an_outcome_brings_letters_to_the_case_page_and_the_mailbox(page, client, session, smtp):
    UserFactory(email="rita@example.org", role="reviewer")
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    AdministratorFactory(organisation=organisation, email="pat@rosewood.example.org")
    services.set_group_address(session, actor=SYSTEM_ACTOR, group="CAG",
                               email="cag@groups.example.org")
    services.set_group_address(session, actor=SYSTEM_ACTOR, group="IGSoC",
                               email="igsoc@groups.example.org")
    session.commit()
    payload = body(notification_id="IGT-LETTERS-JOURNEY")
    payload["assessment"]["requirements"] = [{"id": "114", "level": 2},
                                             {"id": "117", "level": 3}]
    payload["assessment"]["improvement_plan"] = []
    reference = post_processed(client, payload)["case_reference"]

    log_in(page, "rita@example.org")
    page.goto("/admin/case/")
    page.click("[data-testid=take-next]")
    page.wait_for_selector(f"text={reference} is yours")
    page.click("#agree-all")
    page.click("button:has-text('Save findings')")
    page.wait_for_selector("text=Findings saved.")
    page.check("input[name=outcome][value=satisfactory]")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector("text=Outcome recorded: Satisfactory")
    assert "being made" in page.inner_text("[data-testid=case-letters]")

    jobs.sweep()  # what the worker does with the jobs the outcome asked for
    page.reload()
    table = page.inner_text("[data-testid=case-letters]")
    assert table.count("sent") >= 3 and "CAG" in table and "IGSoC" in table
    assert page.inner_text("[data-testid=case-status]") == "Closed"
    screenshot(page, "case-letters-sent")

    session.expire_all()
    case = session.scalar(select(Case).where(Case.reference == reference))
    letter = next(lt for lt in services.current_letters(session, case) if lt.recipient == "CAG")
    with page.expect_download() as download:
        page.click(f"text={letter.filename}")
    data = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == letter.sha256
    assert sorted(to[0] for to, _ in smtp.inbox.messages) == [
        "cag@groups.example.org", "igsoc@groups.example.org", "pat@rosewood.example.org"]
