"""What staff do with the outbox: send a message again now."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.core.audit import Actor, record_event
from backoffice.core.errors import NotFound
from backoffice.core.jobs import enqueue_after_commit
from backoffice.mail.dispatch import DELIVER_OUTBOX_JOB
from backoffice.mail.models import OutboxMessage


def retry_outbox_message(session: Session, *, actor: Actor, message_pk: int) -> OutboxMessage:
    """An admin sends an unsent message again now, whatever its backoff says; audited."""
    message = session.get(OutboxMessage, message_pk)
    if message is None:
        raise NotFound(f"no message {message_pk}")
    enqueue_after_commit(session, DELIVER_OUTBOX_JOB, message.id, True,
                         job_id=f"retry-outbox-{message.id}-{message.attempts}")
    record_event(session, actor, "retry_delivery", "outbox_messages", message.id,
                 message.subject, {"delivery": [message.last_error or "not sent yet",
                                                "sending again now"]})
    return message
