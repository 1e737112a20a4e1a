"""Waking the worker after the webhook's commit: one job per window, few Redis round trips.

A request sets ``PENDING_KEY`` only if it is absent and, when it set it,
enqueues ``process_pending``; that job deletes the key before it reads the
pending rows. A row committed before its request's SET is therefore seen by
the job that deletes the key afterwards (whichever request set it).

A process that found the key in place less than ``RECENT_SECONDS`` ago does not
ask again: under load that is one SET per process per interval instead of one
per request. Such a request's row was committed less than ``RECENT_SECONDS``
after the job it relied on existed, so before that job cleared the key plus
``RECENT_SECONDS``; the job therefore reads the pending rows once more when that
much time has passed since it cleared the key (``linger``).

Redis down or slow costs a request at most the short timeouts below and never
fails it: the row is stored, and the sweeper processes it.
"""

from __future__ import annotations

import logging
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue

from backoffice.core.jobs import DEFAULT_RETRY, QUEUE_NAME
from backoffice.core.redis import redis_url

log = logging.getLogger(__name__)
PENDING_KEY = "backoffice:notifications:pending"
WINDOW_MILLISECONDS = 60_000
TIMEOUT_SECONDS = 0.25
PROCESS_PENDING_JOB = "backoffice.notifications.jobs.process_pending"
PROCESS_PENDING_TIMEOUT = 30 * 60
RECENT_SECONDS = 0.1
_CLIENT = "notifications_wakeup_redis"
_SEEN = "notifications_wakeup_seen"


def client(app) -> redis.Redis:
    """One client per application (its pool survives forks), with short timeouts, no retries."""
    connection = app.extensions.get(_CLIENT)
    if connection is None:
        connection = redis.Redis.from_url(
            redis_url(app.extensions["settings"]), socket_connect_timeout=TIMEOUT_SECONDS,
            socket_timeout=TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0))
        app.extensions[_CLIENT] = connection
    return connection


def wake_worker(app) -> bool:
    """Enqueue ``process_pending`` unless one is already due in this window; True if enqueued."""
    asked_at = time.monotonic()
    if asked_at - app.extensions.get(_SEEN, float("-inf")) < RECENT_SECONDS:
        return False  # a job is due: it reads the pending rows again after the interval
    try:
        connection = client(app)
        created = connection.set(PENDING_KEY, 1, nx=True, px=WINDOW_MILLISECONDS)
    except Exception:  # Redis down or slow: never the request's failure
        log.warning("could not wake the worker; the sweeper will process the notification")
        return False
    if created and not _enqueue(connection):
        return False
    app.extensions[_SEEN] = asked_at  # the key was in place: a job is due
    return bool(created)


def forget_seen(app) -> None:
    """Ask Redis again on the next request (after Redis was emptied, as the tests do)."""
    app.extensions.pop(_SEEN, None)


def _enqueue(connection: redis.Redis) -> bool:
    try:
        Queue(QUEUE_NAME, connection=connection).enqueue(
            PROCESS_PENDING_JOB, job_timeout=PROCESS_PENDING_TIMEOUT, retry=DEFAULT_RETRY)
        return True
    except Exception:  # as above
        log.warning("could not enqueue process_pending; the sweeper will process the rest")
        _forget(connection)  # so that the next request tries again
        return False


def start_processing(app) -> float:
    """The job's first step: from now on, a newly committed row wakes another job.
    Returns when the key was cleared (``time.monotonic()``), for ``linger``."""
    _forget(client(app))
    return time.monotonic()


def linger(cleared_at: float) -> None:
    """Wait until ``RECENT_SECONDS`` after the key was cleared, for the job's last read:
    a request that found the key in place until then may not have asked for a job."""
    remaining = cleared_at + RECENT_SECONDS - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def _forget(connection: redis.Redis) -> None:
    try:
        connection.delete(PENDING_KEY)
    except (redis.RedisError, OSError):
        log.warning("could not clear the wake-up key; it expires within a minute")
