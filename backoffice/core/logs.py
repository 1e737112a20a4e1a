"""One log format for every process (web, worker, commands)."""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def configure(level: int | str = logging.INFO, *, force: bool = False) -> None:
    """Log to standard error in LOG_FORMAT. Without ``force`` an existing set-up (a test
    runner's, gunicorn's) is left alone; with it, one made by another library (Alembic's
    fileConfig during a migration) is replaced."""
    logging.basicConfig(level=level, format=LOG_FORMAT, datefmt=DATE_FORMAT, force=force)
