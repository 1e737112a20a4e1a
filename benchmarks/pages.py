"""Shared by the page benchmarks (queue.py, publication_status.py): server time of pages
through the Flask test client, and the p95 of the timings."""

from __future__ import annotations

import time


def time_requests(client, urls: dict[str, str], repeats: int) -> dict[str, list[float]]:
    """Server time in ms of each URL, ``repeats`` times, after one warm-up request each."""
    timings: dict[str, list[float]] = {name: [] for name in urls}
    for url in urls.values():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    for _ in range(repeats):
        for name, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            timings[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return timings


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
