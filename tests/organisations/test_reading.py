"""Reviewers read organisations and exemptions without changing them; the helpdesk reads a
case without recording anything; each reaches the other from the page they are on."""

from backoffice.cases.models import Case
from tests.conftest import form_token
from tests.factories import CaseFactory, ExemptionFactory, OrganisationFactory


def test_a_reviewer_reads_an_organisation_with_its_cases_but_cannot_change_it(
        client, login, session):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    case = CaseFactory(organisation=organisation)
    session.commit()
    login("reviewer")
    details = client.get(f"/admin/organisation/details/?id={organisation.id}")
    html = details.get_data(as_text=True)
    assert details.status_code == 200
    assert f'<a href="/admin/case/review/{case.id}">{case.reference}</a>' in html
    assert "/admin/organisation/edit/" not in html
    assert client.get("/admin/organisation/new/").status_code == 403
    assert client.get(f"/admin/organisation/edit/?id={organisation.id}").status_code == 403
    listing = client.get("/admin/organisation/").get_data(as_text=True)
    assert "Rosewood Care Home" in listing and "/admin/organisation/new/" not in listing


def test_a_reviewer_reads_an_exemption_but_cannot_decide_it(client, login, session):
    exemption = ExemptionFactory()
    session.commit()
    login("reviewer")
    html = client.get(f"/admin/exemption/details/?id={exemption.id}").get_data(as_text=True)
    assert "Records are on paper only" in html
    assert "/admin/exemption/decide/" not in html
    token = form_token(client, "/admin/")
    assert client.post(f"/admin/exemption/decide/{exemption.id}", data={
        "csrf_token": token, "decision": "approve", "decision_reason": "ok"}).status_code == 403


def test_a_case_page_leads_to_its_organisation(client, login, session):
    case = CaseFactory()
    session.commit()
    login("reviewer")
    html = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert f'href="/admin/organisation/details/?id={case.organisation_id}"' in html


def test_the_helpdesk_reads_a_case_but_is_offered_nothing_to_record(client, login, session):
    case = CaseFactory()
    session.commit()
    login("helpdesk")
    html = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert "Read only: reviewers record the findings and the outcome." in html
    assert "Take this case" not in html
    assert "Take next case" not in client.get("/admin/case/").get_data(as_text=True)
    assert session.get(Case, case.id).status == "unassigned"
