"""Ticket e-mails reach a real SMTP server through the one mail path, once each."""

from sqlalchemy import select

from backoffice.core.audit import Actor
from backoffice.helpdesk import services
from backoffice.helpdesk.models import Ticket
from backoffice.letters import jobs
from tests.factories import UserFactory


def test_the_acknowledgement_arrives_with_the_ticket_reference(contact, session, smtp_server):
    contact()
    reference = session.scalar(select(Ticket.reference))
    assert jobs.sweep()["delivered"] == 1
    ((to, received),) = smtp_server.inbox.messages
    assert to == ["pat.manager@example.org"]
    assert reference in received["Subject"] and reference in received.get_content()
    assert jobs.sweep()["delivered"] == 0
    assert len(smtp_server.inbox.messages) == 1


def test_a_reply_arrives_once_and_the_thread_shows_it_sent(session, new_ticket, smtp_server):
    ticket = new_ticket()
    officer = UserFactory(role="helpdesk", name="Hana Helpdesk")
    session.commit()
    services.reply(session, actor=Actor.of(officer), ticket=ticket,
                   body="Please publish again from the Assessment tab.")
    session.commit()
    assert jobs.sweep()["delivered"] == 2  # the acknowledgement and the reply
    replies = [m for to, m in smtp_server.inbox.messages
               if "Please publish again" in m.get_content()]
    assert len(replies) == 1 and ticket.reference in replies[0]["Subject"]
    session.expire_all()
    assert ticket.messages[-1].outbox_message.sent_at is not None
    services.add_note(session, actor=Actor.of(officer), ticket=ticket, body="Internal only.")
    session.commit()
    assert jobs.sweep()["delivered"] == 0
    assert not any("Internal only." in m.get_content() for _, m in smtp_server.inbox.messages)


def test_replies_carry_one_greeting_and_thread_with_the_acknowledgement(session, new_ticket,
                                                                        smtp_server):
    ticket = new_ticket()
    officer = UserFactory(role="helpdesk", name="Hana Helpdesk")
    session.commit()
    services.reply(session, actor=Actor.of(officer), ticket=ticket,
                   body="Dear Pat,\n\nPlease publish again from the Assessment tab.")
    session.commit()
    services.reply(session, actor=Actor.of(officer), ticket=ticket, body="Any luck?")
    session.commit()
    assert jobs.sweep()["delivered"] == 3
    ack, first, second = sorted((m for _to, m in smtp_server.inbox.messages),
                                key=lambda m: int(m["Message-ID"].split(".")[1]))
    assert "ticket_ack" in ack["Message-ID"]
    assert first.get_content().count("Dear") == 1 and "Dear Pat," in first.get_content()
    assert second.get_content().startswith(f"Dear {ticket.name},")
    assert first["In-Reply-To"] == ack["Message-ID"] == first["References"]
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == f"{ack['Message-ID']} {first['Message-ID']}"
