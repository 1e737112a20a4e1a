"""Edge helpers that own a transaction: commit once, retry when another writer won a race."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

T = TypeVar("T")
DEFAULT_ATTEMPTS = 5


def commit_with_retries(session: Session, work: Callable[[], T],
                        attempts: int = DEFAULT_ATTEMPTS) -> T:
    """Run ``work`` and commit; if a concurrent writer made it stale, roll back and run again."""
    for attempt in range(attempts):
        try:
            result = work()
            session.commit()
            return result
        except (StaleDataError, IntegrityError):
            session.rollback()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
