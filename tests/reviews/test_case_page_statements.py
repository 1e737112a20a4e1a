"""The case page shows what the organisation wrote: each requirement's comment and evidence
beside the reviewer's finding, approved exemptions, the organisations that the assessment
covers, the case's flags (and the queue filters by them)."""

import re

from markupsafe import escape
from sqlalchemy import select, update

from backoffice.cases.models import Assessment, Case
from backoffice.core.vocabulary import flag_label
from backoffice.organisations.models import Organisation
from tests.factories import AdministratorFactory, ExemptionFactory, OrganisationFactory
from tests.payloads import body, post_processed

LONG = ("We train every new member of staff in their first week. " * 12).strip()


def _payload(ods_code="8HV48", notification_id="IGT-CP-1", covers=None, **assessment):
    payload = body(notification_id=notification_id)
    payload["organisation"]["ods_code"] = ods_code
    payload["assessment"]["requirements"] = [
        {"id": "114", "level": 2, "comment": "Our IG lead is the practice manager.",
         "evidence": [
             {"name": "IG policy.pdf", "description": "Signed by the board",
              "uploaded_at": "2016-03-01T10:00:00Z", "size_bytes": 348_160,
              "url": "https://toolkit.example.org/evidence/1"},
             {"name": "Minutes.docx", "uploaded_at": "2016-02-11T09:00:00Z"}]},
        {"id": "117", "level": 1, "comment": LONG},
        {"id": "321", "level": 0}]
    payload["assessment"]["improvement_plan"] = [
        {"requirement": "117", "action": "Train staff", "owner": "Manager",
         "target_date": "2017-03-31"}]
    if covers is not None:
        payload["assessment"]["covers"] = covers
    payload["assessment"].update(assessment)
    return payload


def _open(client, session, payload) -> Case:
    ods_code = payload["organisation"]["ods_code"]
    if session.scalar(select(Organisation).where(Organisation.ods_code == ods_code)) is None:
        AdministratorFactory(organisation=OrganisationFactory(ods_code=ods_code))
        session.commit()
    reference = post_processed(client, payload)["case_reference"]
    session.expire_all()
    return session.scalar(select(Case).where(Case.reference == reference))


def _page(client, case) -> str:
    response = client.get(f"/admin/case/review/{case.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _row(page: str, requirement: str) -> str:
    return re.search(rf'<tr id="req-{requirement}".*?</tr>', page, re.S).group(0)


def test_a_reviewer_reads_each_requirements_comment_and_evidence_beside_the_finding(
        client, login, session):
    case = _open(client, session, _payload())
    login("reviewer")
    page = _page(client, case)
    row = _row(page, "114")
    assert "Our IG lead is the practice manager." in row
    assert "Level 2" in row and 'name="agree-114"' in row  # the finding beside it
    assert ('<a href="https://toolkit.example.org/evidence/1" rel="noopener noreferrer" '
            'target="_blank">IG policy.pdf</a>') in row
    assert "Signed by the board" in row and "uploaded 1 Mar 2016, 340 KB" in row
    # a document without an address is named, never linked
    assert "<strong>Minutes.docx</strong>" in row and "uploaded 11 Feb 2016)" in row
    assert "Nothing written, no evidence." in _row(page, "321")


def test_a_long_comment_is_folded_and_the_page_offers_a_search_box(client, login, session):
    case = _open(client, session, _payload())
    login("reviewer")
    page = _page(client, case)
    row = _row(page, "117")
    assert 'data-testid="folded-comment-117"' in row
    assert f"Read the whole comment ({len(LONG):,} characters)" in row
    assert LONG in row  # all of it is on the page, to read and to search
    assert 'id="requirement-search"' in page and "case_search.js" in page
    assert "<script>" not in page  # the search is a static script: the CSP allows no other


def test_an_approved_exemption_shows_on_its_requirement_with_its_reason(client, login,
                                                                        session):
    organisation = OrganisationFactory(ods_code="8HV48")
    ExemptionFactory(organisation=organisation, requirement_id="321", status="approved",
                     reason="Records are on paper only", decision_reason="Seen the audit")
    ExemptionFactory(organisation=organisation, requirement_id="117", status="requested",
                     reason="Pending one")
    session.commit()
    case = _open(client, session, _payload())
    login("reviewer")
    page = _page(client, case)
    exempt = _row(page, "321")
    assert "Exemption approved" in exempt and "Records are on paper only" in exempt
    assert "Seen the audit" in exempt and "exempt" in exempt
    assert "Pending one" not in page  # only approved exemptions count


def test_the_covers_are_listed_with_kind_reference_and_ods_code(client, login, session):
    covers = [{"kind": "study", "name": "Cohort study X", "reference": "CAG 4-08(b)/2013"},
              {"kind": "branch", "name": "Rosewood Annexe", "ods_code": "8HV49"}]
    case = _open(client, session, _payload(covers=covers))
    login("reviewer")
    page = _page(client, case)
    assert "Organisations that this assessment covers" in page
    assert "Covered studies" not in page
    table = re.search(r'<table[^>]*data-testid="covers".*?</table>', page, re.S).group(0)
    assert re.search(r"<td>Study</td><td>Cohort study X</td><td>CAG 4-08\(b\)/2013</td>"
                     r"<td>—</td>", table)
    assert re.search(r"<td>Branch</td><td>Rosewood Annexe</td><td>—</td><td>8HV49</td>", table)
    assert 'data-testid="cover-warnings"' not in page  # the S251 reference is covered


def test_an_s251_reference_in_no_cover_is_warned_about_prominently(client, login, session):
    covers = [{"kind": "study", "name": "Another study", "reference": "CAG 9-99/2015"}]
    case = _open(client, session, _payload(covers=covers))
    session.execute(update(Assessment).where(Assessment.case_id == case.id).values(
        flags=["reference_not_in_covers"]))
    session.commit()
    login("reviewer")
    page = _page(client, case)
    warning = re.search(r'data-testid="cover-warnings".*?</div>', page, re.S).group(0)
    assert "Check the covers before recording an outcome" in warning
    assert "S251 CAG 4-08(b)/2013 is named by none of the organisations" in warning
    label = escape(flag_label("reference_not_in_covers"))
    assert f'data-flag="reference_not_in_covers">{label}<' in page


def test_empty_covers_are_warned_about_and_flagged(client, login, session):
    case = _open(client, session, _payload(covers=[]))
    session.execute(update(Assessment).where(Assessment.case_id == case.id).values(
        flags=["no_covers"]))
    session.commit()
    login("reviewer")
    page = _page(client, case)
    assert "the assessment lists no organisations that it covers" in page.lower()
    assert "None declared." in page
    assert f'data-flag="no_covers">{escape(flag_label("no_covers"))}<' in page


def test_the_queue_shows_flags_and_filters_by_them(client, login, session):
    flagged = _open(client, session, _payload(covers=[], notification_id="IGT-Q-1"))
    other = _open(client, session, _payload(ods_code="8HV50", notification_id="IGT-Q-2"))
    session.execute(update(Assessment).where(Assessment.case_id == flagged.id).values(
        flags=["baseline", "no_covers", "late_publication"]))
    session.commit()
    login("reviewer")
    html = client.get("/admin/case/").get_data(as_text=True)
    assert f'data-flag="no_covers">{escape(flag_label("no_covers"))}<' in html
    from tests.reviews.test_queue_screen import _filter_options, _listed
    [(index, _, options)] = _filter_options(client, "Flag")
    labels = dict(options)
    assert list(labels)[:3] == ["reference_not_in_covers", "no_covers", "baseline"]
    assert labels["baseline"] == "Baseline: the organisation's first publication"
    assert "republished" not in labels  # the queue's own Republished column and filter
    assert labels["late_publication"].startswith("Published after 31 March")
    assert _listed(client, f"/admin/case/?flt0_{index}=no_covers") == {flagged.reference}
    assert _listed(client, f"/admin/case/?flt0_{index}=late_publication") == {
        flagged.reference}
    assert other.reference not in _listed(client, f"/admin/case/?flt0_{index}=no_covers")
    # each is its organisation's first publication: the engine marks both baseline
    assert {flagged.reference, other.reference} <= _listed(
        client, f"/admin/case/?flt0_{index}=baseline")
    # a value that is no flag is not applied: no error, the queue as it is
    assert client.get(f"/admin/case/?flt0_{index}=%25").status_code == 200


def test_a_republication_without_the_gap_clears_the_flag_from_the_filter(client, login,
                                                                         session):
    case = _open(client, session, _payload(covers=[], notification_id="IGT-R-1"))
    session.execute(update(Assessment).where(Assessment.case_id == case.id).values(
        flags=["no_covers"]))
    session.commit()
    republished = _payload(notification_id="IGT-R-2")
    republished["published_at"] = "2016-03-31T10:00:00Z"
    post_processed(client, republished)
    login("reviewer")
    from tests.reviews.test_queue_screen import _filter_options, _listed
    [(index, _, _)] = _filter_options(client, "Flag")
    assert case.reference not in _listed(client, f"/admin/case/?flt0_{index}=no_covers")
