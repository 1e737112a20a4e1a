"""backoffice reports publication-status --year 2015/16 --output FILE"""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask.cli import with_appcontext

from backoffice.extensions import db
from backoffice.publication import status


@click.command("publication-status")
@click.option("--year", required=True, help="Reporting year, e.g. 2015/16.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def publication_status(year: str, output: Path) -> None:
    """Every registered organisation's publication status in a reporting year, as CSV."""
    if not re.fullmatch(r"20[0-9]{2}/[0-9]{2}", year):
        raise click.ClickException("Write the reporting year as 2015/16.")
    try:
        with output.open("w", newline="", encoding="utf-8") as stream:
            stream.writelines(status.csv_lines(db.session, status.Filters(year)))
    finally:
        db.session.rollback()
    click.echo(f"{year}: publication status written to {output}")
