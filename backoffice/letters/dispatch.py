"""New letters, and the marks that letters are due, ask for their job after commit."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from backoffice.core.jobs import enqueue_after_commit
from backoffice.letters.models import Letter
from backoffice.mail.models import OutboxMessage

GENERATE_JOB = "backoffice.letters.jobs.generate_letters"
DELIVER_LETTER_JOB = "backoffice.letters.jobs.deliver_letter"
LETTERS_DUE = "letters_due"
NOTICES_JOB = "backoffice.letters.jobs.make_notices"
NOTICES_DUE = "notices_due"


@event.listens_for(Session, "after_flush")
def _request_jobs(session: Session, _context) -> None:
    for obj in session.new:
        if isinstance(obj, Letter):
            enqueue_after_commit(session, DELIVER_LETTER_JOB, obj.id,
                                 job_id=f"deliver-letter-{obj.id}")
        elif isinstance(obj, OutboxMessage) and obj.kind == LETTERS_DUE:
            enqueue_after_commit(session, GENERATE_JOB, obj.case_id,
                                 job_id=f"generate-letters-{obj.case_id}-{obj.id}")
        elif isinstance(obj, OutboxMessage) and obj.kind == NOTICES_DUE:
            enqueue_after_commit(session, NOTICES_JOB, obj.case_id,
                                 job_id=f"make-notices-{obj.case_id}-{obj.id}")
