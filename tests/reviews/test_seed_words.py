"""The seeds' words on screen: the covers heading, attainment levels, the outcomes with their
capitals, statements as the assessment's toolkit version gives them, the issuing body from
its setting and the IG Toolkit Helpdesk."""

from __future__ import annotations

import html

from flask import current_app
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.requirements import requirement_title
from tests.factories import AdministratorFactory, OrganisationFactory
from tests.payloads import body, post_processed


def _case(client, session, *, version: int = 13, year: str = "2015/16") -> Case:
    payload = body(notification_id=f"IGT-WORDS-{version}")
    payload["assessment"].update(toolkit_version=version, reporting_year=year, requirements=[
        {"id": rid, "level": 2} for rid in ("201", "203", "206", "114")], improvement_plan=[])
    AdministratorFactory(organisation=OrganisationFactory(ods_code="8HV48"))
    session.commit()
    reference = post_processed(client, payload)["case_reference"]
    session.expire_all()
    return session.scalar(select(Case).where(Case.reference == reference))


def _page(client, case) -> str:
    return html.unescape(client.get(f"/admin/case/review/{case.id}").get_data(as_text=True))


def test_the_case_page_speaks_of_covered_organisations_and_attainment_levels(client, session,
                                                                              login):
    case = _case(client, session)
    login("reviewer")
    page = _page(client, case)
    assert "Organisations that this assessment covers" in page and "Cohort study X" in page
    assert "Covered studies" not in page
    assert ">Self-assessed attainment level</th>" in page
    assert ">Attainment level found</th>" in page


def test_a_version_12_case_shows_the_version_12_statements_and_13_the_new(client, session,
                                                                            login):
    old = _case(client, session, version=12, year="2014/15")
    login("reviewer")
    page = _page(client, old)
    for requirement in ("201", "203", "206"):
        assert f'title="{requirement_title(requirement, 12)}"' in page
        assert f'title="{requirement_title(requirement, 13)}"' not in page
    assert "Individuals are informed about the proposed uses of their personal information." \
        in page


def test_public_pages_name_the_helpdesk_and_the_issuing_body_of_the_setting(client):
    contact = client.get("/contact").get_data(as_text=True)
    assert "<h1 class=\"h3 mb-3\">Contact the IG Toolkit Helpdesk</h1>" in contact
    assert "run by\n      HSCIC." in contact
    landing = client.get("/").get_data(as_text=True)
    assert "Contact the IG Toolkit Helpdesk" in landing
    assert "Choose and Book, E-Referrals or NHS Mail" in landing
    assert "NHS Digital" not in contact + landing
    settings = current_app.extensions["settings"]
    current_app.jinja_env.globals["issuing_body"] = "NHS Example Body"
    try:
        assert "run by\n      NHS Example Body." in client.get("/contact").get_data(as_text=True)
    finally:
        current_app.jinja_env.globals["issuing_body"] = settings.issuing_body


def test_the_reasons_name_an_igsoc_service_in_words(client, session, login):
    payload = body(notification_id="IGT-WORDS-NHSMAIL")
    payload["applications"] = [{"type": "NHS_MAIL", "reference": "IGSOC-77120"}]
    AdministratorFactory(organisation=OrganisationFactory(ods_code="8HV48"))
    session.commit()
    reference = post_processed(client, payload)["case_reference"]
    case = session.scalar(select(Case).where(Case.reference == reference))
    login("reviewer")
    page = _page(client, case)
    assert "NHS Mail IGSOC-77120 → <strong>IGSoC</strong>" in page
    assert "NHS_MAIL" not in page
