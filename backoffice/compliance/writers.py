"""The compliance report as CSV (one file per part) or XLSX (one sheet per part).

The XLSX is written by openpyxl in write-only mode, row by row, so memory stays flat
however many organisations published.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from backoffice.compliance import services
from backoffice.compliance.services import (
    ATTAINMENT_HEADINGS,
    COUNT_HEADINGS,
    ReportingYear,
)
from backoffice.core.requirements import initiative
from backoffice.core.spreadsheets import neutralised

DATE_FORMAT = "yyyy-mm-dd"
ATTAINMENT_WIDTHS = (12, 45, 30, 10, 12)
REQUIREMENT_WIDTH = 7
COUNT_WIDTHS = (35, 30, 38, 30)
ATTAINMENT_SHEET = "Attainment by requirement"
LATE_SHEET = "Published late"
COUNTS_SHEET = "Publications by category"
Progress = Callable[[int], None]


@dataclass
class Report:
    """What a report needs: the year and the requirement columns of part (a)."""

    year: ReportingYear
    requirement_ids: list[str]
    organisations: int


def prepare(session: Session, *, year: ReportingYear, today: date) -> Report:
    """Check the year has ended, then find the report's columns and size."""
    services.require_available(year, today=today)
    return Report(year, services.requirement_ids(session, year=year),
                  services.count_publishers(session, year=year))


def attainment_headings(report: Report) -> list[str]:
    return [*ATTAINMENT_HEADINGS, *report.requirement_ids]


def _noop(_count: int) -> None:
    return None


def initiative_headings(report: Report) -> list[str | None]:
    """The row above the headings: each initiative's name over its first requirement."""
    names: list[str | None] = [None] * len(ATTAINMENT_HEADINGS)
    previous = None
    for requirement_id in report.requirement_ids:
        name = initiative(requirement_id)
        names.append(name if name != previous else None)
        previous = name
    return names


def write_attainment_csv(session: Session, report: Report, stream: IO[str],
                         progress: Progress = _noop, *, late: bool = False) -> None:
    """Part (a) as CSV: a header row, then one row per organisation that published by
    31 March (or, ``late``, after it); the requirement columns grouped by initiative."""
    writer = csv.writer(stream)
    writer.writerow(attainment_headings(report))
    for row in services.attainment_rows(session, year=report.year, late=late):
        cells = row.cells(report.requirement_ids)
        cells[4] = cells[4].isoformat()
        writer.writerow(neutralised("" if cell is None else cell for cell in cells))
        progress(1)


def write_counts_csv(session: Session, report: Report, stream: IO[str]) -> None:
    """Part (b) as CSV: a header row, then one row per organisation category."""
    writer = csv.writer(stream)
    writer.writerow(COUNT_HEADINGS)
    writer.writerows(map(neutralised, services.counts_by_type(session, year=report.year)))


def _header(sheet, headings: Iterable[str]) -> list[WriteOnlyCell]:
    bold = Font(bold=True)
    cells = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        cells.append(cell)
    return cells


def _widths(sheet, widths: Iterable[float]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _attainment_sheet(workbook: Workbook, session: Session, report: Report,
                      progress: Progress, *, late: bool = False) -> None:
    sheet = workbook.create_sheet(LATE_SHEET if late else ATTAINMENT_SHEET)
    sheet.freeze_panes = "C3"  # the header rows and the organisation stay in view
    _widths(sheet, [*ATTAINMENT_WIDTHS, *[REQUIREMENT_WIDTH] * len(report.requirement_ids)])
    sheet.append(_header(sheet, initiative_headings(report)))
    sheet.append(_header(sheet, attainment_headings(report)))
    for row in services.attainment_rows(session, year=report.year, late=late):
        cells = neutralised(row.cells(report.requirement_ids))
        cells[4] = WriteOnlyCell(sheet, value=cells[4])
        cells[4].number_format = DATE_FORMAT
        sheet.append(cells)
        progress(1)


def _counts_sheet(workbook: Workbook, session: Session, report: Report) -> None:
    sheet = workbook.create_sheet(COUNTS_SHEET)
    sheet.freeze_panes = "A2"
    _widths(sheet, COUNT_WIDTHS)
    sheet.append(_header(sheet, COUNT_HEADINGS))
    for row in services.counts_by_type(session, year=report.year):
        sheet.append(neutralised(row))


def write_xlsx(session: Session, report: Report, target: str | IO[bytes],
               progress: Progress = _noop) -> None:
    """Both parts as one workbook: part (a) by 31 March, the late publications apart, and
    part (b); header rows (initiatives over their requirements), frozen panes, widths, dates."""
    workbook = Workbook(write_only=True)
    _attainment_sheet(workbook, session, report, progress)
    _attainment_sheet(workbook, session, report, progress, late=True)
    _counts_sheet(workbook, session, report)
    workbook.save(target)
