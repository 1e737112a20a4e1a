"""A desk review from start to end, as a reviewer and the organisation would do it: read a
comment and an evidence list, overturn a Not Relevant, see the history panel, ask for
information, the organisation replies through the link with a PDF (and is refused a program
renamed .pdf), the clock runs again, and the outcome is recorded and public at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from backoffice.cases.models import Case
from tests import samples
from tests.browser.accessibility import problems
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_reply_journey import ask as ask_for_information
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post_processed

pytestmark = pytest.mark.browser

ODS = "8HV80"
LEVELS = {"114": 2, "115": 2, "116": 3, "117": 2}
COMMENT = "All staff complete Data Security Awareness training each year; the log is kept."


def _publish(client, *, number: int, levels: dict, not_relevant: tuple = (),
             comments: bool = False) -> str:
    payload = body(notification_id=f"IGT-DESK-{number}",
                   published_at=f"{2015 + number}-03-20T10:00:00Z")
    payload["organisation"]["ods_code"] = ODS
    requirements = [{"id": rid, "level": level} for rid, level in levels.items()]
    requirements += [{"id": rid, "not_relevant": True, "comment": "No Smartcards are used."}
                     for rid in not_relevant]
    if comments:
        requirements[0].update(comment=COMMENT, evidence=[{
            "name": "training-log-2016.pdf", "description": "Training log",
            "uploaded_at": "2016-03-01T10:00:00Z", "size_bytes": 48_211}])
    payload["assessment"].update(
        toolkit_version=12 + number, reporting_year=f"{2014 + number}/{15 + number}",
        requirements=requirements, improvement_plan=[],
        covers=[{"kind": "study", "name": "Falls study", "reference": "CAG 4-08(b)/2013"}])
    payload["applications"] = [{"type": "S251", "reference": "CAG 4-08(b)/2013"}]
    return post_processed(client, payload)["case_reference"]


def _reply(org, link: str, name: str, content: bytes) -> None:
    org.goto(link)
    org.fill("#from_name", "Pat Manager")
    org.fill("#message", "Attached as asked.")
    org.set_input_files("#documents", files=[{"name": name, "mimeType": "application/pdf",
                                              "buffer": content}])
    org.click("button:has-text('Send the reply')")


def test_a_desk_review_from_reading_to_a_public_outcome(page, browser, client, session, smtp):
    UserFactory(email="rita@example.org", role="reviewer", name="Rita Reviewer")
    AdministratorFactory(organisation=OrganisationFactory(ods_code=ODS, name="Elm Lodge"),
                         name="Pat Manager", email="pat@elm.example.org")
    session.commit()
    earlier = _publish(client, number=0, levels={**LEVELS, "114": 1, "304": 2})
    session.execute(update(Case).where(Case.reference == earlier).values(
        status="closed", outcome="satisfactory"))
    session.commit()
    reference = _publish(client, number=1, levels=LEVELS, not_relevant=("304",),
                         comments=True)
    case = session.scalar(select(Case).where(Case.reference == reference))

    log_in(page, "rita@example.org")
    page.goto(f"/admin/case/review/{case.id}")
    page.click("button:has-text('Take this case')")
    page.wait_for_selector(f"text={reference} is yours")

    # what the organisation wrote, beside the requirement
    assert COMMENT in page.inner_text("[data-testid=written-114]")
    assert "training-log-2016.pdf — Training log" in page.inner_text(
        "[data-testid=evidence-114]")
    # the history: last year's case, 114 up from level 1, 304 now marked Not Relevant
    history = page.inner_text("[data-testid=history]")
    assert earlier in history
    assert "up from level 1" in page.inner_text("[data-testid=change-114]")
    screenshot(page, "desk-review-reading")

    # 304 marked Not Relevant, but the reviewer finds Smartcards in use: relevant, level 2
    assert "Smartcards are not used" in page.inner_text("[data-testid=condition-304]")
    page.click("#agree-all")
    page.check("input[name=agree-304][value=differ]")
    page.select_option("select[name=level-304]", "2")
    page.fill("textarea[name=comment-304]", "Reception staff use Smartcards for e-RS.")
    page.click("button:has-text('Save findings')")
    page.wait_for_selector("text=Findings saved.")
    assert page.inner_text("[data-testid=applicable-304]") == \
        "yes: you found it relevant, level 2"

    # a doubt becomes an information request; the clock stops
    link = ask_for_information(page, session, smtp, "Please send your Smartcard access policy.")
    assert page.inner_text("[data-testid=case-status]") == "Awaiting information"

    organisation = browser.new_context(viewport={"width": 1000, "height": 900})
    org = organisation.new_page()
    org.set_default_timeout(10_000)
    _reply(org, link, "smartcards.pdf", samples.program())  # a program renamed .pdf
    org.wait_for_selector("[data-testid=reply-refused]")
    assert "Nothing was sent." in org.inner_text("[data-testid=reply-refused]")
    screenshot(org, "desk-review-reply-refused")
    _reply(org, link, "Smartcard policy.pdf", samples.pdf())
    org.wait_for_selector("text=your reply is with the reviewer")
    assert problems(org) == []
    organisation.close()

    # the reply is on the case, and the clock runs again
    page.reload()
    assert page.inner_text("[data-testid=case-status]") == "In review"
    timeline = page.inner_text("[data-testid=timeline]")
    assert "information received from Pat Manager on" in timeline
    assert "Smartcard policy.pdf" in page.inner_text("[data-testid=reply-documents]")
    assert page.locator("[data-testid=clock-paused]").count() == 0

    page.check("input[name=outcome][value=satisfactory]")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector("text=It is on the public report now.")
    screenshot(page, "desk-review-recorded")
    page.goto("/reports/outcomes")
    page.wait_for_selector("text=Elm Lodge")
    assert "Reception staff use Smartcards" not in page.content()  # findings stay private
