"""Build the default Word templates: ``python -m backoffice.letters.build_templates``.

The templates carry Jinja placeholders (docxtpl): ``{{ name }}`` in runs, ``{%p if %}``
paragraphs for the outcome wording and a ``{%tr for %}`` row for the improvement plan.
"""

from __future__ import annotations

import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from backoffice.core.vocabulary import GROUP_LETTERS, Outcome
from backoffice.letters.rendering import FIXED_ZIP_TIME

OUT = Path(__file__).parent / "default_templates"
PLAN_COLUMNS = ("Requirement", "Action", "Owner", "Target date")
PLAN_FIELDS = ("{{ action.requirement }} {{ action.requirement_title }}", "{{ action.action }}",
               "{{ action.owner }}", "{{ action.target_date }}")


@dataclass(frozen=True)
class Recipient:
    key: str
    addressee: str
    about: str


RECIPIENTS = (
    *(Recipient(group.value, wording.addressee, wording.about)
      for group, wording in GROUP_LETTERS.items()),
    Recipient("organisation", "{{ organisation_name }}",
              "your application(s): {{ application_references }}"),
)
# A case opened by a review rule answers no application: its letter says so.
NO_APPLICATION = "This review was not made in support of an application."


def _heading(document, recipient: Recipient) -> None:
    right = document.add_paragraph("External IG Delivery\nOur reference: {{ letter_reference }}"
                                   "\nCase: {{ case_reference }}\nDate: {{ date }}")
    right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph(recipient.addressee)
    if recipient.key == "organisation":
        document.add_paragraph("{{ organisation_address }}")
    title = document.add_paragraph()
    run = title.add_run("IG Toolkit desk review: {{ organisation_name }} ({{ ods_code }})")
    run.bold = True
    run.font.size = Pt(14)


def _facts(document, recipient: Recipient) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    rows = (("Organisation", "{{ organisation_name }}"), ("ODS code", "{{ ods_code }}"),
            ("Address", "{{ organisation_address }}"),
            ("Toolkit version", "{{ toolkit_version }}"),
            ("Reporting year", "{{ reporting_year }}"),
            ("Application", "{{ application_reference }}" if recipient.key != "organisation"
             else '{{ application_references or "None" }}'),
            ("Outcome", "{{ outcome_label }}"))
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value


def _outcome(document) -> None:
    with_plan = Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN
    document.add_paragraph(f'{{%p if outcome == "{Outcome.SATISFACTORY.value}" %}}')
    document.add_paragraph(f"Outcome: {Outcome.SATISFACTORY.label}. Every applicable "
                           "requirement is at level 2 or above.")
    document.add_paragraph(f'{{%p elif outcome == "{with_plan.value}" %}}')
    document.add_paragraph(f"Outcome: {with_plan.label}. The organisation has agreed the "
                           "following actions, which we have accepted:")
    table = document.add_table(rows=3, cols=len(PLAN_COLUMNS))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, PLAN_COLUMNS, strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
    table.rows[1].cells[0].text = "{%tr for action in actions %}"
    for cell, value in zip(table.rows[2].cells, PLAN_FIELDS, strict=True):
        cell.text = value
    table.add_row().cells[0].text = "{%tr endfor %}"
    document.add_paragraph('{%p else %}')
    document.add_paragraph(f"Outcome: {Outcome.NOT_SATISFACTORY.label}, for these reasons:")
    document.add_paragraph("{{ reasons }}")
    document.add_paragraph('{%p endif %}')


def _opening(recipient: Recipient) -> str:
    reviewed = ("We have completed the desk review of the Information Governance Toolkit "
                "assessment published by {{ organisation_name }} for version "
                "{{ toolkit_version }} ({{ reporting_year }})")
    if recipient.key != "organisation":
        return f"{reviewed}, in support of {recipient.about}."
    return (f"{reviewed}{{% if application_references %}}, in support of {recipient.about}."
            f"{{% else %}}. {NO_APPLICATION}{{% endif %}}")


def build(recipient: Recipient) -> Document:
    document = Document()
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(11)
    _heading(document, recipient)
    document.add_paragraph("Dear {{ salutation }},")
    document.add_paragraph(_opening(recipient))
    _facts(document, recipient)
    document.add_paragraph()
    _outcome(document)
    document.add_paragraph("Reviewed by {{ reviewer }}.{% if signed_off_by %} Signed off by "
                           "{{ signed_off_by }}.{% endif %}")
    document.add_paragraph("Yours sincerely,")
    document.add_paragraph("{{ senior_reviewer }}\nExternal IG Delivery")
    return document


def fixed_bytes(document) -> bytes:
    """The .docx with fixed zip timestamps: an unchanged template builds to the same bytes, so
    a rebuild is not taken for a new built-in version."""
    built = io.BytesIO()
    document.save(built)
    out = io.BytesIO()
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for recipient in RECIPIENTS:
        path = out / f"{recipient.key}.docx"
        path.write_bytes(fixed_bytes(build(recipient)))
        sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
