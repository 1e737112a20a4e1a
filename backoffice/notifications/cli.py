"""backoffice notifications import FILE."""

from __future__ import annotations

import math
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from backoffice.extensions import db
from backoffice.notifications.importing import BATCH_SIZE, import_records
from backoffice.notifications.records import read_records


@click.group()
def notifications() -> None:
    """Publication notifications."""


def _count_records(path: Path) -> int:
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(lines - 1, 0) if path.suffix.lower() == ".csv" else lines


@notifications.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the CPU count",
              help="Processes importing side by side (PostgreSQL; each organisation's "
                   "records stay in one, in file order).")
@with_appcontext
def import_command(file: Path, workers: int) -> None:
    """Back-fill notifications from JSON Lines (one contract body a line) or CSV."""
    sla_days = current_app.extensions["settings"].review_sla_days
    total = _count_records(file)
    workers = min(workers, math.ceil(total / BATCH_SIZE)) or 1  # a batch each at least
    with tqdm(total=total, unit="record", desc="Importing", disable=None) as bar:
        summary = import_records(db.session, read_records(file), sla_days=sla_days,
                                 progress=bar.update, workers=workers)
    click.echo(f"Read {summary.read} records: {summary.accepted} accepted "
               f"({summary.cases_opened} cases opened, {summary.unmatched} unmatched), "
               f"{summary.repeats} repeats, {summary.conflicts} conflicting repeats, "
               f"{len(summary.rejected)} rejected.")
    for line, reason in summary.rejected:
        click.echo(f"  line {line}: {reason}")
