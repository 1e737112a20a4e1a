"""The notifications list, the review rules and the case list in the staff screens."""

from sqlalchemy import select

from backoffice.cases.models import ReviewRule
from backoffice.notifications.models import Notification
from tests.conftest import form_token
from tests.factories import OrganisationFactory
from tests.payloads import body, post, post_processed


def test_admins_see_rejected_notifications_with_their_errors_and_the_body(client, login,
                                                                           session):
    payload = body()
    payload["assessment"]["requirements"][0]["level"] = 4
    post(client, payload)
    login("admin")
    listing = client.get("/admin/notification/?flt0_0=rejected").get_data(as_text=True)
    assert "IGT-13-000123" in listing
    assert "assessment.requirements.0.level" in listing
    notification = session.scalar(select(Notification))
    details = client.get(f"/admin/notification/details/?id={notification.id}")
    assert "Rosewood Care Home" in details.get_data(as_text=True)


def test_an_admin_adds_a_review_rule_that_then_opens_cases(client, login, session):
    OrganisationFactory(ods_code="0DE", org_type="Commissioning Support Unit")
    session.commit()
    login("admin")
    url = "/admin/rule/new/"
    response = client.post(url, data={
        "csrf_token": form_token(client, url), "position": "10",
        "org_type": "Commissioning Support Unit", "toolkit_version": "", "opens_case": "y",
        "active": "y", "description": "CSUs are reviewed this year"})
    assert response.status_code == 302
    rule = session.scalar(select(ReviewRule))
    assert (rule.org_type, rule.toolkit_version, rule.opens_case) == (
        "Commissioning Support Unit", None, True)
    payload = body(applications=[])
    payload["organisation"]["ods_code"] = "0DE"
    assert post_processed(client, payload)["case_reference"] is not None


def test_the_case_list_shows_reasons_groups_and_due_dates(client, login, session):
    OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    reference = post_processed(client, body())["case_reference"]
    login("reviewer")
    page = client.get("/admin/case/").get_data(as_text=True)
    assert reference in page and "Rosewood Care Home" in page
    assert "CAG 4-08(b)/2013" in page and "<strong>CAG</strong>" in page
    assert "working days left" in page


def test_helpdesk_cannot_change_review_rules_and_reviewers_cannot_see_notifications(
        client, login):
    login("helpdesk")
    assert client.get("/admin/rule/").status_code == 403
    assert client.get("/admin/unmatched/").status_code == 200
    client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})
    login("reviewer")
    assert client.get("/admin/notification/").status_code == 403


def test_the_rules_page_explains_the_built_in_default_and_refuses_a_taken_position(
        client, login, session):
    login("admin")
    page = client.get("/admin/rule/").get_data(as_text=True)
    assert "always opens a case" in page and "recorded only: no case opens" in page
    url = "/admin/rule/new/"
    form = {"position": "10", "org_type": "", "toolkit_version": "", "opens_case": "y",
            "active": "y"}
    assert client.post(url, data={"csrf_token": form_token(client, url), **form}
                       ).status_code == 302
    again = client.post(url, data={"csrf_token": form_token(client, url), **form,
                                   "opens_case": ""})
    assert "Position 10 is already used by another rule" in again.get_data(as_text=True)
    assert len(session.scalars(select(ReviewRule)).all()) == 1
    rule = session.scalar(select(ReviewRule))
    edit = f"/admin/rule/edit/?id={rule.id}"
    kept = client.post(edit, data={"csrf_token": form_token(client, edit), **form,
                                   "description": "same position, itself"})
    assert kept.status_code == 302  # a rule keeps its own position when edited


def test_a_rejected_notification_says_each_error_in_words_with_the_raw_detail_folded(
        client, login, session):
    payload = body()
    payload["applications"][0]["type"] = "XYZ"
    payload["assessment"]["requirements"][0]["level"] = 4
    post(client, payload)
    login("admin")
    listing = client.get("/admin/notification/?flt0_0=rejected").get_data(as_text=True)
    assert ("Application 1: type must be one of N3, S251, PCMD, DARS, CHOOSE_AND_BOOK, "
            "E_REFERRALS or NHS_MAIL") in listing
    assert "Requirement 1 (114): level must be at most 3" in listing
    folded = listing[listing.index("<details><summary"):]
    assert "<code>applications.0.type</code>" in folded
