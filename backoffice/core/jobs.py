"""Background jobs on RQ: enqueued only after the transaction commits.

Jobs take ids, re-read their rows and return early when the work is done, so
a retry is harmless. An enqueue that fails is logged; the sweeper finds the
work from the database state.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from flask import current_app
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from backoffice.core.redis import connect, redis_url

log = logging.getLogger(__name__)
QUEUE_NAME = "default"
DEFAULT_JOB_TIMEOUT = 300
DEFAULT_RETRY = Retry(max=5, interval=[10, 30, 60, 300, 900])


@dataclass
class PendingJob:
    func: str
    args: tuple = ()
    job_id: str | None = None
    options: dict = field(default_factory=dict)


def queue(app=None) -> Queue:
    app = app or current_app
    settings = app.extensions["settings"]
    return Queue(QUEUE_NAME, connection=connect(redis_url(settings)))


def enqueue_after_commit(session: Session, func: str, *args, job_id: str | None = None,
                         **options) -> None:
    """Ask for a job to run once this session's transaction commits; dropped on rollback."""
    session.info.setdefault("pending_jobs", []).append(PendingJob(func, args, job_id, options))


def send(job: PendingJob, app=None) -> bool:
    try:
        queue(app).enqueue(job.func, *job.args, job_id=job.job_id,
                           job_timeout=job.options.get("job_timeout", DEFAULT_JOB_TIMEOUT),
                           retry=job.options.get("retry", DEFAULT_RETRY))
        return True
    except Exception:  # Redis down: the sweeper will find the work
        log.warning("enqueue failed; left for the sweeper", extra={"job": job.func,
                                                                   "job_id": job.job_id})
        return False


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    jobs = session.info.pop("pending_jobs", [])
    for job in jobs:
        send(job)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous) -> None:
    session.info.pop("pending_jobs", None)


def prepare_forked_process(app) -> None:
    """A forked job process must not share the parent's database connections."""
    from backoffice.extensions import db

    if app.extensions.get("pool_pid") != os.getpid():
        with app.app_context():
            db.engine.dispose(close=False)
        app.extensions["pool_pid"] = os.getpid()
