"""RQ jobs for letters. Each takes an id, re-reads the row and does nothing twice."""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app
from sqlalchemy.exc import IntegrityError

from backoffice.cases import standing
from backoffice.core.db import utcnow
from backoffice.core.transactions import commit_in_job
from backoffice.extensions import db
from backoffice.letters import delivery, lapses, notices, reminders, services
from backoffice.letters.dispatch import DELIVER_LETTER_JOB
from backoffice.letters.models import Letter
from backoffice.letters.wording import Letterhead
from backoffice.mail.jobs import deliver_outbox, mail_settings, retry_later, sweep_outbox
from backoffice.reviews import followup

log = logging.getLogger(__name__)
SWEEP_BATCH = 200
# deliver_outbox is the mail package's job now; the name stays importable here for jobs
# queued under this path before the move.
__all__ = ["deliver_outbox", "deliver_letter", "generate_letters", "make_notices",
           "sla_reminders", "sweep", "annual_cycle"]


def generate_letters(case_id: int) -> int:
    """Make the letters a case in sending_letters is due; a second run finds nothing due."""
    try:
        letters = commit_in_job(lambda: services.generate_due(
            db.session, case_id=case_id, mail_from=mail_settings().mail_from,
            letterhead=Letterhead.of(current_app.extensions["settings"])),
            job="generate_letters", attempts=1)
    except IntegrityError:  # another worker made this version at the same moment
        return 0
    return len(letters or [])


def make_notices(case_id: int) -> int:
    """Make the notice letters a reopened case is due; a second run finds nothing due."""
    try:
        letters = commit_in_job(lambda: notices.make_notices(
            db.session, case_id=case_id, mail_from=mail_settings().mail_from),
            job="make_notices", attempts=1)
    except IntegrityError:  # another worker made them at the same moment
        return 0
    return len(letters or [])


def deliver_letter(letter_id: int, force: bool = False) -> str:
    """E-mail one letter version; on failure schedule the next try with backoff."""
    result = delivery.deliver_letter(db.session, letter_id, mail_settings(), force=force)
    if result == "failed":
        letter = db.session.get(Letter, letter_id)
        retry_later(DELIVER_LETTER_JOB, letter_id, Letter, letter.attempts)
    return result


def sweep() -> dict[str, int]:
    """Every minute: letters due but not made, mail due but not sent, cases ready to close."""
    session = db.session
    done = {"generated": 0, "delivered": 0, "closed": 0}
    for case_id in services.cases_due_letters(session, SWEEP_BATCH):
        done["generated"] += generate_letters(case_id)
    for case_id in notices.cases_due_notices(session, SWEEP_BATCH):
        done["generated"] += make_notices(case_id)
    now = utcnow()
    for letter_id in delivery.letters_to_deliver(session, now, SWEEP_BATCH):
        done["delivered"] += deliver_letter(letter_id) == "sent"
    done["delivered"] += sweep_outbox(now, SWEEP_BATCH)
    for case_id in services.cases_ready_to_close(session, SWEEP_BATCH):
        delivery.close_case_after_delivery(session, case_id)
        done["closed"] += 1
    session.rollback()
    return done


def sla_reminders() -> int:
    """Daily: each assignee is told of their cases due within two working days or overdue."""
    return commit_in_job(lambda: reminders.write_reminders(db.session, today=utcnow().date()),
                         job="sla_reminders") or 0


def make_lapse_letter(lapse_id: int, today: date | None = None) -> int:
    """The approval group's letter for one lapse; a second run finds it made."""
    try:
        letter = commit_in_job(lambda: lapses.make_lapse_letter(
            db.session, lapse_id=lapse_id, mail_from=mail_settings().mail_from,
            today=today or utcnow().date(),
            letterhead=Letterhead.of(current_app.extensions["settings"])),
            job="make_lapse_letter", attempts=1)
    except IntegrityError:  # another worker made this version at the same moment
        return 0
    return int(letter is not None)


def annual_cycle(today: date | None = None) -> dict[str, int]:
    """Daily: the year's lapsed holders found and cleared, their groups' letters made; the
    accepted plan items kept, followed up and reminded four weeks before their date. Each
    step commits on its own, and a second run the same day does nothing again."""
    today = today or utcnow().date()
    session = db.session
    done = dict.fromkeys(("lapsed", "cleared", "letters", "plans", "followed_up",
                          "reminders"), 0)
    done["lapsed"] = len(commit_in_job(lambda: standing.find_lapses(session, today=today),
                                       job="find_lapses") or [])
    done["cleared"] = len(commit_in_job(lambda: standing.clear_lapses(session),
                                        job="clear_lapses") or [])
    for lapse_id in lapses.lapses_due_letters(session, SWEEP_BATCH):
        done["letters"] += make_lapse_letter(lapse_id, today)
    done["plans"] = commit_in_job(lambda: followup.sync_plans(session), job="sync_plans") or 0
    done["followed_up"] = len(commit_in_job(lambda: followup.follow_up(session),
                                            job="follow_up_plans") or [])
    done["reminders"] = commit_in_job(lambda: followup.write_reminders(session, today=today),
                                      job="plan_reminders") or 0
    log.info("annual cycle", extra=done)
    return done
