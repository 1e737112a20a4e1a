"""The RQ worker: each job runs inside the application context, on its own connections."""

from __future__ import annotations

import logging
import threading

from rq import Worker

from backoffice.core.jobs import QUEUE_NAME, prepare_forked_process
from backoffice.core.redis import connect, redis_url
from backoffice.core.schedule import start_clock


class AppWorker(Worker):
    """An RQ worker whose jobs run with the back office's application context."""

    flask_app = None

    def perform_job(self, job, queue, execution) -> bool:
        prepare_forked_process(self.flask_app)
        with self.flask_app.app_context():
            return super().perform_job(job, queue, execution)


def _warm_caches() -> None:
    """Load once, before jobs fork, what every job would otherwise load again."""
    from datetime import date

    from backoffice.core import workingdays

    this_year = date.today().year
    for year in (this_year - 1, this_year, this_year + 1):
        workingdays.bank_holiday(date(year, 1, 1))


def build_worker(app, *, name: str | None = None) -> AppWorker:
    _warm_caches()
    connection = connect(redis_url(app.extensions["settings"]))
    worker = AppWorker([QUEUE_NAME], connection=connection, name=name)
    worker.flask_app = app
    return worker


def run_worker(app, *, burst: bool = False, log_level: str = "INFO") -> None:
    """Work the queue (with RQ's scheduler for retries, and the periodic jobs) until stopped;
    ``log_level`` WARNING keeps only what needs a look (failed deliveries, errors)."""
    logging.getLogger().setLevel(log_level)
    logging.getLogger("rq").setLevel(log_level)
    worker = build_worker(app)
    stop = threading.Event()
    if not burst:
        start_clock(app, worker.connection, stop)
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level=log_level)
    finally:
        stop.set()
