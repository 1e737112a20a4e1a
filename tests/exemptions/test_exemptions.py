from sqlalchemy import select

from backoffice.core.audit import Actor
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.exemptions import services
from backoffice.exemptions.models import Exemption
from tests.conftest import form_token
from tests.factories import OrganisationFactory, UserFactory


def _helpdesk(session):
    return Actor.of(UserFactory(role="helpdesk"))


def _exempt(session, organisation, version: int) -> set[str]:
    return services.exempt_requirements(session, organisation_id=organisation.id,
                                        toolkit_version=version)


def test_an_approved_exemption_makes_the_requirement_exempt_for_that_version_only(session):
    organisation = OrganisationFactory()
    actor = _helpdesk(session)
    exemption = services.request_exemption(session, actor=actor, organisation=organisation,
                                           toolkit_version=13, requirement_id="321",
                                           reason="Records are on paper only")
    assert "321" not in _exempt(session, organisation, 13)
    services.approve_exemption(session, actor=actor, exemption=exemption,
                               reason="Visited; no computer systems")
    assert _exempt(session, organisation, 13) == {"321"}
    assert _exempt(session, organisation, 14) == set()


def test_a_rejected_exemption_leaves_the_requirement_applicable(session):
    organisation = OrganisationFactory()
    actor = _helpdesk(session)
    exemption = services.request_exemption(session, actor=actor, organisation=organisation,
                                           toolkit_version=13, requirement_id="304",
                                           reason="No smartcards")
    services.reject_exemption(session, actor=actor, exemption=exemption,
                              reason="Smartcards are in use at reception")
    assert exemption.status == "rejected"
    assert services.exempt_requirements(session, organisation_id=organisation.id,
                                        toolkit_version=13) == set()


def test_the_list_shows_why_each_was_requested_and_why_it_was_decided(client, login,
                                                                      session):
    organisation = OrganisationFactory()
    actor = _helpdesk(session)
    exemption = services.request_exemption(session, actor=actor, organisation=organisation,
                                           toolkit_version=13, requirement_id="304",
                                           reason="No smartcards")
    services.reject_exemption(session, actor=actor, exemption=exemption,
                              reason="Smartcards are in use at reception")
    session.commit()
    login("helpdesk")
    page = client.get("/admin/exemption/").get_data(as_text=True)
    assert "Why requested" in page and "Why decided" in page
    assert "No smartcards" in page and "Smartcards are in use at reception" in page


def test_a_decision_needs_a_reason_and_is_made_once(session):
    organisation = OrganisationFactory()
    actor = _helpdesk(session)
    exemption = services.request_exemption(session, actor=actor, organisation=organisation,
                                           toolkit_version=13, requirement_id="304",
                                           reason="No smartcards")
    try:
        services.approve_exemption(session, actor=actor, exemption=exemption, reason=" ")
        raise AssertionError("approved without a reason")
    except InvalidInput as error:
        assert "reason" in error.message
    services.approve_exemption(session, actor=actor, exemption=exemption, reason="Checked")
    try:
        services.reject_exemption(session, actor=actor, exemption=exemption, reason="Oops")
        raise AssertionError("decided twice")
    except Conflict as error:
        assert "already approved" in error.message


def test_a_second_open_request_for_the_same_requirement_is_refused(session):
    organisation = OrganisationFactory()
    actor = _helpdesk(session)
    services.request_exemption(session, actor=actor, organisation=organisation,
                               toolkit_version=13, requirement_id="304", reason="No smartcards")
    try:
        services.request_exemption(session, actor=actor, organisation=organisation,
                                   toolkit_version=13, requirement_id="304", reason="Again")
        raise AssertionError("duplicate request accepted")
    except Conflict as error:
        assert "already has an exemption requested" in error.message


def test_helpdesk_requests_and_approves_an_exemption_in_the_screens(client, login, session):
    login("helpdesk")
    organisation = OrganisationFactory(ods_code="8HV48")
    session.commit()
    token = form_token(client, "/admin/exemption/new/")
    response = client.post("/admin/exemption/new/", data={
        "csrf_token": token, "organisation": str(organisation.id), "toolkit_version": "13",
        "requirement_id": "321", "reason": "Records are held on paper only"})
    assert response.status_code == 302
    exemption = session.scalar(select(Exemption))
    details = f"/admin/exemption/details/?id={exemption.id}"
    page = client.get(details).get_data(as_text=True)
    assert "There are appropriate procedures in place to manage access" in page
    client.post(f"/admin/exemption/decide/{exemption.id}", data={
        "csrf_token": form_token(client, details), "decision": "approve",
        "decision_reason": "Confirmed by phone"})
    session.expire_all()
    assert exemption.status == "approved"
    assert exemption.decision_reason == "Confirmed by phone"
    assert "Confirmed by phone" in client.get(details).get_data(as_text=True)


def test_an_exemption_for_a_non_requirement_is_a_field_error(client, login, session):
    login("helpdesk")
    organisation = OrganisationFactory()
    session.commit()
    token = form_token(client, "/admin/exemption/new/")
    response = client.post("/admin/exemption/new/", data={
        "csrf_token": token, "organisation": str(organisation.id), "toolkit_version": "13",
        "requirement_id": "abc", "reason": "Because"})
    assert response.status_code == 200
    assert "is not a requirement number" in response.get_data(as_text=True)
    assert session.scalar(select(Exemption)) is None


def test_the_list_cuts_a_requirement_title_at_a_word_with_the_whole_title_in_a_tooltip(
        client, login, session):
    organisation = OrganisationFactory(ods_code="8HV48")
    services.request_exemption(session, actor=_helpdesk(session), organisation=organisation,
                               toolkit_version=13, requirement_id="304",
                               reason="No Smartcards are used")
    session.commit()
    login("helpdesk")
    page = client.get("/admin/exemption/").get_data(as_text=True)
    whole = ("Monitoring and enforcement processes are in place to ensure NHS national "
             "application Smartcard users comply with the terms and conditions of use")
    assert (f'304 – <span title="{whole}">Monitoring and enforcement processes are in place '
            'to ensure…</span>') in page
