"""New outbox messages ask for their delivery job after commit, whoever wrote them."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from backoffice.core.jobs import enqueue_after_commit
from backoffice.mail.delivery import INTERNAL_KINDS
from backoffice.mail.models import OutboxMessage

DELIVER_OUTBOX_JOB = "backoffice.mail.jobs.deliver_outbox"


@event.listens_for(Session, "after_flush")
def _request_jobs(session: Session, _context) -> None:
    for obj in session.new:
        if isinstance(obj, OutboxMessage) and obj.sent_at is None \
                and obj.kind not in INTERNAL_KINDS:
            enqueue_after_commit(session, DELIVER_OUTBOX_JOB, obj.id,
                                 job_id=f"deliver-outbox-{obj.id}")
