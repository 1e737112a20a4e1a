"""/reports/assessments: every published assessment's scores, for anyone, never what the
review wrote or the organisation's plan."""

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from backoffice.cases.models import Assessment, Case
from backoffice.extensions import db
from backoffice.organisations.models import Organisation
from backoffice.reports import assessments
from backoffice.reviews.guards import latest_assessment
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed

URL = "/reports/assessments"


def _publish(client, ods_code: str, number: int, published_at: str, **assessment):
    payload = body(notification_id=f"IGT-{number}", published_at=published_at)
    payload["organisation"]["ods_code"] = ods_code
    payload["assessment"].update(assessment)
    return post_processed(client, payload)


def _two_organisations(client, session):
    OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    OrganisationFactory(ods_code="5QJ", name="Hillside Trust", org_type="NHS Trust")
    session.commit()
    _publish(client, "8HV48", 1, "2016-03-30T14:00:00Z")
    reference = _publish(client, "5QJ", 2, "2016-02-01T10:00:00Z")["case_reference"]
    return reference


def test_an_unreviewed_publication_is_listed_with_its_scores_without_logging_in(
        client, session):
    _two_organisations(client, session)
    page = client.get(URL).get_data(as_text=True)
    assert "Rosewood Care Home" in page and "Hillside Trust" in page
    assert page.index("Rosewood") < page.index("Hillside")  # newest first
    assert "114: Level 2" in page and "304: Not Relevant" in page and "117: Level 1" in page
    assert "Train remaining staff" not in page and "Registered Manager" not in page


def test_a_confirmed_outcome_shows_and_the_reviews_words_never_do(client, session):
    reference = _two_organisations(client, session)
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    case.outcome, case.outcome_reasons = "satisfactory", "Reviewer's private reasoning"
    db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert "Satisfactory" not in page  # not confirmed while the case is open
    case.status = "sending_letters"  # confirmed: its letters still going
    case.publish(latest_assessment(db.session, case), datetime(2016, 5, 1, tzinfo=UTC))
    db.session.commit()
    page = client.get(URL, query_string={"q": "hillside"}).get_data(as_text=True)
    assert "Satisfactory" in page and "Rosewood" not in page
    assert "private reasoning" not in page
    row = assessments.page(db.session, assessments.Filters(search="5qj")).rows[0]
    detail = client.get(f"{URL}/{row.id}").get_data(as_text=True)
    assert "Satisfactory" in detail and "Level 2" in detail
    assert "private reasoning" not in detail and "Train remaining staff" not in detail


def test_filters_by_type_version_and_year(client, session):
    _two_organisations(client, session)
    _publish(client, "8HV48", 3, "2015-03-01T10:00:00Z", toolkit_version=12,
             reporting_year="2014/15")

    def names(**args):
        page = client.get(URL, query_string=args).get_data(as_text=True)
        return sorted({n for n in ("Rosewood", "Hillside") if n in page}), page.count("<tr>") - 1

    assert names(org_type="NHS Trust") == (["Hillside"], 1)
    assert names(version="12") == (["Rosewood"], 1)
    assert names(year="2015/16") == (["Hillside", "Rosewood"], 2)
    assert names(q="8hv48") == (["Rosewood"], 2)
    page = client.get(URL, query_string={"year": "2015"}).get_data(as_text=True)
    assert "Write the year as 2015/16." in page


def test_keyset_pages_walk_every_assessment_once(client, session):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    for number in range(5):
        _publish(client, "8HV48", number, f"2016-01-0{number + 1}T10:00:00Z")
    seen, after = [], None
    while True:
        page = assessments.page(db.session, assessments.Filters(), after=after, size=2)
        seen += [row.published for row in page.rows]
        after = page.next_cursor
        if after is None:
            break
        after = assessments.Cursor.parse(after.token())
    assert seen == [f"2016-01-0{day}" for day in (5, 4, 3, 2, 1)]


def test_the_csv_lists_every_assessment_with_its_levels(client, session):
    _two_organisations(client, session)
    OrganisationFactory(ods_code="ZZ1", name="=cmd|' /C calc'!A0")
    session.commit()
    _publish(client, "ZZ1", 9, "2016-01-01T10:00:00Z")
    response = client.get(URL + ".csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["ods_code"] for r in rows] == ["8HV48", "5QJ", "ZZ1"]
    assert rows[0]["requirement_levels"] == "114: Level 2; 304: Not Relevant; 117: Level 1"
    assert rows[0]["published"] == "2016-03-30" and rows[0]["review_outcome"] == ""
    assert rows[2]["organisation"].startswith("'=")
    assert client.get(URL + ".csv", query_string={"version": "x"}).status_code == 400


def test_an_unknown_assessment_is_404(client):
    assert client.get(f"{URL}/999").status_code == 404
    assert client.get(f"{URL}/abc").status_code == 404


def test_the_organisations_comments_and_evidence_are_never_public(client, session):
    OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    payload = body()
    payload["assessment"]["requirements"][0].update(
        comment="Private: our IG lead is on long-term sick leave.",
        evidence=[{"name": "sick-leave-note.pdf", "uploaded_at": "2016-03-01T10:00:00Z",
                   "url": "https://toolkit.example/evidence/secret"}])
    post_processed(client, payload)
    for url in (URL, URL + ".csv"):
        page = client.get(url).get_data(as_text=True)
        assert "Rosewood" in page
        assert "long-term sick leave" not in page and "sick-leave-note" not in page
        assert "toolkit.example" not in page
def test_an_unreviewed_publications_comments_never_show(client, session):
    """Whatever a requirement carries besides its level (a comment, evidence) stays private:
    the page, the detail and the CSV show the level only."""
    _two_organisations(client, session)
    assessment = db.session.scalar(select(Assessment).join(Assessment.organisation).where(
        Organisation.ods_code == "8HV48"))
    assessment.requirements = [{**item, "comment": "Our shredder is broken",
                                "evidence": ["shredder-log.pdf"]}
                               for item in assessment.requirements]
    db.session.commit()
    anyone = client.application.test_client()
    page = anyone.get(URL).get_data(as_text=True)
    detail = anyone.get(f"{URL}/{assessment.id}").get_data(as_text=True)
    download = anyone.get(URL + ".csv").get_data(as_text=True)
    for text in (page, detail, download):
        assert "114" in text
        assert "shredder" not in text.lower()
