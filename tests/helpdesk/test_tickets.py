"""Ticket life on the helpdesk's screens: take, assign, reply, note, link, resolve, reopen."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backoffice.core.audit import Actor, AuditEvent
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.helpdesk import services
from backoffice.helpdesk.models import Ticket
from backoffice.mail.models import OutboxMessage
from tests.conftest import form_token
from tests.factories import CaseFactory, ExemptionFactory, OrganisationFactory, UserFactory


def _page(client, ticket) -> str:
    return client.get(f"/admin/ticket/ticket/{ticket.id}").get_data(as_text=True)


def _post(client, ticket, action: str, **data):
    token = form_token(client, f"/admin/ticket/ticket/{ticket.id}")
    return client.post(f"/admin/ticket/{action}/{ticket.id}", data={"csrf_token": token, **data},
                       follow_redirects=True)


def _reload(session, ticket) -> Ticket:
    session.expire_all()
    return session.get(Ticket, ticket.id)


def _outbox(session, kind: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_take_makes_a_new_ticket_open_and_yours(client, login, session, new_ticket):
    ticket = new_ticket()
    hana = login("helpdesk", name="Hana Helpdesk")
    page = _post(client, ticket, "take").get_data(as_text=True)
    assert f"{ticket.reference} is yours." in page
    ticket = _reload(session, ticket)
    assert ticket.assigned_to_id == hana.id and ticket.status == "open"


def test_assign_gives_the_ticket_to_another_officer_and_is_audited(client, login, session,
                                                                  new_ticket):
    ticket = new_ticket()
    colleague = UserFactory(role="helpdesk", name="Harry Helpdesk")
    reviewer = UserFactory(role="reviewer", name="Rita Reviewer")
    session.commit()
    hana = login("helpdesk")
    page = _page(client, ticket)
    assert "Harry Helpdesk (Helpdesk)" in page and "Rita Reviewer" not in page
    done = _post(client, ticket, "assign", officer=colleague.id).get_data(as_text=True)
    assert "assigned to Harry Helpdesk" in done
    assert _reload(session, ticket).assigned_to_id == colleague.id
    refused = _post(client, ticket, "assign", officer=reviewer.id).get_data(as_text=True)
    assert "Not a valid choice" in refused
    assert _reload(session, ticket).assigned_to_id == colleague.id
    change = session.scalar(select(AuditEvent).where(
        AuditEvent.entity_type == "tickets", AuditEvent.action == "update"))
    assert change.actor == hana.email
    assert change.changes["assigned_to_id"] == [None, colleague.id]
    assert change.changes["status"] == ["new", "open"]


def test_a_reviewer_cannot_be_given_a_ticket_by_the_service_either(session, new_ticket):
    ticket = new_ticket()
    reviewer = UserFactory(role="reviewer")
    with pytest.raises(InvalidInput, match="does not work helpdesk tickets"):
        services.assign(session, actor=Actor.of(reviewer), ticket=ticket, officer=reviewer)


def test_a_reply_is_e_mailed_kept_in_the_thread_and_waits_for_the_customer(
        client, login, session, new_ticket):
    ticket = new_ticket()
    hana = login("helpdesk", name="Hana Helpdesk")
    page = _post(client, ticket, "reply", **{
        "reply-body": "Please publish again from the Assessment tab; it takes a minute."}
    ).get_data(as_text=True)
    assert "Reply queued for e-mail to pat.manager@example.org" in page
    assert "Please publish again from the Assessment tab" in page
    assert "Hana Helpdesk replied by e-mail to pat.manager@example.org" in page
    assert "e-mail queued" in page
    [mail] = _outbox(session, "ticket_reply")
    assert mail.recipients == ["pat.manager@example.org"]
    assert ticket.reference in mail.subject
    assert "Please publish again from the Assessment tab" in mail.body
    ack = ticket.messages[0].outbox_message
    assert mail.data == {"ticket": ticket.reference, "thread": [[ack.id, "ticket_ack"]]}
    ticket = _reload(session, ticket)
    assert [m.kind for m in ticket.messages] == ["customer", "reply"]
    assert ticket.messages[1].author_id == hana.id
    assert ticket.status == "waiting_for_customer" and ticket.assigned_to_id == hana.id
    assert ticket.messages[1].outbox_message_id == mail.id
    mail.sent_at = datetime(2026, 11, 23, 10, 2, tzinfo=UTC)  # as the mail sender does
    session.commit()
    assert "sent 23 Nov 2026 10:02" in _page(client, ticket)


def test_a_note_is_kept_in_the_thread_and_never_e_mailed(client, login, session, new_ticket):
    ticket = new_ticket()
    login("helpdesk")
    page = _post(client, ticket, "note", **{"note-body": "Checked the toolkit: publish worked."}
                 ).get_data(as_text=True)
    assert "Note added (not e-mailed)." in page
    assert "internal note" in page and "Checked the toolkit: publish worked." in page
    assert _outbox(session, "ticket_reply") == []
    assert list(session.scalars(select(OutboxMessage.kind))) == ["ticket_ack"]
    assert [m.kind for m in _reload(session, ticket).messages] == ["customer", "note"]


def test_an_empty_reply_is_refused_and_nothing_is_sent(client, login, session, new_ticket):
    ticket = new_ticket()
    login("helpdesk")
    page = _post(client, ticket, "reply", **{"reply-body": "   "}).get_data(as_text=True)
    assert "Write the message." in page
    assert _outbox(session, "ticket_reply") == []


def test_resolve_then_the_customer_writing_again_reopens_it(client, login, session,
                                                           new_ticket):
    ticket = new_ticket()
    login("helpdesk")
    _post(client, ticket, "reply", **{"reply-body": "Fixed on our side."})
    page = _post(client, ticket, "resolve").get_data(as_text=True)
    assert f"{ticket.reference} resolved." in page and "Reopen the ticket" in page
    ticket = _reload(session, ticket)
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    services.customer_message(session, ticket=ticket, body="Still says draft, sorry!")
    session.commit()
    ticket = _reload(session, ticket)
    assert ticket.status == "open" and ticket.resolved_at is None
    assert [m.kind for m in ticket.messages] == ["customer", "reply", "customer"]


def test_a_customer_answer_to_a_waiting_ticket_makes_it_open_again(session, new_ticket):
    ticket = new_ticket()
    officer = UserFactory(role="helpdesk")
    services.reply(session, actor=Actor.of(officer), ticket=ticket, body="Which browser?")
    assert ticket.status == "waiting_for_customer"
    services.customer_message(session, ticket=ticket, body="Firefox")
    assert ticket.status == "open"


def test_staff_reopen_a_resolved_ticket_with_a_reason_kept_as_a_note(client, login, session,
                                                                    new_ticket):
    ticket = new_ticket()
    login("helpdesk")
    _post(client, ticket, "resolve")
    page = _post(client, ticket, "reopen", reason="Customer phoned back").get_data(as_text=True)
    assert f"{ticket.reference} reopened." in page
    ticket = _reload(session, ticket)
    assert ticket.status == "open"
    assert ticket.messages[-1].kind == "note"
    assert ticket.messages[-1].body == "Reopened: Customer phoned back"


def test_a_resolved_ticket_takes_no_reply_and_cannot_be_resolved_twice(session, new_ticket):
    ticket = new_ticket()
    actor = Actor.of(UserFactory(role="helpdesk"))
    services.resolve(session, actor=actor, ticket=ticket)
    with pytest.raises(Conflict, match="is resolved; replying needs it new or open"):
        services.reply(session, actor=actor, ticket=ticket, body="Hello again")
    with pytest.raises(Conflict, match="resolving it needs"):
        services.resolve(session, actor=actor, ticket=ticket)


def test_link_to_a_case_and_an_exemption_also_links_their_organisation(client, login, session,
                                                                     new_ticket):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    exemption = ExemptionFactory(organisation=organisation)
    case = CaseFactory(organisation=organisation)  # opened 2 Nov 2026, due 16 Nov
    ticket = new_ticket(category="review")
    session.commit()
    login("helpdesk")
    page = _post(client, ticket, "link", case_reference=case.reference.lower()
                 ).get_data(as_text=True)
    assert "Links saved." in page
    case_link = f'<a href="/admin/case/review/{case.id}">{case.reference}</a>'
    assert case_link in page  # the helpdesk reads the case (read only)
    assert "(Unassigned, due 16 Nov 2026)" in page and "Rosewood Care Home (8HV48)" in page
    assert f"#{exemption.id}: Exemption of 321 for 8HV48" in page  # offered once linked
    _post(client, ticket, "link", exemption_id=str(exemption.id))
    ticket = _reload(session, ticket)
    assert (ticket.case_id, ticket.exemption_id, ticket.organisation_id) == (
        case.id, exemption.id, organisation.id)
    audit = session.scalar(select(AuditEvent).where(
        AuditEvent.entity_type == "tickets", AuditEvent.action == "update")
        .order_by(AuditEvent.id))
    assert audit.changes["case_id"] == [None, case.id]


def test_an_admin_may_open_the_linked_case_from_the_ticket(client, login, session, new_ticket):
    organisation = OrganisationFactory(ods_code="8HV48")
    case = CaseFactory(organisation=organisation)  # opened 2 Nov 2026, due 16 Nov
    ticket = new_ticket(category="review")
    services.link(session, actor=Actor.of(UserFactory(role="helpdesk")), ticket=ticket,
                  case_reference=case.reference)
    session.commit()
    login("admin")
    page = _page(client, ticket)
    assert f'href="/admin/case/review/{case.id}">{case.reference}</a>' in page


def test_link_names_what_it_cannot_find(client, login, session, new_ticket):
    ticket = new_ticket()
    login("helpdesk")
    assert "there is no case R-2026-999999" in _post(
        client, ticket, "link", case_reference="R-2026-999999").get_data(as_text=True)
    assert "ZZZ99 is not a registered organisation" in _post(
        client, ticket, "link", ods_code="ZZZ99").get_data(as_text=True)
    assert _reload(session, ticket).case_id is None


@pytest.mark.parametrize("exemption_id", ["99999999999999999999999", "²", "-1", "1e3"])
def test_an_exemption_id_that_names_nothing_is_a_plain_refusal(client, login, session,
                                                               new_ticket, exemption_id):
    ticket = new_ticket()
    login("helpdesk")
    response = _post(client, ticket, "link", exemption_id=exemption_id)
    assert response.status_code == 200
    assert f"there is no exemption {exemption_id}" in response.get_data(as_text=True)
    assert _reload(session, ticket).exemption_id is None


def test_a_case_of_another_organisation_is_not_linked(client, login, session, new_ticket):
    ours = OrganisationFactory(ods_code="8HV40")
    theirs = OrganisationFactory(ods_code="8HV41")
    case = CaseFactory(organisation=theirs)  # opened 2 Nov 2026, due 16 Nov
    ticket = new_ticket()
    ticket.organisation = ours
    session.commit()
    login("helpdesk")
    page = _post(client, ticket, "link", case_reference=case.reference).get_data(as_text=True)
    assert (f"case {case.reference} is for 8HV41, but the ticket is about 8HV40; link the "
            "right organisation first") in page
    assert _reload(session, ticket).case_id is None
    _post(client, ticket, "link", ods_code="8HV41", case_reference=case.reference)
    assert (_reload(session, ticket).case_id, _reload(session, ticket).organisation_id) == (
        case.id, theirs.id)


def test_search_finds_a_ticket_resolved_or_not_by_reference_e_mail_ods_code_or_words(
        client, login, session, new_ticket):
    OrganisationFactory(ods_code="RH8", name="Royal Devon")
    session.commit()
    wanted = new_ticket(email="jo.bloggs@example.org", ods_code="RH8",
                        message="Our smartcard reader refuses the new certificate")
    other = new_ticket(email="someone@example.org", message="How do I register a branch?")
    services.resolve(session, actor=Actor.of(UserFactory(role="helpdesk")), ticket=wanted)
    session.commit()
    login("helpdesk")
    for text in (wanted.reference, "jo.bloggs@example.org", "rh8", "certificate smartcard"):
        page = client.get("/admin/ticket/", query_string={"search": text}).get_data(
            as_text=True)
        assert wanted.reference in page, text
        assert other.reference not in page, text
    none = client.get("/admin/ticket/", query_string={"search": "smartcard branch"})
    assert wanted.reference not in none.get_data(as_text=True)


def test_the_queue_shows_unresolved_by_default_with_saved_views(client, login, session,
                                                               new_ticket):
    first, second = new_ticket(), new_ticket(email="b@example.org", category="log_in")
    actor = Actor.of(UserFactory(role="helpdesk"))
    services.resolve(session, actor=actor, ticket=second)
    session.commit()
    login("helpdesk")
    queue = client.get("/admin/ticket/").get_data(as_text=True)
    assert first.reference in queue and second.reference not in queue
    assert "Publishing an assessment" in queue and "working hour" in queue
    resolved = client.get("/admin/ticket/?view=resolved").get_data(as_text=True)
    assert second.reference in resolved and first.reference not in resolved
    by_category = client.get("/admin/ticket/?view=all&flt0_category_equals=log_in")
    assert second.reference in by_category.get_data(as_text=True)
    assert first.reference not in by_category.get_data(as_text=True)


def test_the_ticket_page_shows_the_audit_trail_of_the_ticket_and_its_thread(
        client, login, session, new_ticket):
    ticket = new_ticket()
    hana = login("helpdesk")
    _post(client, ticket, "note", **{"note-body": "Looking into it"})
    page = _page(client, ticket)
    assert f"contact form &lt;{ticket.email}&gt;" in page
    assert "create ticket messages" in page and hana.email in page


def test_only_the_helpdesk_and_admins_see_tickets(client, login, new_ticket):
    ticket = new_ticket()
    assert client.get("/admin/ticket/").status_code == 302
    login("reviewer")
    assert client.get("/admin/ticket/").status_code == 403
    assert client.get(f"/admin/ticket/ticket/{ticket.id}").status_code == 403
    assert "Tickets" not in client.get("/admin/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": form_token(client, "/admin/")})
    login("admin")
    assert client.get(f"/admin/ticket/ticket/{ticket.id}").status_code == 200
    assert "Tickets" in client.get("/admin/").get_data(as_text=True)


def test_each_year_numbers_its_tickets_from_one(session, new_ticket):
    late = new_ticket(at=datetime(2025, 12, 31, 23, 0, tzinfo=UTC))
    early = new_ticket(at=datetime(2026, 1, 1, 9, 0, tzinfo=UTC))
    again = new_ticket(at=datetime(2026, 1, 2, 9, 0, tzinfo=UTC))
    assert [late.reference, early.reference, again.reference] == [
        "T-2025-000001", "T-2026-000001", "T-2026-000002"]
