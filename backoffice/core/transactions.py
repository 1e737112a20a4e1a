"""The edge commits once: views, jobs and commands run a service through one helper here.

``commit_once`` runs the service and commits; a refusal (``ServiceError``) is rolled back,
and a lost race (a stale row, a duplicate key) is rolled back and run again when the edge
allows more than one attempt. Each kind of edge then says the refusal its own way:

- a view: ``commit_or_refusal`` flashes what was done, or shows the refusal on the form
  field it names (a flash otherwise) and hands it back so the page can be shown again;
- a job: ``commit_in_job`` logs the refusal as the job's failure record and returns None,
  since running it again would be refused again (a lost race is retried at once);
- a command: ``commit_in_command`` turns the refusal into the command's message and exit
  code 1.

Services never commit; they flush, and raise a ``ServiceError`` that says which rule refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import click
from flask import flash
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backoffice.core.errors import ServiceError

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_ATTEMPTS = 5


def _session(session: Session | None) -> Session:
    if session is not None:
        return session
    from backoffice.extensions import db

    return db.session


def commit_once(work: Callable[[], T], *, session: Session | None = None,
                attempts: int = 1) -> T:
    """Run ``work`` (a service call) and commit. A refusal is rolled back and raised; a lost
    race is rolled back and run again, up to ``attempts`` runs in all."""
    session = _session(session)
    for attempt in range(attempts):
        try:
            result = work()
            session.commit()
            return result
        except ServiceError:
            session.rollback()
            raise
        except (StaleDataError, IntegrityError):
            session.rollback()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def commit_with_retries(session: Session, work: Callable[[], T],
                        attempts: int = DEFAULT_ATTEMPTS) -> T:
    """Run ``work`` and commit; if a concurrent writer made it stale, roll back and run again."""
    return commit_once(work, session=session, attempts=attempts)


def show_refusal(error: ServiceError, form=None) -> None:
    """On the form's field the refusal names, or else as a flash."""
    field = getattr(form, error.field or "", None) if form is not None else None
    if field is None:
        flash(error.message, "error")
    else:
        field.errors = [*field.errors, error.message]


def commit_or_refusal(work: Callable[[], T], done: str | Callable[[T], str] | None = None, *,
                      form=None,
                      refusals: type[ServiceError] | tuple = ServiceError,
                      session: Session | None = None, attempts: int = 1) -> ServiceError | None:
    """A view's transaction: run and commit, then flash ``done``; a refusal is rolled back,
    shown (see ``show_refusal``) and handed back (None when done), for the page to show
    again with what was entered. Refusals not of ``refusals`` go to the one error handler.
    ``done`` may be a function of what the service returned (nothing is said when it
    gives nothing)."""
    try:
        result = commit_once(work, session=session, attempts=attempts)
    except refusals as error:
        show_refusal(error, form)
        return error
    message = done(result) if callable(done) else done
    if message:
        flash(message, "success")
    return None


def commit_and_tell(work: Callable[[], T], done: str | Callable[[T], str],
                    **options) -> bool:
    """As ``commit_or_refusal``: True when done, False when refused."""
    return commit_or_refusal(work, done, **options) is None


def commit_in_job(work: Callable[[], T], *, job: str, session: Session | None = None,
                  attempts: int = DEFAULT_ATTEMPTS) -> T | None:
    """A job's transaction: run and commit, running again after a lost race; a refusal is
    rolled back and logged as the job's failure (None returned: a retry would be refused
    again, and the sweeper finds whatever the database says is still due)."""
    try:
        return commit_once(work, session=session, attempts=attempts)
    except ServiceError as error:
        log.warning("job refused", extra={"job": job, "refusal": error.message})
        return None


def commit_in_command(work: Callable[[], T], *, session: Session | None = None) -> T:
    """A command's transaction: run and commit; a refusal is rolled back and becomes the
    command's message ("Error: …") and exit code 1."""
    try:
        return commit_once(work, session=session)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
