"""Sending a year's compliance report: the XLSX to CQC and Monitor, the counts per
organisation category to the Cabinet Office, by the outbox (retried, each message once);
then the Publications page shows it.

Once per year: the ``compliance_reports`` row (unique per year) is what was sent, and
sending again finds it and sends nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.compliance import services, writers
from backoffice.compliance.models import SentComplianceReport
from backoffice.compliance.services import COUNT_HEADINGS, ReportingYear
from backoffice.core.audit import Actor, record_event
from backoffice.core.db import utcnow
from backoffice.core.errors import InvalidInput
from backoffice.core.spreadsheets import neutralised
from backoffice.mail import delivery, smtp
from backoffice.mail.models import OutboxMessage

COMPLIANCE_REPORT = "compliance_report"
COMPLIANCE_SUMMARY = "compliance_summary"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def addresses(setting: str) -> list[str]:
    """A comma-separated setting as its addresses."""
    return [address.strip() for address in (setting or "").split(",") if address.strip()]


def sent_report(session: Session, year: str) -> SentComplianceReport | None:
    return session.scalar(select(SentComplianceReport).where(
        SentComplianceReport.reporting_year == year))


def sent_reports(session: Session) -> list[SentComplianceReport]:
    """Every sent report, latest year first (what the Publications page lists)."""
    return list(session.scalars(select(SentComplianceReport)
                                .order_by(SentComplianceReport.reporting_year.desc())))


def file_name(year: ReportingYear) -> str:
    return f"compliance-{year.start}-{(year.start + 1) % 100:02d}.xlsx"


def _xlsx(session: Session, year: ReportingYear, today: date) -> bytes:
    report = writers.prepare(session, year=year, today=today)
    target = io.BytesIO()
    writers.write_xlsx(session, report, target)
    return target.getvalue()


def send_report(session: Session, *, actor: Actor, year: ReportingYear, today: date,
                report_to: list[str], summary_to: list[str]) -> tuple[SentComplianceReport, bool]:
    """Send the year's report once: store exactly what is sent, write one outbox message per
    address (the report to each of ``report_to``, the summary to each of ``summary_to``),
    audit it. Already sent: the stored report, and False."""
    existing = sent_report(session, year.label)
    if existing is not None:
        return existing, False
    if not report_to or not summary_to:
        raise InvalidInput("No address to send the report to: set BACKOFFICE_COMPLIANCE_"
                           "REPORT_TO (CQC and Monitor) and BACKOFFICE_COMPLIANCE_SUMMARY_TO "
                           "(the Cabinet Office).", field="year")
    services.require_available(year, today=today)
    if not services.counts_by_type(session, year=year):
        raise InvalidInput(f"No organisation published an assessment for {year.label}: "
                           "there is no report to send.", field="year")
    content = _xlsx(session, year, today)
    sent = SentComplianceReport(
        reporting_year=year.label, sent_at=utcnow(), sent_by_id=actor.user_id,
        filename=file_name(year), content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        counts=[list(row) for row in services.counts_by_type(session, year=year)],
        report_to=report_to, summary_to=summary_to)
    try:
        with session.begin_nested():
            session.add(sent)
    except IntegrityError:  # sent meanwhile by someone else: theirs stands
        return sent_report(session, year.label), False
    for address in report_to:
        session.add(OutboxMessage(kind=COMPLIANCE_REPORT, recipients=[address],
                                  subject=f"IG Toolkit compliance report {year.label}",
                                  body=_report_body(year), data={"report": sent.id}))
    for address in summary_to:
        session.add(OutboxMessage(kind=COMPLIANCE_SUMMARY, recipients=[address],
                                  subject=f"IG Toolkit publications by organisation category "
                                          f"{year.label}",
                                  body=_summary_body(year, sent.counts),
                                  data={"report": sent.id}))
    record_event(session, actor, "send_report", "compliance_reports", sent.id, str(sent),
                 {"report_to": report_to, "summary_to": summary_to, "sha256": sent.sha256})
    session.flush()
    return sent, True


def _report_body(year: ReportingYear) -> str:
    return (f"The IG Toolkit compliance report for {year.label} is attached: each organisation "
            f"that published an assessment by 31 March {year.start + 1}, with its attainment "
            "level against each requirement, grouped by initiative; organisations that "
            "published after 31 March are listed apart, as late.\n\nThe report is also "
            "published on the IG Toolkit Publications page.\n")


def _summary_body(year: ReportingYear, counts: list[list]) -> str:
    lines = [f"The number of organisations that published an IG Toolkit assessment for "
             f"{year.label}, in each organisation category (attached as CSV):", ""]
    for category, published, publications, late in counts:
        lines.append(f"- {category}: {published} by 31 March ({publications} publications), "
                     f"{late} late")
    return "\n".join(lines) + "\n"


def counts_csv(counts: list[list]) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COUNT_HEADINGS)
    writer.writerows(neutralised(row) for row in counts)
    return stream.getvalue().encode("utf-8")


def _compose(session: Session, message: OutboxMessage) -> delivery.Composed:
    """The message with its attachment, read from the stored report as it was sent."""
    sent = session.get(SentComplianceReport, (message.data or {}).get("report"))
    if message.kind == COMPLIANCE_REPORT:
        attachment = smtp.Attachment(sent.filename, sent.content, XLSX_TYPE)
    else:
        attachment = smtp.Attachment(sent.filename.replace(".xlsx", "-by-category.csv"),
                                     counts_csv(sent.counts), "text/csv")
    return delivery.Composed(message.body, attachments=[attachment])


def register_composers() -> None:
    delivery.COMPOSERS[COMPLIANCE_REPORT] = _compose
    delivery.COMPOSERS[COMPLIANCE_SUMMARY] = _compose
