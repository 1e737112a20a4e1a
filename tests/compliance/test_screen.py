"""The compliance report download in the staff screens."""

from io import BytesIO

from openpyxl import load_workbook

from tests.compliance.test_report import EXPECTED_ROWS, year  # noqa: F401 (fixture)
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed


def test_a_senior_reviewer_downloads_the_xlsx(client, login, year):  # noqa: F811
    login("senior_reviewer")
    page = client.get("/admin/compliance/").get_data(as_text=True)
    assert '<option value="2015/16">' in page
    response = client.get("/admin/compliance/download?year=2015/16&format=xlsx")
    assert response.status_code == 200
    assert "compliance-2015-16.xlsx" in response.headers["Content-Disposition"]
    rows = list(load_workbook(BytesIO(response.data)).worksheets[0].iter_rows(
        values_only=True))
    assert [row[0] for row in rows[2:]] == [row[0] for row in EXPECTED_ROWS]


def test_an_admin_downloads_the_cabinet_office_csv(client, login, year):  # noqa: F811
    login("admin")
    response = client.get("/admin/compliance/download?year=2015/16&format=counts.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).splitlines()[1:] == [
        "GP Practice,1,1,0", "NHS Trust,1,1,0", "Voluntary Sector,2,3,1"]


def test_a_year_not_yet_ended_is_refused_with_the_date_it_opens(client, login):
    login("admin")
    response = client.get("/admin/compliance/download?year=2099/00&format=xlsx",
                          follow_redirects=True)
    assert response.status_code == 200
    assert "available from 1 April 2100" in response.get_data(as_text=True)


def test_reviewers_and_the_helpdesk_may_not_download_it(client, login):
    login("reviewer")
    assert client.get("/admin/compliance/download?year=2015/16").status_code == 403
    assert client.get("/admin/compliance/").status_code == 403


def test_the_year_picker_offers_only_years_that_have_ended(client, login, session,
                                                          year):  # noqa: F811
    OrganisationFactory(ods_code="8HV77")
    session.commit()
    running = body(notification_id="IGT-RUNNING", published_at="2099-03-30T14:22:05Z")
    running["organisation"]["ods_code"] = "8HV77"
    running["assessment"]["reporting_year"] = "2098/99"
    assert post_processed(client, running)["status"] == "processed"
    login("admin")
    page = client.get("/admin/compliance/").get_data(as_text=True)
    assert '<option value="2015/16">' in page
    assert "2098/99" not in page  # its 31 March has not passed
