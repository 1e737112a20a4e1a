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
from docx.shared import Cm, Pt, RGBColor

from backoffice.core.vocabulary import GROUP_LETTERS, ApprovalGroup
from backoffice.letters.rendering import FIXED_ZIP_TIME

OUT = Path(__file__).parent / "default_templates"
PLAN_COLUMNS = ("Requirement", "Action", "Owner", "Target date")
PLAN_FIELDS = ("{{ action.requirement }} {{ action.requirement_title }}", "{{ action.action }}",
               "{{ action.owner }}", "{{ action.target_date }}")
FINDING_COLUMNS = ("Requirement", "Published", "Our finding", "Why")
FINDING_WIDTHS = (Cm(6.2), Cm(2.6), Cm(2.6), Cm(5.2))
PLAN_WIDTHS = (Cm(6.0), Cm(4.6), Cm(3.2), Cm(2.8))
FINDING_FIELDS = ("{{ finding.requirement }} {{ finding.requirement_title }}",
                  "{{ finding.published }}", "{{ finding.reviewed }}", "{{ finding.comment }}")
COVER_COLUMNS = ("Kind", "Name", "Reference", "ODS code")
COVER_FIELDS = ("{{ cover.kind }}", "{{ cover.name }}", "{{ cover.reference }}",
                "{{ cover.ods_code }}")
COVER_WIDTHS = (Cm(2.6), Cm(6.4), Cm(4.6), Cm(3.0))
# The groups that link an application to the assessment through its covers (000 §5).
COVERS_SHOWN_TO = frozenset({ApprovalGroup.CAG.value, ApprovalGroup.DAAG.value})
# One rhythm for every letter: body text 11pt with 6pt after each paragraph, headings 12pt
# bold with 12pt before them.
BODY_SIZE, HEADING_SIZE, TITLE_SIZE, LETTERHEAD_SIZE = Pt(11), Pt(12), Pt(14), Pt(16)
AFTER_PARAGRAPH, BEFORE_HEADING = Pt(6), Pt(12)
LETTERHEAD_COLOUR = RGBColor(0x00, 0x5E, 0xB8)


@dataclass(frozen=True)
class Recipient:
    key: str
    addressee: str
    about: str


# A group's addressee names the issuing body (the setting ISSUING_BODY), so it is filled in.
RECIPIENTS = (
    *(Recipient(group.value, "{{ addressee }}", wording.about)
      for group, wording in GROUP_LETTERS.items()),
    Recipient("organisation", "{{ organisation_name }}",
              "your application(s) for {{ applied_for }}"),
)
# A case opened by a review rule answers no application: its letter says so.
NO_APPLICATION = "This review was not made in support of an application."


def _letterhead(document) -> None:
    """The issuing body, its address and contact point, at the top of the first page."""
    name = document.add_paragraph()
    run = name.add_run("{{ letterhead_issuing_body }}")
    run.bold, run.font.size, run.font.color.rgb = True, LETTERHEAD_SIZE, LETTERHEAD_COLOUR
    name.paragraph_format.space_after = Pt(0)
    details = document.add_paragraph("{{ letterhead_address }}\n{{ letterhead_contact }}")
    details.paragraph_format.space_after = Pt(18)
    for run in details.runs:
        run.font.size = Pt(9)


def _heading_text(document, text: str) -> None:
    heading = document.add_paragraph()
    heading.paragraph_format.space_before = BEFORE_HEADING
    heading.paragraph_format.keep_with_next = True
    run = heading.add_run(text)
    run.bold, run.font.size = True, HEADING_SIZE


def _heading(document, recipient: Recipient) -> None:
    _letterhead(document)
    right = document.add_paragraph("Our reference: {{ letter_reference }}"
                                   "\nCase: {{ case_reference }}\nDate: {{ date }}")
    right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph(recipient.addressee)
    if recipient.key == "organisation":
        document.add_paragraph("{{ organisation_address }}")
    title = document.add_paragraph()
    title.paragraph_format.space_before = BEFORE_HEADING
    run = title.add_run("IG Toolkit desk review: {{ organisation_name }} ({{ ods_code }})")
    run.bold = True
    run.font.size = TITLE_SIZE


def _table(document, columns: tuple[str, ...], fields: tuple[str, ...], loop: str,
           widths: tuple) -> None:
    """A table with a header row and one row per item of ``loop`` (docxtpl's {%tr %})."""
    table = document.add_table(rows=3, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice lays out by
        for cell in column.cells:
            cell.width = width  # and each cell, as Word reads it
    for cell, label in zip(table.rows[0].cells, columns, strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for cell, value in zip(table.rows[2].cells, fields, strict=True):
        cell.text = value
    table.add_row().cells[0].text = "{%tr endfor %}"


def _differing(document) -> None:
    document.add_paragraph("{%p if differing %}")
    _heading_text(document, "Where our findings differ from the published assessment")
    _table(document, FINDING_COLUMNS, FINDING_FIELDS, "finding in differing", FINDING_WIDTHS)
    document.add_paragraph("{%p endif %}")


def _next_steps(document) -> None:
    _heading_text(document, "What happens next")
    document.add_paragraph("{{ next_steps }}")
    document.add_paragraph("Questions about this letter: {{ letterhead_contact }}, quoting "
                           "{{ letter_reference }}.")


def _facts(document, recipient: Recipient) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    rows = (("Organisation", "{{ organisation_name }}"), ("ODS code", "{{ ods_code }}"),
            ("Address", "{{ organisation_address }}"),
            ("Toolkit version", "{{ toolkit_version }}"),
            ("Reporting year", "{{ reporting_year }}"),
            ("Application", "{{ application_reference }}" if recipient.key != "organisation"
             else '{{ application_references or "None" }}'))
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value


def _covers(document) -> None:
    """Organisations that this assessment covers, or that it lists none, and which of the
    group's applications no cover names."""
    _heading_text(document, "Organisations that this assessment covers")
    document.add_paragraph("{%p if covers %}")
    _table(document, COVER_COLUMNS, COVER_FIELDS, "cover in covers", COVER_WIDTHS)
    document.add_paragraph("{%p else %}")
    document.add_paragraph("The assessment lists no organisations that it covers for this "
                           "application.")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{%p if covers_missing %}")
    document.add_paragraph("No cover names {{ covers_missing }}: please check that the "
                           "application is supported by this assessment.")
    document.add_paragraph("{%p endif %}")


def _branches(document) -> None:
    """A head office's batch: the branches the one assessment and review cover."""
    document.add_paragraph("{%p if branches %}")
    document.add_paragraph("This review covers the assessment {{ organisation_name }} "
                           "published for its branches: {{ branches_covered }}.")
    document.add_paragraph("{%p endif %}")


def _outcome(document) -> None:
    _heading_text(document, "Outcome: {{ outcome_label }}")
    document.add_paragraph('{%p if outcome == "satisfactory" %}')
    document.add_paragraph("Every applicable requirement is at level 2 or above.")
    document.add_paragraph('{%p elif outcome == "satisfactory_with_improvement_plan" %}')
    document.add_paragraph("The organisation has agreed the following actions, which we have "
                           "accepted:")
    _table(document, PLAN_COLUMNS, PLAN_FIELDS, "action in actions", PLAN_WIDTHS)
    document.add_paragraph('{%p else %}')
    document.add_paragraph("The assessment does not meet the standard, for these reasons:")
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


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", BODY_SIZE
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = AFTER_PARAGRAPH
    normal.paragraph_format.line_spacing = 1.15
    for section in document.sections:
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin = section.right_margin = Cm(2.2)


def build(recipient: Recipient) -> Document:
    document = Document()
    _styles(document)
    _heading(document, recipient)
    document.add_paragraph("Dear {{ salutation }},")
    document.add_paragraph(_opening(recipient))
    _facts(document, recipient)
    _branches(document)
    if recipient.key in COVERS_SHOWN_TO:
        _covers(document)
    _outcome(document)
    _differing(document)
    _next_steps(document)
    document.add_paragraph("Reviewed by {{ reviewer }}.{% if signed_off_by %} Signed off by "
                           "{{ signed_off_by }}.{% endif %}")
    document.add_paragraph("Yours sincerely,")
    document.add_paragraph("{{ senior_reviewer }}\nExternal IG Delivery, "
                           "{{ letterhead_issuing_body }}")
    return document


def short_letter(heading: list[str], title: str, paragraphs: list[str]) -> Document:
    """A one-page notice (a reopened review, a lapsed standing application): its heading
    block, the addressee, a bold title, the salutation, the paragraphs and the sign-off."""
    document = Document()
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(11)
    for text in heading:
        document.add_paragraph(text)
    document.add_paragraph("{{ addressee }}")
    run = document.add_paragraph().add_run(title)
    run.bold = True
    run.font.size = Pt(14)
    document.add_paragraph("Dear {{ salutation }},")
    for text in paragraphs:
        document.add_paragraph(text)
    document.add_paragraph("Yours sincerely,")
    document.add_paragraph("External IG Delivery")
    return document


def write_template(name: str, document) -> None:
    """Write a built-in template as ``python -m`` its module does."""
    path = OUT / f"{name}.docx"
    path.write_bytes(fixed_bytes(document))
    sys.stdout.write(f"wrote {path}\n")


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
