"""backoffice organisations import FILE"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.transactions import commit_in_command
from backoffice.extensions import db
from backoffice.organisations.importing import import_organisations, read_csv


@click.group()
def organisations() -> None:
    """The organisations register."""


@organisations.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Create or update organisations from a CSV file (upsert by ODS code)."""
    total = max(sum(1 for _ in file.open(encoding="utf-8-sig")) - 1, 0)
    with tqdm(total=total, unit="row", desc="Importing", disable=None) as bar:
        summary = commit_in_command(lambda: import_organisations(
            db.session, actor=SYSTEM_ACTOR, rows=read_csv(file), progress=bar.update))
    click.echo(f"Read {summary.read} rows: {summary.created} created, {summary.updated} "
               f"updated, {summary.unchanged} unchanged, {len(summary.rejected)} rejected.")
    for rejection in summary.rejected:
        click.echo(f"  line {rejection.line} ({rejection.ods_code or 'no ODS code'}): "
                   f"{rejection.reason}")
