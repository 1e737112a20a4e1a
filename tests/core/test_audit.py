"""Every create, update and delete of an audited record is in the trail, old -> new."""

from sqlalchemy import select

from backoffice.core.audit import SYSTEM_ACTOR, Actor, AuditEvent, trail_for
from backoffice.exemptions import services as exemptions
from backoffice.organisations import services as organisations
from backoffice.organisations.services import AdministratorDetails, OrganisationDetails
from backoffice.users import services as users
from tests.conftest import form_token
from tests.factories import OrganisationFactory, UserFactory


def test_registering_and_editing_an_organisation_is_audited_with_old_and_new(session):
    actor = Actor.of(UserFactory(role="helpdesk", email="hd@example.org"))
    organisation = organisations.register_organisation(session, actor=actor, details=(
        OrganisationDetails(ods_code="8HV48", name="Rosewood", org_type="Voluntary Sector",
                            postcode="EX1 1AA")))
    organisation.name = "Rosewood House"
    session.flush()
    rows = trail_for(session, "organisations", organisation.id)
    assert [row.action for row in rows] == ["update", "create"]
    assert rows[0].changes == {"name": ["Rosewood", "Rosewood House"]}
    assert rows[1].changes["ods_code"] == [None, "8HV48"]
    assert {row.actor for row in rows} == {"hd@example.org"}


def test_administrator_changes_and_deletions_are_audited(session):
    organisation = OrganisationFactory()
    administrator = organisations.add_administrator(
        session, actor=SYSTEM_ACTOR, organisation=organisation,
        details=AdministratorDetails(name="Pat", email="pat@example.org"))
    administrator_id = administrator.id
    session.delete(administrator)
    session.flush()
    rows = trail_for(session, "organisation_administrators", administrator_id)
    assert [row.action for row in rows] == ["delete", "create"]
    assert rows[0].changes["email"] == ["pat@example.org", None]
    assert rows[1].actor == "system"


def test_user_changes_are_audited_without_revealing_the_password(session):
    user = users.create_user(session, actor=SYSTEM_ACTOR, email="new@example.org",
                             role="reviewer", password="a long enough password")
    users.set_password(session, actor=SYSTEM_ACTOR, user=user, password="another long one!")
    rows = trail_for(session, "users", user.id)
    assert rows[0].changes == {"password_hash": ["(changed)", "(changed)"]}
    assert "argon2" not in str([row.changes for row in rows])


def test_exemption_decisions_are_audited(session):
    actor = Actor.of(UserFactory(role="helpdesk", email="hd@example.org"))
    exemption = exemptions.request_exemption(session, actor=actor,
                                             organisation=OrganisationFactory(),
                                             toolkit_version=13, requirement_id="304",
                                             reason="No smartcards")
    exemptions.approve_exemption(session, actor=actor, exemption=exemption, reason="Checked")
    update = trail_for(session, "exemptions", exemption.id)[0]
    assert update.changes["status"] == ["requested", "approved"]
    assert update.changes["decision_reason"] == ["", "Checked"]


def test_the_audit_trail_is_append_only(session):
    OrganisationFactory()
    row = session.scalar(select(AuditEvent))
    row.actor = "someone else"
    try:
        session.flush()
        raise AssertionError("an audit row was changed")
    except RuntimeError as error:
        assert "append-only" in str(error)
    session.rollback()


def test_a_change_made_in_the_screens_is_audited_as_the_user_and_listed(client, login, session):
    helpdesk = login("helpdesk")
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood")
    session.commit()
    edit = f"/admin/organisation/edit/?id={organisation.id}"
    client.post(edit, data={"csrf_token": form_token(client, edit), "ods_code": "8HV48",
                            "name": "Rosewood House", "org_type": "Voluntary Sector",
                            "address": "", "postcode": "EX1 1AA"})
    rows = trail_for(session, "organisations", organisation.id)
    assert rows[0].actor == helpdesk.email
    assert rows[0].changes["name"] == ["Rosewood", "Rosewood House"]
    details = client.get(f"/admin/organisation/details/?id={organisation.id}")
    assert "Rosewood House" in details.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})
    login("senior_reviewer")
    listing = client.get("/admin/audit/?search=Rosewood").get_data(as_text=True)
    assert helpdesk.email in listing
