"""Phone calls become tickets; ticket ages and the SLA count working hours (opening hours on
working days, bank holidays skipped)."""

from datetime import UTC, datetime

from sqlalchemy import select

from backoffice.core.audit import Actor
from backoffice.core.workingdays import parse_opening_hours, working_age_label
from backoffice.helpdesk import services
from backoffice.helpdesk.models import Ticket
from backoffice.letters import jobs
from tests.conftest import form_token
from tests.factories import OrganisationFactory, UserFactory

NINE_TO_FIVE = parse_opening_hours("9am-5pm")
PHONE = "/admin/ticket/phone"


def _at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_staff_open_a_ticket_for_a_phone_call_and_it_is_theirs(client, login, session,
                                                               smtp_server):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    officer = login("helpdesk")
    form = client.get(PHONE).get_data(as_text=True)
    assert "0300 303 4034" in form
    response = client.post(PHONE, data={
        "name": "Pat Manager", "phone": "01392 251289", "ods_code": "8hv48",
        "category": "log_in", "summary": "Cannot log in; the set-password link expired.",
        "csrf_token": form_token(client, PHONE)})
    assert response.status_code == 302
    ticket = session.scalar(select(Ticket))
    assert (ticket.channel, ticket.phone, ticket.organisation_id) == (
        "phone", "01392 251289", organisation.id)
    assert ticket.assigned_to_id == officer.id and ticket.status == "open"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "phone call" in page and "01392 251289" in page and "gave no e-mail" in page
    assert jobs.sweep()["delivered"] == 0  # no e-mail address: nothing to acknowledge
    queue = client.get("/admin/ticket/").get_data(as_text=True)
    assert ticket.reference in queue and ">phone<" in queue


def test_a_phone_caller_with_an_email_gets_the_acknowledgement_with_the_helpdesk_hours(
        session, smtp_server):
    officer = UserFactory(role="helpdesk")
    session.commit()
    services.create_phone_ticket(session, actor=Actor.of(officer), name="Sam Deputy",
                                 phone="0300 111 2222", email="sam@example.org",
                                 category="registration", summary="How do we register?",
                                 organisation_name="Hillside Surgery")
    session.commit()
    assert jobs.sweep()["delivered"] == 1
    ((to, message),) = smtp_server.inbox.messages
    assert to == ["sam@example.org"]
    assert "0300 303 4034" in message.get_content()
    assert "9am–5pm Monday to Friday" in message.get_content()


def test_a_phone_ticket_needs_a_number_and_a_summary(session):
    officer = UserFactory(role="helpdesk")
    session.commit()
    for fields, field in (({"phone": "call me"}, "phone"), ({"summary": " "}, "summary")):
        values = {"name": "Pat", "phone": "01392 251289", "category": "other",
                  "summary": "A question", "organisation_name": "Rosewood", **fields}
        try:
            services.create_phone_ticket(session, actor=Actor.of(officer), **values)
        except services.InvalidInput as refusal:
            assert refusal.field == field
        else:
            raise AssertionError(f"{fields} was accepted")
    session.rollback()


def test_the_contact_page_shows_the_national_helpdesk_number_and_hours(client):
    page = client.get("/contact").get_data(as_text=True)
    assert "0300 303 4034" in page and "9am–5pm Monday to Friday" in page


def test_friday_afternoon_to_monday_morning_is_one_working_hour(session):
    ticket = Ticket(created_at=_at(2026, 12, 4, 16, 30), resolved_at=None, messages=[])
    assert services.age_label(ticket, NINE_TO_FIVE, now=_at(2026, 12, 7, 9, 30)) \
        == "1 working hour"


def test_a_bank_holiday_does_not_count(session):
    # Thursday 24 Dec 2026 16:00 → Monday 28 Dec (Boxing Day substitute) and Christmas Day
    # (Friday) are bank holidays, so Tuesday 29 Dec 10:00 is 2 working hours later.
    ticket = Ticket(created_at=_at(2026, 12, 24, 16, 0), resolved_at=None, messages=[])
    assert services.age_label(ticket, NINE_TO_FIVE, now=_at(2026, 12, 29, 10, 0)) \
        == "2 working hours"


def test_summer_time_counts_local_opening_hours():
    # 09:00 BST is 08:00 UTC: a ticket opened at 08:00 UTC on a July Monday is in hours.
    seconds = services.working_seconds_between(_at(2026, 7, 6, 8, 0), _at(2026, 7, 6, 10, 0),
                                               NINE_TO_FIVE)
    assert working_age_label(seconds, NINE_TO_FIVE) == "2 working hours"


def test_the_sla_counts_working_hours_until_the_first_answer(session):
    ticket = Ticket(created_at=_at(2026, 12, 4, 16, 30), resolved_at=None, messages=[])
    # Friday 16:30 to Tuesday 16:00: 0.5 + 8 + 7 = 15.5 working hours: within 16.
    assert not services.over_sla(ticket, NINE_TO_FIVE, 16, now=_at(2026, 12, 8, 16, 0))
    assert services.over_sla(ticket, NINE_TO_FIVE, 16, now=_at(2026, 12, 9, 9, 31))


def test_opening_hours_read_as_people_write_them():
    assert parse_opening_hours("09:00-17:30").label == "9am–5:30pm Monday to Friday"
    assert parse_opening_hours("8am to 6pm").hours_a_day == 10
    for wrong in ("5pm-9am", "all day", "25:00-26:00"):
        try:
            parse_opening_hours(wrong)
        except ValueError:
            continue
        raise AssertionError(f"{wrong} was accepted")


def test_the_helpdesk_home_page_shows_ticket_ages_in_working_hours(client, login, session):
    services.create_ticket(session, name="Pat", email="pat@example.org", category="other",
                           message="A question", organisation_name="Rosewood")
    session.commit()
    login("helpdesk")
    home = client.get("/admin/").get_data(as_text=True)
    assert "Age (working hours)" in home and "under 1 working hour" in home
