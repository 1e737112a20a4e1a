"""The CAG and DAAG letters list the organisations that the assessment covers, and name the
group's application that no cover names; the other letters do not."""

from __future__ import annotations

import io

from docx import Document

from backoffice.letters import services
from tests.letters.test_generation import _text

COVER_HEADING = "Organisations that this assessment covers"


def _letters(session, case):
    services.generate_due(session, case_id=case.id, mail_from="reviews@example.org")
    session.commit()
    return {letter.recipient: _text(Document(io.BytesIO(letter.content)))
            for letter in services.current_letters(session, case)}


def _cover_rows(session, letter_recipient, case):
    letter = next(lt for lt in services.current_letters(session, case)
                  if lt.recipient == letter_recipient)
    document = Document(io.BytesIO(letter.content))
    table = next(t for t in document.tables
                 if [c.text for c in t.rows[0].cells] == ["Kind", "Name", "Reference",
                                                          "ODS code"])
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def test_cag_and_daag_letters_list_the_covers_and_the_reference_no_cover_names(
        session, case_in_sending_letters):
    case = case_in_sending_letters(groups=("CAG", "DAAG", "IGSoC"))
    texts = _letters(session, case)
    assert COVER_HEADING in texts["CAG"] and COVER_HEADING in texts["DAAG"]
    assert _cover_rows(session, "CAG", case) == [["", "Cohort study X", "CAG 4-08(b)/2013", ""]]
    assert "No cover names" not in texts["CAG"]  # the study's reference is its application's
    assert "No cover names DARS DARS-NIC-148533: please check" in texts["DAAG"]
    # the only cover names CAG's study: DAAG never sees another group's application
    assert "CAG 4-08(b)/2013" not in texts["DAAG"] and "Cohort study X" not in texts["DAAG"]
    assert COVER_HEADING not in texts["IGSoC"] and COVER_HEADING not in texts["organisation"]


def test_a_letter_says_when_the_assessment_lists_no_covers(session, case_in_sending_letters):
    case = case_in_sending_letters(groups=("CAG",), covers=[])
    texts = _letters(session, case)
    assert "The assessment lists no organisations that it covers for this application." in \
        texts["CAG"]
    assert "No cover names S251 CAG 4-08(b)/2013" in texts["CAG"]
