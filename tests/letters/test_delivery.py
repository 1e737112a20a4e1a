"""Delivery over a real SMTP server (aiosmtpd): the stored letter arrives, exactly once."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select, update

from backoffice.cases.models import CaseStatus
from backoffice.core.db import utcnow
from backoffice.core.vocabulary import Outcome
from backoffice.letters import delivery, jobs, services
from backoffice.letters.models import DeliveryStatus, Letter
from backoffice.mail import delivery as mail_delivery
from backoffice.mail import jobs as mail_jobs
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.findings import FindingInput, record_findings
from backoffice.reviews.guards import latest_assessment
from backoffice.reviews.outcomes import record_outcome, reopen, sign_off


def _addresses(session, people):
    for group in ("CAG", "DAAG", "IGSoC"):
        services.set_group_address(session, actor=people["admin"][1], group=group,
                                   email=f"{group.lower()}@groups.example.org")
    session.commit()


def _deliver_all(session) -> list[str]:
    ids = session.scalars(select(Letter.id).where(Letter.superseded_at.is_(None))).all()
    return [jobs.deliver_letter(letter_id) for letter_id in ids]


def _naive(moment):
    return moment.replace(tzinfo=None)


def _attachments(message):
    return [part for part in message.iter_attachments()]


def test_each_letter_arrives_with_the_stored_file_and_the_case_closes(
        session, case_in_sending_letters, people, smtp_server):
    _addresses(session, people)
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG", "IGSoC"))
    jobs.generate_letters(case.id)
    assert _deliver_all(session) == ["sent", "sent", "sent"]
    received = {tuple(to): message for to, message in smtp_server.inbox.messages}
    assert sorted(received) == [("cag@groups.example.org",), ("igsoc@groups.example.org",),
                                (case.organisation.administrators[0].email,)]
    session.expire_all()
    for letter in services.current_letters(session, case):
        message = next(m for m in received.values() if m["Message-ID"] == letter.message_id)
        (attachment,) = _attachments(message)
        assert attachment.get_filename() == letter.filename
        assert hashlib.sha256(attachment.get_content()).hexdigest() == letter.sha256
        assert (letter.delivery_status, letter.attempts) == (DeliveryStatus.SENT, 1)
        assert letter.sent_at is not None
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    published = latest_assessment(session, case)  # what the public report shows
    assert (case.toolkit_version, case.reporting_year) == (published.toolkit_version,
                                                           published.reporting_year)


def test_the_case_stays_open_until_its_last_letter_is_sent(session, case_in_sending_letters,
                                                           people, smtp_server):
    _addresses(session, people)
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    first, last = services.current_letters(session, case)
    jobs.deliver_letter(first.id)
    session.expire_all()
    assert case.status == CaseStatus.SENDING_LETTERS
    jobs.deliver_letter(last.id)
    session.expire_all()
    assert case.status == CaseStatus.CLOSED


def test_server_down_fails_with_retries_then_exactly_one_copy(session, case_in_sending_letters,
                                                              people, smtp_server):
    _addresses(session, people)
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    letter = next(lt for lt in services.current_letters(session, case) if lt.recipient == "CAG")
    smtp_server.stop()
    settings = jobs.mail_settings()
    assert delivery.deliver_letter(session, letter.id, settings) == "failed"
    session.expire_all()
    assert (letter.delivery_status, letter.attempts) == (DeliveryStatus.FAILED, 1)
    assert "could not reach the SMTP server" in letter.last_error
    first_wait = _naive(letter.next_attempt_at) - _naive(utcnow())
    # not due yet: a retry before the backoff does nothing
    assert delivery.deliver_letter(session, letter.id, settings) == "skipped"
    later = utcnow() + timedelta(hours=2)
    assert delivery.deliver_letter(session, letter.id, settings, now=later) == "failed"
    session.expire_all()
    assert letter.attempts == 2 and _naive(letter.next_attempt_at) - _naive(later) > first_wait
    assert letter in delivery.failed_letters(session)
    smtp_server.start()
    even_later = later + timedelta(hours=2)
    assert delivery.deliver_letter(session, letter.id, settings, now=even_later) == "sent"
    assert delivery.deliver_letter(session, letter.id, settings, now=even_later) == "skipped"
    assert jobs.deliver_letter(letter.id, force=True) == "skipped"
    session.expire_all()
    assert (letter.delivery_status, letter.attempts, letter.last_error) == (
        DeliveryStatus.SENT, 3, None)
    copies = [m for _, m in smtp_server.inbox.messages if m["Message-ID"] == letter.message_id]
    assert len(copies) == 1


def test_a_letter_leased_by_another_worker_is_not_sent_twice(session, case_in_sending_letters,
                                                             people, smtp_server):
    _addresses(session, people)
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    letter = services.current_letters(session, case)[0]
    session.execute(update(Letter).where(Letter.id == letter.id).values(
        claimed_until=utcnow() + timedelta(seconds=60)))
    session.commit()
    assert jobs.deliver_letter(letter.id) == "skipped"
    assert smtp_server.inbox.messages == []
    # the other worker died: once its lease runs out the letter goes, once
    session.execute(update(Letter).where(Letter.id == letter.id).values(
        claimed_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert jobs.deliver_letter(letter.id) == "sent"
    assert len(smtp_server.inbox.messages) == 1


def test_a_group_without_an_address_fails_with_a_clear_error(session, case_in_sending_letters,
                                                             smtp_server):
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("IGSoC",))
    jobs.generate_letters(case.id)
    letter = next(lt for lt in services.current_letters(session, case) if lt.recipient == "IGSoC")
    assert jobs.deliver_letter(letter.id) == "failed"
    session.expire_all()
    assert "no e-mail address is set for IGSoC" in letter.last_error


def test_reopen_then_a_new_outcome_makes_new_versions_and_keeps_the_old(
        session, case_in_sending_letters, people, smtp_server):
    _addresses(session, people)
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    _deliver_all(session)
    session.expire_all()
    assert case.status == CaseStatus.CLOSED
    old = {lt.recipient: (lt.id, lt.sha256) for lt in services.current_letters(session, case)}
    reopen(session, actor=people["senior"][1], case=case, reason="Wrong outcome")
    session.commit()
    reviewer, actor = people["reviewer"]
    record_findings(session, actor=actor, case=case, findings=[
        FindingInput("114", False, 0, "nobody is responsible for IG")])
    record_outcome(session, actor=actor, case=case, outcome=Outcome.NOT_SATISFACTORY,
                   reasons="Requirement 114 is at level 0.")
    sign_off(session, actor=people["senior"][1], case=case, signer=people["senior"][0])
    session.commit()
    assert jobs.generate_letters(case.id) == 2
    session.expire_all()
    assert case.status == CaseStatus.SENDING_LETTERS
    current = services.current_letters(session, case)
    assert [(lt.recipient, lt.version) for lt in current] == [("CAG", 2), ("organisation", 2)]
    everything = services.letters_of(session, case)
    assert len(everything) == 4
    for recipient, (old_id, old_sha) in old.items():
        kept = session.get(Letter, old_id)
        assert kept.superseded_at is not None and kept.sha256 == old_sha
        assert kept.delivery_status == DeliveryStatus.SENT
        assert kept.message_id != next(lt.message_id for lt in current
                                       if lt.recipient == recipient)
    _deliver_all(session)
    session.expire_all()
    assert case.status == CaseStatus.CLOSED
    assert len(smtp_server.inbox.messages) == 4


def test_outbox_messages_go_through_the_same_mail_path_once(session, smtp_server):
    message = OutboxMessage(kind="information_request", recipients=["pat@example.org"],
                            subject="Information requested", body="Please send the policy.")
    session.add(message)
    session.commit()
    assert mail_jobs.deliver_outbox(message.id) == "sent"
    assert mail_jobs.deliver_outbox(message.id) == "skipped"
    ((to, received),) = smtp_server.inbox.messages
    assert to == ["pat@example.org"] and received["Subject"] == "Information requested"
    assert "Please send the policy." in received.get_content()
    assert received["Message-ID"] == mail_delivery.outbox_message_id(
        message, "eigd-reviews@localhost")


def test_the_sweeper_makes_and_sends_what_redis_never_ran(session, case_in_sending_letters,
                                                          people, smtp_server):
    _addresses(session, people)
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    session.add(OutboxMessage(kind="information_request", recipients=["pat@example.org"],
                              subject="Information requested", body="…"))
    session.commit()
    done = jobs.sweep()  # 2 letters, the request, and the reviewer's "assigned to you"
    assert done == {"generated": 2, "delivered": 4, "closed": 0}
    session.expire_all()
    assert case.status == CaseStatus.CLOSED
    assert jobs.sweep() == {"generated": 0, "delivered": 0, "closed": 0}
    assert len(smtp_server.inbox.messages) == 4
