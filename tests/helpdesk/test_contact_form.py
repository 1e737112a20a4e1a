"""The public contact form: anyone may write in; bots and floods are stopped."""

import logging

from sqlalchemy import func, select

from backoffice.helpdesk.models import Ticket, TicketMessage
from backoffice.mail.models import OutboxMessage
from tests.factories import OrganisationFactory
from tests.helpdesk.conftest import GOOD


def _count(session, model) -> int:
    return session.scalar(select(func.count(model.id)))


def test_a_good_submission_makes_a_ticket_and_an_acknowledgement_with_its_reference(
        client, contact, session):
    response = contact()
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    ticket = session.scalar(select(Ticket))
    assert ticket.reference.startswith("T-20") and ticket.reference in thanks
    assert ticket.status == "new" and ticket.category == "publishing"
    assert ticket.email == "pat.manager@example.org" and ticket.organisation_id is None
    assert [m.kind for m in ticket.messages] == ["customer"]
    assert "status still says draft" in ticket.messages[0].body
    ack = session.scalar(select(OutboxMessage))
    assert ack.kind == "ticket_ack" and ack.recipients == ["pat.manager@example.org"]
    assert ticket.reference in ack.subject and ticket.reference in ack.body
    assert "Dear Pat Manager" in ack.body and "status still says draft" in ack.body
    assert ack.data == {"ticket": ticket.reference} and ack.sent_at is None


def test_references_count_up_without_gaps(contact, session):
    contact(), contact(email="other@example.org")
    references = sorted(session.scalars(select(Ticket.reference)))
    numbers = [int(r.rsplit("-", 1)[1]) for r in references]
    assert numbers == [1, 2]


def test_a_registered_ods_code_links_the_ticket_to_the_organisation(contact, session):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    contact(ods_code=" 8hv48 ", organisation_name="", category="exemptions")
    ticket = session.scalar(select(Ticket))
    assert ticket.organisation_id == organisation.id and ticket.ods_code == "8HV48"
    assert ticket.organisation_name == "Rosewood Care Home"


def test_missing_fields_are_named_and_nothing_is_created(contact, session):
    response = contact(name="", email="", category="", message="  ", organisation_name="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give your name." in page
    assert "Give an e-mail address we can reply to." in page
    assert "Choose what your query is about." in page
    assert "Write your message." in page
    assert "Give your organisation&#39;s name or its ODS code." in page
    assert _count(session, Ticket) == 0 and _count(session, OutboxMessage) == 0


def test_a_bad_e_mail_address_is_a_field_error(contact, session):
    response = contact(email="not-an-address")
    assert response.status_code == 422
    assert "Give a valid e-mail address" in response.get_data(as_text=True)
    assert _count(session, Ticket) == 0


def test_an_unknown_or_malformed_ods_code_is_a_field_error(contact, session):
    unknown = contact(ods_code="ZZZ99")
    assert unknown.status_code == 422
    assert "ZZZ99 is not a registered organisation" in unknown.get_data(as_text=True)
    assert 'data-testid="error-ods_code"' in unknown.get_data(as_text=True)
    malformed = contact(ods_code="BAD!")
    assert malformed.status_code == 422
    assert "is not an ODS code" in malformed.get_data(as_text=True)
    assert _count(session, Ticket) == 0 and _count(session, OutboxMessage) == 0


def test_the_form_keeps_what_was_typed_after_an_error(contact):
    page = contact(ods_code="ZZZ99").get_data(as_text=True)
    assert "status still says draft" in page and "Pat Manager" in page


def test_a_filled_honeypot_thanks_the_bot_and_creates_nothing(client, contact, session,
                                                              caplog):
    caplog.set_level(logging.INFO, logger="backoffice.helpdesk.views")
    response = contact(website="http://spam.example.com")
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"])
    assert "Thank you" in thanks.get_data(as_text=True)
    assert "T-20" not in thanks.get_data(as_text=True)
    assert _count(session, Ticket) == 0 and _count(session, OutboxMessage) == 0
    assert any(getattr(r, "honeypot", False) for r in caplog.records)


def test_the_honeypot_is_hidden_from_people(client):
    page = client.get("/contact").get_data(as_text=True)
    assert 'class="hp-field" aria-hidden="true"' in page
    assert 'name="website"' in page and 'tabindex="-1"' in page


def test_the_throttle_stops_a_flood_from_one_address(app, contact, session):
    limit = int(app.extensions["settings"].contact_rate_limit.split()[0])
    for n in range(limit):
        assert contact(email=f"sender{n}@example.org").status_code == 302
    refused = contact(email="one.more@example.org")
    assert refused.status_code == 429
    assert "You have sent several messages in a short time" in refused.get_data(as_text=True)
    assert _count(session, Ticket) == limit


def test_forms_sent_back_for_correction_do_not_count_towards_the_throttle(app, contact,
                                                                         session):
    limit = int(app.extensions["settings"].contact_rate_limit.split()[0])
    for _ in range(limit):
        assert contact(email="not an address").status_code == 422
    for n in range(limit):
        assert contact(email=f"sender{n}@example.org").status_code == 302
    refused = contact(email="one.more@example.org")
    assert refused.status_code == 429
    assert ("Wait an hour and try again, or e-mail "
            f"{app.extensions['settings'].mail_from}.") in refused.get_data(as_text=True)


def test_the_throttle_counts_per_address(contact, app, session):
    limit = int(app.extensions["settings"].contact_rate_limit.split()[0])
    for _ in range(limit):
        contact(address="192.0.2.1")
    assert contact(address="192.0.2.1").status_code == 429
    assert contact(address="192.0.2.2").status_code == 302


def test_a_post_without_a_csrf_token_is_refused(client, session):
    response = client.post("/contact", data=GOOD)
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert _count(session, Ticket) == 0 and _count(session, TicketMessage) == 0


def test_anyone_reaches_the_form_and_the_login_page_links_to_it(client):
    assert client.get("/contact").status_code == 200
    assert 'href="/contact"' in client.get("/login").get_data(as_text=True)
