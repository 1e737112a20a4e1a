"""Periodic jobs: each worker runs a small clock; Redis makes sure one enqueue per period."""

from __future__ import annotations

import logging
import threading
import time

from backoffice.core.jobs import PendingJob, send

log = logging.getLogger(__name__)
TICK_SECONDS = 5
PERIODIC_JOBS: tuple[tuple[str, int], ...] = (
    ("backoffice.notifications.jobs.sweep", 60),
    ("backoffice.letters.jobs.sweep", 60),
    ("backoffice.letters.jobs.sla_reminders", 24 * 60 * 60),
    ("backoffice.letters.jobs.annual_cycle", 24 * 60 * 60),
)


def due_now(connection, func: str, period: int, now: float | None = None) -> bool:
    """True for exactly one caller per period, whichever worker asks first."""
    slot = int((now or time.time()) // period)
    return bool(connection.set(f"backoffice:schedule:{func}:{slot}", 1, nx=True,
                               ex=period * 2))


def tick(app, connection) -> None:
    for func, period in PERIODIC_JOBS:
        if due_now(connection, func, period):
            # the whole dotted path: two modules may each have a job named "sweep"
            job_id = f"{func.replace('.', '_')}-{int(time.time())}"
            send(PendingJob(func, job_id=job_id), app)


def start_clock(app, connection, stop: threading.Event) -> threading.Thread:
    def run() -> None:
        while not stop.wait(TICK_SECONDS):
            try:
                tick(app, connection)
            except Exception:  # Redis away for a moment: try again next tick
                log.warning("scheduler tick failed", exc_info=True)

    thread = threading.Thread(target=run, name="backoffice-clock", daemon=True)
    thread.start()
    return thread
