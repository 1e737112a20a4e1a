"""Waking the worker after the webhook's commit: one Redis SET per request, one job per window.

The request sets ``PENDING_KEY`` only if it is absent and, when it set it,
enqueues ``process_pending``; that job deletes the key before it reads the
pending rows. A row committed before its request's SET is therefore seen by
the job that deletes the key afterwards (whichever request set it). Redis down
or slow costs a request at most the short timeouts below and never fails it:
the row is stored, and the sweeper processes it.
"""

from __future__ import annotations

import logging

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
_CLIENT = "notifications_wakeup_redis"


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
    try:
        connection = client(app)
        if not connection.set(PENDING_KEY, 1, nx=True, px=WINDOW_MILLISECONDS):
            return False
    except Exception:  # Redis down or slow: never the request's failure
        log.warning("could not wake the worker; the sweeper will process the notification")
        return False
    try:
        Queue(QUEUE_NAME, connection=connection).enqueue(
            PROCESS_PENDING_JOB, job_timeout=PROCESS_PENDING_TIMEOUT, retry=DEFAULT_RETRY)
        return True
    except Exception:  # as above
        log.warning("could not enqueue process_pending; the sweeper will process the rest")
        _forget(connection)  # so that the next request tries again
        return False


def start_processing(app) -> None:
    """The job's first step: from now on, a newly committed row wakes another job."""
    _forget(client(app))


def _forget(connection: redis.Redis) -> None:
    try:
        connection.delete(PENDING_KEY)
    except (redis.RedisError, OSError):
        log.warning("could not clear the wake-up key; it expires within a minute")
