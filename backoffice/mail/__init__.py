"""Shared mail: the outbox every feature writes to, and the one path that hands mail to SMTP.

Any feature (reviews, letters, helpdesk) writes an ``OutboxMessage`` in its own transaction;
a job sends it after commit, exactly once, with retries and backoff. Letters use the same
delivery steps for their own rows. This package sits above cases (a message may be about a
case) and below every feature that sends mail.
"""


def init_app(_app) -> None:
    """Register the listener that asks for a delivery job for each new outbox message."""
    from backoffice.mail import dispatch  # noqa: F401
