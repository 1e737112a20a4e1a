"""An unknown ODS code waits in the helpdesk's list; registering or linking opens the case."""

from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.core.audit import AuditEvent
from backoffice.notifications.models import Notification
from tests.conftest import form_token
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed


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
    assert "1 waiting notification(s) from 8HV48 processed" in response.get_data(as_text=True)
    session.expire_all()
    assert notification.status == "processed"
    assert session.scalar(select(Case)).organisation.ods_code == "8HV48"
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
