"""backoffice reports compliance --year 2015/16 --format xlsx|csv --output FILE"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from backoffice.compliance import writers
from backoffice.compliance.services import ReportingYear
from backoffice.core.db import utcnow
from backoffice.core.errors import ServiceError
from backoffice.extensions import db

COUNTS_SUFFIX = "-by-organisation-category"
LATE_SUFFIX = "-late"
logger = logging.getLogger(__name__)


def counts_path(output: Path, suffix: str = COUNTS_SUFFIX) -> Path:
    """Where the CSV of part (b) (or of the late publications) goes, beside part (a)'s."""
    return output.with_name(f"{output.stem}{suffix}{output.suffix or '.csv'}")


@click.group()
def reports() -> None:
    """Reports for scheduled runs."""


def _write(report, file_format: str, output: Path, bar) -> list[Path]:
    if file_format == "xlsx":
        writers.write_xlsx(db.session, report, str(output), progress=bar.update)
        return [output]
    with output.open("w", newline="", encoding="utf-8") as stream:
        writers.write_attainment_csv(db.session, report, stream, progress=bar.update)
    late = counts_path(output, LATE_SUFFIX)
    with late.open("w", newline="", encoding="utf-8") as stream:
        writers.write_attainment_csv(db.session, report, stream, late=True)
    with counts_path(output).open("w", newline="", encoding="utf-8") as stream:
        writers.write_counts_csv(db.session, report, stream)
    return [output, late, counts_path(output)]


@reports.command("compliance")
@click.option("--year", "year_text", required=True, help="Reporting year, e.g. 2015/16.")
@click.option("--format", "file_format", type=click.Choice(["xlsx", "csv"]), default="xlsx",
              show_default=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True)
@with_appcontext
def compliance(year_text: str, file_format: str, output: Path, today) -> None:
    """The annual compliance report: attainment per organisation by 31 March, the late
    publications apart, counts per organisation category."""
    day: date = today.date() if today else utcnow().date()
    try:
        year = ReportingYear.parse(year_text)
        report = writers.prepare(db.session, year=year, today=day)
        with tqdm(total=report.organisations, unit="org", desc="Writing", disable=None) as bar:
            written = _write(report, file_format, output, bar)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    finally:
        db.session.rollback()
    logger.info("compliance report written", extra={
        "year": year.label, "organisations": report.organisations, "format": file_format,
        "files": [str(path) for path in written]})
    click.echo(f"{year.label}: {report.organisations} organisations published by 31 March; "
               f"{len(report.requirement_ids)} requirements. Written: "
               + ", ".join(str(path) for path in written))
