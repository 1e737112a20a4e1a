"""The helpdesk registers organisations in the admin screens."""

from html import unescape

from sqlalchemy import select

from backoffice.core.audit import AuditEvent
from backoffice.organisations.models import Organisation
from tests.conftest import form_token
from tests.factories import AdministratorFactory, OrganisationFactory

NEW = "/admin/organisation/new/"


def _register(client, **fields):
    data = {"ods_code": "8HV48", "name": "Rosewood Care Home", "org_type": "Voluntary Sector",
            "address": "1 Rose Lane, Exeter", "postcode": "ex1 1aa"}
    data.update(fields)
    data["csrf_token"] = form_token(client, NEW)
    return client.post(NEW, data=data)


def _field_errors(response) -> str:
    return response.get_data(as_text=True)


def test_helpdesk_registers_an_organisation_with_normalised_codes(client, login, session):
    login("helpdesk")
    response = _register(client, ods_code=" 8hv48 ", postcode="ex11aa")
    assert response.status_code == 302
    organisation = session.scalar(select(Organisation))
    assert organisation.ods_code == "8HV48"
    assert organisation.postcode == "EX1 1AA"


def test_an_invalid_ods_code_is_a_field_error_and_nothing_is_saved(client, login, session):
    login("helpdesk")
    response = _register(client, ods_code="8H-V!")
    assert response.status_code == 200
    assert "is not an ODS code" in _field_errors(response)
    assert session.scalar(select(Organisation)) is None


def test_an_invalid_postcode_is_a_field_error_and_nothing_is_saved(client, login, session):
    login("helpdesk")
    response = _register(client, postcode="NOT A POSTCODE")
    assert "is not a valid UK postcode" in _field_errors(response)
    assert session.scalar(select(Organisation)) is None


def test_a_duplicate_ods_code_is_refused_with_a_link_to_the_existing_one(client, login,
                                                                         session):
    existing = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    login("helpdesk")
    response = _register(client, name="Another name")
    html = _field_errors(response)
    assert "is already registered" in html
    assert f'/admin/organisation/details/?id={existing.id}' in html
    assert session.query(Organisation).count() == 1


def test_a_branch_is_registered_under_its_head_office(client, login, session):
    head_office = OrganisationFactory(ods_code="FWC00", name="Wellcare Head Office",
                                      org_type="Pharmacy Head Office")
    session.commit()
    login("helpdesk")
    response = _register(client, ods_code="FWC01", name="Wellcare Exeter",
                         org_type="Community Pharmacy", parent=str(head_office.id))
    assert response.status_code == 302
    branch = session.scalar(select(Organisation).where(Organisation.ods_code == "FWC01"))
    assert branch.parent.ods_code == "FWC00"
    details = client.get(f"/admin/organisation/details/?id={head_office.id}")
    assert "Wellcare Exeter" in details.get_data(as_text=True)


def test_an_organisation_has_several_administrators(client, login, session):
    login("helpdesk")
    response = _register(client, **{
        "administrators-0-name": "Pat Manager", "administrators-0-email": "pat@example.org",
        "administrators-0-phone": "0300 111 2222",
        "administrators-1-name": "Sam Deputy", "administrators-1-email": "sam@example.org",
    })
    assert response.status_code == 302
    organisation = session.scalar(select(Organisation))
    assert [a.email for a in organisation.administrators] == ["pat@example.org",
                                                              "sam@example.org"]


def test_an_administrator_with_a_bad_email_is_a_field_error(client, login, session):
    login("helpdesk")
    response = _register(client, **{"administrators-0-name": "Pat",
                                    "administrators-0-email": "not-an-email"})
    assert response.status_code == 200
    assert "is not a valid e-mail address" in unescape(response.get_data(as_text=True))
    assert session.scalar(select(Organisation)) is None


def test_the_register_screen_searches_first(client, login, session):
    OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home", postcode="EX1 1AA")
    OrganisationFactory(ods_code="A81001", name="Marsh Road Surgery", postcode="LS1 2AB")
    session.commit()
    login("helpdesk")
    by_name = client.get(NEW + "?q=rosewood").get_data(as_text=True)
    assert "8HV48" in by_name and "A81001" not in by_name
    by_postcode = client.get(NEW + "?q=ls12ab").get_data(as_text=True)
    assert "Marsh Road Surgery" in by_postcode
    nothing = client.get(NEW + "?q=zzzz").get_data(as_text=True)
    assert "No registered organisation matches" in nothing


def _edit(client, organisation, follow_redirects=False, **fields):
    url = f"/admin/organisation/edit/?id={organisation.id}"
    data = {"ods_code": organisation.ods_code, "name": organisation.name,
            "org_type": organisation.org_type, "address": organisation.address,
            "postcode": organisation.postcode, "csrf_token": form_token(client, url)}
    if organisation.parent_id:
        data["parent"] = str(organisation.parent_id)
    data.update(fields)
    return client.post(url, data=data, follow_redirects=follow_redirects)


def test_an_organisation_cannot_be_its_own_parent(client, login, session):
    head_office = OrganisationFactory(ods_code="FWC00", name="Wellcare Head Office")
    session.commit()
    login("helpdesk")
    response = _edit(client, head_office, parent=str(head_office.id))
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert "an organisation cannot be its own parent" in page
    assert "Circular dependency" not in page
    session.expire_all()
    assert head_office.parent_id is None


def test_a_parent_that_would_make_a_loop_is_a_field_error(client, login, session):
    head_office = OrganisationFactory(ods_code="FWC00", name="Wellcare Head Office")
    branch = OrganisationFactory(ods_code="FWC01", name="Wellcare Exeter", parent=head_office)
    session.commit()
    login("helpdesk")
    response = _edit(client, head_office, parent=str(branch.id))
    assert response.status_code == 200
    assert ("FWC01 as its parent would make a loop: FWC01's parent is FWC00"
            in unescape(response.get_data(as_text=True)))
    session.expire_all()
    assert head_office.parent_id is None


def test_names_and_administrator_emails_are_tidied_as_the_register_does(client, login,
                                                                        session):
    OrganisationFactory(ods_code="A81001", name="Acorn Surgery")
    session.commit()
    login("helpdesk")
    response = _register(client, name="  Ux2   Test ", **{
        "administrators-0-name": "  Pat   Manager ",
        "administrators-0-email": " Pat.Manager@Example.ORG "})
    assert response.status_code == 302
    organisation = session.scalar(select(Organisation).where(Organisation.ods_code == "8HV48"))
    assert organisation.name == "Ux2 Test"
    administrator = organisation.administrators[0]
    assert (administrator.name, administrator.email) == ("Pat Manager",
                                                         "pat.manager@example.org")
    page = client.get("/admin/organisation/").get_data(as_text=True)
    listed = page[page.index("<table"):]
    assert listed.index("Acorn Surgery") < listed.index("Ux2 Test")


def test_editing_tidies_the_name_too(client, login, session):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    login("helpdesk")
    assert _edit(client, organisation, name="  Rosewood   House ").status_code == 302
    session.expire_all()
    assert organisation.name == "Rosewood House"


def test_editing_changes_removes_and_adds_administrators_each_audited(client, login, session):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    pat = AdministratorFactory(organisation=organisation, name="Pat", email="pat@example.org")
    sam = AdministratorFactory(organisation=organisation, name="Sam", email="sam@example.org")
    session.commit()
    login("helpdesk")
    response = _edit(client, organisation, **{
        "administrators-0-id": str(pat.id), "administrators-0-name": "Pat  Manager",
        "administrators-0-email": "pat@example.org",
        "administrators-1-id": str(sam.id), "administrators-1-name": "Sam",
        "administrators-1-email": "sam@example.org", "del-administrators-1": "on",
        "administrators-2-name": "Jo New", "administrators-2-email": "Jo@Example.org"})
    assert response.status_code == 302
    session.expire_all()
    assert [(a.name, a.email) for a in organisation.administrators] == [
        ("Pat Manager", "pat@example.org"), ("Jo New", "jo@example.org")]
    actions = {(row.action, row.summary) for row in session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "organisation_administrators", AuditEvent.actor != "system"))}
    assert actions == {("update", "Pat Manager <pat@example.org>"),
                       ("delete", "Sam <sam@example.org>"),
                       ("create", "Jo New <jo@example.org>"),
                       # the form's default for a new administrator: the log-in invitation
                       ("invite", "Jo New <jo@example.org>")}


def test_another_organisations_administrator_is_not_edited_from_this_screen(client, login,
                                                                            session):
    organisation = OrganisationFactory(ods_code="8HV48")
    other = AdministratorFactory(organisation=OrganisationFactory(ods_code="8HV49"),
                                 name="Kim", email="kim@example.org")
    session.commit()
    login("helpdesk")
    response = _edit(client, organisation, **{
        "administrators-0-id": str(other.id), "administrators-0-name": "Taken over",
        "administrators-0-email": "kim@example.org"}, follow_redirects=True)
    assert "8HV48 has no administrator" in response.get_data(as_text=True)
    session.expire_all()
    assert other.name == "Kim" and other.organisation.ods_code == "8HV49"


def test_editing_can_take_a_branch_off_its_head_office(client, login, session):
    head_office = OrganisationFactory(ods_code="FWC00")
    branch = OrganisationFactory(ods_code="FWC01", parent=head_office)
    session.commit()
    login("helpdesk")
    assert _edit(client, branch, parent="").status_code == 302
    session.expire_all()
    assert branch.parent is None
