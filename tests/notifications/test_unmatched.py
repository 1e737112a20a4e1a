"""An unknown ODS code waits in the helpdesk's list; registering or linking opens the case."""

import re
from html import unescape
from urllib.parse import urlencode

from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.core.audit import AuditEvent
from backoffice.notifications.models import Notification
from backoffice.organisations.models import Organisation
from tests.conftest import form_token
from tests.factories import OrganisationFactory
from tests.payloads import EXAMPLE, body, post_processed


def _unmatched(client, session) -> Notification:
    assert post_processed(client, body())["status"] == "unmatched"
    return session.scalar(select(Notification))


def test_an_unknown_organisation_waits_in_the_unmatched_list(client, login, session):
    _unmatched(client, session)
    login("helpdesk")
    page = client.get("/admin/unmatched/").get_data(as_text=True)
    assert "8HV48" in page and "Rosewood Care Home" in page and "EX1 1AA" in page
    assert "Register organisation" in page and "Link to existing" in page
    assert session.scalar(select(func.count(Case.id))) == 0


def test_registering_from_the_unmatched_list_is_prefilled_and_opens_the_case(client, login,
                                                                           session):
    notification = _unmatched(client, session)
    login("helpdesk")
    url = (f"/admin/organisation/new/?ods_code=8HV48&name=Rosewood+Care+Home&org_type="
           f"Voluntary+Sector&postcode=EX1+1AA&from_notification={notification.id}")
    form = client.get(url).get_data(as_text=True)
    assert 'value="Rosewood Care Home"' in form and 'value="8HV48"' in form
    response = client.post(url, data={
        "csrf_token": form_token(client, url), "ods_code": "8HV48",
        "name": "Rosewood Care Home", "org_type": "Voluntary Sector", "postcode": "EX1 1AA",
        "address": ""}, follow_redirects=True)
    session.expire_all()
    case = session.scalar(select(Case))
    html = response.get_data(as_text=True)
    assert (f"1 waiting notification(s) from 8HV48 processed; case {case.reference} opened"
            in html)
    assert f'<a href="/admin/case/review/{case.id}">{case.reference}</a>' in html  # its page
    assert notification.status == "processed"
    assert case.organisation.ods_code == "8HV48"
    assert "8HV48" not in client.get("/admin/unmatched/").get_data(as_text=True)


def test_linking_to_an_existing_organisation_opens_the_case_and_is_audited(client, login,
                                                                           session):
    notification = _unmatched(client, session)
    OrganisationFactory(ods_code="8HV47", name="Rosewood (registered under its old code)")
    session.commit()
    helpdesk = login("helpdesk")
    url = f"/admin/unmatched/link/{notification.id}"
    response = client.post(url, data={"csrf_token": form_token(client, url),
                                      "ods_code": "8hv47"}, follow_redirects=True)
    assert "is linked; case R-" in response.get_data(as_text=True)
    session.expire_all()
    case = session.scalar(select(Case))
    assert case.organisation.ods_code == "8HV47"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "link"))
    assert event.actor == helpdesk.email
    assert event.changes == {"organisation": [None, "8HV47"]}


def test_linking_to_an_unregistered_code_is_a_field_error(client, login, session):
    notification = _unmatched(client, session)
    login("helpdesk")
    url = f"/admin/unmatched/link/{notification.id}"
    response = client.post(url, data={"csrf_token": form_token(client, url),
                                      "ods_code": "ZZZ99"})
    assert response.status_code == 200
    assert "no organisation with ODS code ZZZ99 is registered" in response.get_data(
        as_text=True)
    session.expire_all()
    assert notification.status == "unmatched"


def test_an_organisation_registered_by_import_is_picked_up_by_the_sweeper(app, client,
                                                                          session, tmp_path):
    notification = _unmatched(client, session)
    path = tmp_path / "orgs.csv"
    path.write_text("ods_code,name,org_type,address,postcode,parent_ods_code\n"
                    "8HV48,Rosewood Care Home,Voluntary Sector,,EX1 1AA,\n")
    runner = app.test_cli_runner()
    runner.invoke(args=["organisations", "import", str(path)])
    result = runner.invoke(args=["sweep"])
    assert "Swept 1 notification(s)." in result.output
    session.expire_all()
    assert notification.status == "processed" and notification.case_id is not None


def _register_url(notification: Notification, **sent) -> str:
    fields = {"ods_code": "8HV48", "name": "Rosewood Care Home", "org_type": "Voluntary Sector",
              "postcode": "EX1 1AA", "from_notification": notification.id} | sent
    return "/admin/organisation/new/?" + urlencode(fields)


def _shown_type(html: str) -> str:
    """The Type the select shows: the selected option, else the first, as a browser does."""
    select = re.search(r'<select[^>]*name="org_type".*?</select>', html, re.S).group(0)
    chosen = (re.search(r'<option selected value="([^"]*)"', select)
              or re.search(r'<option[^>]*value="([^"]*)"', select))
    return unescape(chosen.group(1))


def _search_box_fields(html: str) -> dict[str, str]:
    """What the "First, search the register" box sends besides what the officer types."""
    box = re.search(r'<form method="get".*?</form>', html, re.S).group(0)
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', box)
    return {name: unescape(value) for name, value in hidden}


def _register_link(client) -> str:
    """Where the unmatched list's "Register organisation" button leads."""
    page = client.get("/admin/unmatched/").get_data(as_text=True)
    return unescape(re.search(r'href="([^"]+)">Register organisation', page).group(1))


def test_a_type_sent_as_an_alias_is_prefilled_as_the_registers_type(client, login, session):
    sent = EXAMPLE["organisation"] | {"org_type": "care home"}
    assert post_processed(client, body(organisation=sent))["status"] == "unmatched"
    login("helpdesk")
    form = client.get(_register_link(client)).get_data(as_text=True)
    assert _shown_type(form) == "Voluntary Sector"
    notification = session.scalar(select(Notification))
    ccg = client.get(_register_url(notification, org_type="CCG"))
    assert _shown_type(ccg.get_data(as_text=True)) == "Clinical Commissioning Group"


def test_a_type_the_register_does_not_know_must_be_chosen(client, login, session):
    notification = _unmatched(client, session)
    login("helpdesk")
    url = _register_url(notification, org_type="Nursing home")
    assert _shown_type(client.get(url).get_data(as_text=True)) == ""
    response = client.post(url, data={
        "csrf_token": form_token(client, url), "ods_code": "8HV48",
        "name": "Rosewood Care Home", "org_type": "", "postcode": "EX1 1AA", "address": ""})
    assert response.status_code == 200
    assert "Choose the organisation&#39;s category" in response.get_data(as_text=True)
    assert session.scalar(select(Organisation)) is None


def test_searching_the_register_keeps_the_prefilled_form(client, login, session):
    notification = _unmatched(client, session)
    login("helpdesk")
    page = client.get(_register_url(notification, org_type="care home")).get_data(as_text=True)
    searched_url = "/admin/organisation/new/?" + urlencode(
        _search_box_fields(page) | {"q": "rosewood"})
    searched = client.get(searched_url).get_data(as_text=True)
    assert "No registered organisation matches" in searched
    assert 'value="8HV48"' in searched and 'value="Rosewood Care Home"' in searched
    assert 'value="EX1 1AA"' in searched
    assert _shown_type(searched) == "Voluntary Sector"
    response = client.post(searched_url, data={  # under another code: only from_notification
        "csrf_token": form_token(client, searched_url), "ods_code": "8HV49",  # links it
        "name": "Rosewood Care Home", "org_type": "Voluntary Sector", "postcode": "EX1 1AA",
        "address": ""})
    assert response.status_code == 302
    session.expire_all()
    assert notification.status == "processed" and notification.case_id is not None


def test_registering_under_a_corrected_code_links_the_notification_it_came_from(
        client, login, session):
    notification = _unmatched(client, session)
    helpdesk = login("helpdesk")
    url = _register_url(notification)
    response = client.post(url, data={
        "csrf_token": form_token(client, url), "ods_code": "8HV49",
        "name": "Rosewood Care Home", "org_type": "Voluntary Sector", "postcode": "EX1 1AA",
        "address": ""}, follow_redirects=True)
    assert "1 waiting notification(s) from 8HV49 processed" in response.get_data(as_text=True)
    session.expire_all()
    assert notification.status == "processed"
    assert notification.organisation.ods_code == "8HV49"
    assert session.scalar(select(Case)).organisation.ods_code == "8HV49"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "link"))
    assert event.actor == helpdesk.email
    assert event.changes == {"organisation": [None, "8HV49"]}
    assert "IGT-13-000123" not in client.get("/admin/unmatched/").get_data(as_text=True)


def test_a_notification_linked_meanwhile_is_named_and_the_organisation_still_registered(
        client, login, session):
    notification = _unmatched(client, session)
    OrganisationFactory(ods_code="8HV47", name="Rosewood (registered under its old code)")
    session.commit()
    login("helpdesk")
    link = f"/admin/unmatched/link/{notification.id}"
    client.post(link, data={"csrf_token": form_token(client, link), "ods_code": "8HV47"})
    url = _register_url(notification)
    response = client.post(url, data={
        "csrf_token": form_token(client, url), "ods_code": "8HV49",
        "name": "Rosewood Care Home", "org_type": "Voluntary Sector", "postcode": "EX1 1AA",
        "address": ""}, follow_redirects=True)
    assert "is processed, not waiting for an organisation" in response.get_data(as_text=True)
    session.expire_all()
    assert notification.organisation.ods_code == "8HV47"
    assert session.scalar(select(Organisation).where(Organisation.ods_code == "8HV49"))
