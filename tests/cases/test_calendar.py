"""The version calendar: the admin keeps it; a publication that disagrees with it, or comes
after 31 March of its reporting year, is accepted and flagged on its case."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backoffice.cases.calendar import ToolkitVersion, deadline, publication_flags
from backoffice.core.audit import AuditEvent
from tests.conftest import form_token

CALENDAR = {12: "2014/15", 13: "2015/16"}


def test_the_deadline_is_the_end_of_31_march_of_the_end_year_uk_time():
    # British Summer Time has always begun by 31 March: midnight in the UK is 23:00 UTC
    assert deadline("2015/16") == datetime(2016, 3, 31, 23, 0, tzinfo=UTC)
    assert deadline("2014/15") == datetime(2015, 3, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(("version", "year", "published", "flags"), [
    (13, "2015/16", "2016-03-31T22:59:59+00:00", []),
    (13, "2015/16", "2016-03-31T23:00:00+00:00", ["late_publication"]),
    (12, "2015/16", "2015-11-02T10:00:00+00:00", ["version_year_mismatch"]),
    (13, "2014/15", "2015-06-02T10:00:00+00:00", ["version_year_mismatch",
                                                  "late_publication"]),
    (14, "2016/17", "2016-07-01T10:00:00+00:00", []),  # a version not in the calendar
])
def test_publication_flags(version, year, published, flags):
    assert publication_flags(CALENDAR, version=version, reporting_year=year,
                             published_at=datetime.fromisoformat(published)) == flags


def test_an_admin_adds_a_version_to_the_calendar_and_it_is_audited(client, login, session):
    login("admin")
    url = "/admin/toolkit_version/new/"
    response = client.post(url, data={"csrf_token": form_token(client, url), "version": "14",
                                      "reporting_year": "2016/17", "released_on": "2016-06-01"})
    assert response.status_code == 302
    version = session.scalar(select(ToolkitVersion))
    assert (version.version, version.reporting_year, str(version.released_on)) == (
        14, "2016/17", "2016-06-01")
    assert session.scalar(select(AuditEvent.summary).where(
        AuditEvent.entity_type == "toolkit_versions")) == "v14 (2016/17)"
    assert "2016/17" in client.get("/admin/toolkit_version/").get_data(as_text=True)


def test_a_reporting_year_that_is_not_two_consecutive_years_is_refused(client, login, session):
    login("admin")
    url = "/admin/toolkit_version/new/"
    response = client.post(url, data={"csrf_token": form_token(client, url), "version": "14",
                                      "reporting_year": "2016/18"})
    assert response.status_code == 200
    assert session.scalar(select(ToolkitVersion)) is None


def test_reviewers_cannot_change_the_calendar(client, login):
    login("reviewer")
    assert client.get("/admin/toolkit_version/").status_code == 403
