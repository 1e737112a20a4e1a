"""Generated letters, opened with python-docx: the right group, organisation, reference, outcome."""

from __future__ import annotations

import hashlib
import io

import pytest
from docx import Document
from sqlalchemy import select

from backoffice.cases.models import CaseStatus
from backoffice.letters import jobs, services
from backoffice.letters.models import Letter, LetterTemplate
from backoffice.reviews.models import OutboxMessage
from backoffice.reviews.rules import Outcome
from tests.letters.conftest import APPLICATIONS, NOT_SATISFACTORY_REASONS

GROUP_WORDS = {
    "CAG": "Confidentiality Advisory Group (CAG)",
    "DAAG": "Data Access Advisory Group (DAAG)",
    "IGSoC": "IG Statement of Compliance (IGSoC)",
    "PCMD": "Primary Care Mortality Database (PCMD)",
}
OUTCOME_WORDS = {
    Outcome.SATISFACTORY: "Outcome: Satisfactory.",
    Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN: "Outcome: Satisfactory with Improvement Plan.",
    Outcome.NOT_SATISFACTORY: "Outcome: Not Satisfactory, for these reasons:",
}


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _plan_rows(document) -> list[list[str]]:
    for table in document.tables:
        if [c.text for c in table.rows[0].cells] == ["Requirement", "Action", "Owner",
                                                     "Target date"]:
            return [[c.text for c in row.cells] for row in table.rows[1:]]
    return []


def _letters(session, case) -> dict[str, Letter]:
    return {lt.recipient: lt for lt in services.current_letters(session, case)}


@pytest.mark.parametrize("outcome", list(Outcome))
def test_each_recipient_gets_a_letter_naming_its_group_reference_and_outcome(
        session, case_in_sending_letters, outcome):
    case = case_in_sending_letters(outcome, groups=("CAG", "DAAG", "IGSoC", "PCMD"))
    assert case.status == CaseStatus.SENDING_LETTERS
    assert jobs.generate_letters(case.id) == 5
    letters = _letters(session, case)
    assert sorted(letters) == ["CAG", "DAAG", "IGSoC", "PCMD", "organisation"]
    for recipient, letter in letters.items():
        assert letter.sha256 == hashlib.sha256(letter.content).hexdigest()
        assert letter.size == len(letter.content) and letter.version == 1
        text = _text(Document(io.BytesIO(letter.content)))
        assert case.organisation.name in text and case.organisation.ods_code in text
        assert "1 High Street" in text and "Exeter" in text
        assert case.reference in text and "2015/16" in text and "13" in text
        assert OUTCOME_WORDS[outcome] in text
        for other in set(OUTCOME_WORDS.values()) - {OUTCOME_WORDS[outcome]}:
            assert other not in text
        assert "Rita Reviewer" in text
        if outcome is Outcome.NOT_SATISFACTORY:
            assert NOT_SATISFACTORY_REASONS in text and "Sam Senior" in text
        if recipient == "organisation":
            assert all(app["reference"] in text for app in APPLICATIONS.values())
            continue
        assert GROUP_WORDS[recipient] in text
        assert APPLICATIONS[recipient]["reference"] in text
        others = [app["reference"] for group, app in APPLICATIONS.items() if group != recipient]
        assert not any(reference in text for reference in others), \
            f"{recipient}'s letter shows another group's application"
        assert not any(words in text for group, words in GROUP_WORDS.items()
                       if group != recipient)


@pytest.mark.parametrize("recipient", ["CAG", "DAAG", "IGSoC", "PCMD", "organisation"])
def test_the_improvement_plan_letter_lists_the_accepted_actions(session, case_in_sending_letters,
                                                                 recipient):
    case = case_in_sending_letters(Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
                                   groups=("CAG", "DAAG", "IGSoC", "PCMD"))
    jobs.generate_letters(case.id)
    rows = _plan_rows(Document(io.BytesIO(_letters(session, case)[recipient].content)))
    assert [row[1:] for row in rows] == [
        ["Adopt the IG policy", "IG Lead", "31 March 2017"],
        ["Train remaining staff", "Registered Manager", "31 January 2017"]]
    assert rows[0][0].startswith("115 ") and rows[1][0].startswith("117 All staff members")


def test_other_outcomes_have_no_plan_rows(session, case_in_sending_letters):
    case = case_in_sending_letters(Outcome.SATISFACTORY)
    jobs.generate_letters(case.id)
    for letter in services.current_letters(session, case):
        assert _plan_rows(Document(io.BytesIO(letter.content))) == []


def test_generation_is_idempotent_and_records_template_and_data(session,
                                                                 case_in_sending_letters):
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    assert jobs.generate_letters(case.id) == 2
    assert jobs.generate_letters(case.id) == 0
    assert session.scalar(select(Letter).where(Letter.recipient == "CAG")).version == 1
    assert session.query(Letter).count() == 2
    marker = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "letters_due"))
    assert marker.sent_at is not None
    letter = _letters(session, case)["CAG"]
    template = session.get(LetterTemplate, letter.template_version_id)
    assert (template.recipient, template.version, template.builtin) == ("CAG", 1, True)
    assert letter.data["application_reference"] == "CAG 4-08(b)/2013"
    assert letter.message_id.startswith(f"<letter.{case.reference}.CAG.v1.")
    again = services.regenerate_from_snapshot(letter)
    assert hashlib.sha256(again).hexdigest() == letter.sha256


def test_a_case_naming_one_group_gets_that_group_and_the_organisation(session,
                                                                       case_in_sending_letters):
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("DAAG",))
    jobs.generate_letters(case.id)
    assert sorted(_letters(session, case)) == ["DAAG", "organisation"]
