"""A reviewer reads what the organisation wrote: opens a case, reads a folded comment,
searches the requirements, sees the evidence, the covers warning and the history panel."""

import pytest
from sqlalchemy import select, update

from backoffice.cases.models import Case
from tests.browser.conftest import ARTEFACTS, log_in, screenshot
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post_processed

pytestmark = pytest.mark.browser

TRAINING = ("All staff complete the Data Security Awareness module when they join and every "
            "year after. The registered manager keeps a training log, checked at each "
            "supervision; agency staff sign the confidentiality code before their first "
            "shift. " * 4).strip()


def _requirements(levels: dict[str, int], with_statements: bool) -> list[dict]:
    found = []
    for rid, level in levels.items():
        item = {"id": rid, "level": level}
        if with_statements:
            item["comment"] = TRAINING if rid == "117" else f"Policy {rid} reviewed in 2016."
            item["evidence"] = [{"name": f"Policy {rid}.pdf", "description": "Board approved",
                                 "uploaded_at": "2016-03-01T10:00:00Z", "size_bytes": 52_000,
                                 "url": f"https://toolkit.example.org/evidence/{rid}"}]
        found.append(item)
    return found


def _publish(client, session, *, number: int, levels, statements: bool) -> str:
    payload = body(notification_id=f"IGT-JOURNEY-{number}",
                   published_at=f"{2015 + number}-03-20T10:00:00Z")
    payload["organisation"]["ods_code"] = "8HV70"
    payload["assessment"].update(
        toolkit_version=12 + number, reporting_year=f"{2014 + number}/{15 + number}",
        requirements=_requirements(levels, statements), improvement_plan=[],
        covers=[{"kind": "study", "name": "Falls study", "reference": "CAG 1-01/2015"},
                {"kind": "branch", "name": "Rosewood Annexe", "ods_code": "8HV71"}])
    return post_processed(client, payload)["case_reference"]


def test_a_reviewer_reads_comments_searches_and_sees_evidence_and_history(page, client,
                                                                          session):
    UserFactory(email="rita@example.org", role="reviewer", name="Rita Reviewer")
    AdministratorFactory(organisation=OrganisationFactory(ods_code="8HV70",
                                                          name="Rosewood Care Home"))
    session.commit()
    earlier = _publish(client, session, number=0, statements=False,
                       levels={"114": 1, "115": 2, "116": 2, "117": 2, "202": 3})
    session.execute(update(Case).where(Case.reference == earlier).values(
        status="closed", outcome="satisfactory"))
    session.commit()
    reference = _publish(client, session, number=1, statements=True,
                         levels={"114": 2, "115": 2, "116": 1, "117": 2, "202": 3})
    case = session.scalar(select(Case).where(Case.reference == reference))

    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "rita@example.org")
    page.goto(f"/admin/case/review/{case.id}")
    # the S251 reference is in no cover: said before anything else
    assert "Check the covers before recording an outcome" in page.inner_text(
        "[data-testid=cover-warnings]")
    screenshot(page, "case-page-top")
    page.click("button:has-text('Take this case')")
    page.wait_for_selector(f"text={reference} is yours")

    # a long comment is folded; opening it shows all of it
    folded = page.locator("[data-testid=folded-comment-117]")
    assert not folded.evaluate("d => d.open")
    folded.locator("summary").click()
    assert folded.evaluate("d => d.open")
    assert "agency staff sign the confidentiality code" in folded.inner_text()
    page.locator("#req-117").screenshot(path=str(ARTEFACTS / "case-page-folded.png"))

    # search: only rows mentioning the word stay, and Enter never saves the findings
    page.fill("#requirement-search", "confidentiality code")
    page.keyboard.press("Enter")
    assert page.inner_text("[data-testid=requirement-search-count]") == \
        "1 of 5 requirements shown."
    assert page.locator("#req-117").is_visible()
    assert not page.locator("#req-114").is_visible()
    assert "Findings saved" not in page.content()
    assert page.locator("[data-testid=unsaved-note]").is_hidden()  # searching saves nothing
    # where the words are is marked (both words, in the comment, four times each)
    assert page.evaluate("CSS.highlights.get('requirement-search').size") >= 8
    # (screenshot after the click: a full-page screenshot scrolls the page under the mouse)
    page.click("#agree-all")  # only the rows shown
    screenshot(page, "case-page-search")
    assert page.is_checked("input[name=agree-117][value=agree]")
    assert not page.is_checked("input[name=agree-114][value=agree]")
    page.fill("#requirement-search", "nothing like this")
    assert page.inner_text("[data-testid=requirement-search-count]") == \
        "No requirement matches “nothing like this”."
    page.press("#requirement-search", "Escape")
    assert page.locator("#req-114").is_visible()

    # evidence: named, described, dated and sized; a link that opens apart from the page
    evidence = page.locator("[data-testid=evidence-114]")
    assert "Policy 114.pdf — Board approved (uploaded 1 Mar 2016, 51 KB)" in \
        evidence.inner_text()
    link = evidence.locator("a")
    assert link.get_attribute("rel") == "noopener noreferrer"

    # history: the earlier case, the changes since it
    history = page.locator("[data-testid=history]")
    history.scroll_into_view_if_needed()
    assert earlier in history.inner_text()
    assert "1 up, 1 down, 3 the same" in page.inner_text("[data-testid=changes-summary]")
    assert "up from level 1" in page.inner_text("[data-testid=change-114]")
    assert "down from level 2" in page.inner_text("[data-testid=change-116]")
    history.screenshot(path=str(ARTEFACTS / "case-page-history.png"))
    screenshot(page, "case-page-full")

    # the queue shows the case's flags as badges, and filters by them
    page.goto("/admin/case/")
    row = page.locator("tr", has=page.locator(f"a:text-is('{reference}')"))
    assert "An application's reference is in none" in row.inner_text()
    screenshot(page, "case-page-queue-flags")
    assert errors == []  # no script failed on the way
