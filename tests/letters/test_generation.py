"""Generated letters, opened with python-docx: the right group, organisation, reference, outcome."""

from __future__ import annotations

import hashlib
import io

import pytest
from docx import Document
from sqlalchemy import select

from backoffice.cases import lifecycle
from backoffice.cases.models import CaseStatus, ReviewRule
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.errors import InvalidInput
from backoffice.core.requirements import TITLES
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, rendering, services
from backoffice.letters.models import Letter, LetterTemplate
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.findings import FindingInput, record_findings
from backoffice.reviews.outcomes import record_outcome, reopen
from tests.factories import CaseFactory
from tests.letters.conftest import APPLICATIONS, NOT_SATISFACTORY_REASONS, RECIPIENT_OF
from tests.payloads import body, post_processed

GROUP_WORDS = {
    "CAG": "Confidentiality Advisory Group (CAG)",
    "DAAG": "Data Access Advisory Group (DAAG)",
    "IGSoC": "IG Statement of Compliance (IGSoC)",
}
# What each group's letter says was applied for (PCMD data is DAAG's to advise on)
APPLIED_FOR = {
    "CAG": ["section 251 approval (reference CAG 4-08(b)/2013)"],
    "DAAG": ["data through the Data Access Request Service (DARS) (reference DARS-NIC-148533)",
             "PCMD data (reference PCMD-2016-007)"],
    "IGSoC": ["an N3 connection (reference IGSOC-55102)"],
}
OUTCOME_WORDS = {
    Outcome.SATISFACTORY: "Outcome: Satisfactory\nEvery applicable requirement is at level 2",
    Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN: "Outcome: Satisfactory with Improvement Plan\n"
                                                "The organisation has agreed the following",
    Outcome.NOT_SATISFACTORY: "Outcome: Not Satisfactory\nThe assessment does not meet the "
                              "standard, for these reasons:",
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


def _document(letter: Letter):
    return Document(io.BytesIO(letter.content))


def _paragraph(document, start: str) -> str:
    return next(p.text for p in document.paragraphs if p.text.startswith(start))


def _closing(document) -> list[str]:
    """What the letter says from 'Reviewed by' to its signature."""
    texts = [p.text for p in document.paragraphs]
    return texts[texts.index(_paragraph(document, "Reviewed by")):]


@pytest.mark.parametrize("outcome", list(Outcome))
def test_each_recipient_gets_a_letter_naming_its_group_reference_and_outcome(
        session, case_in_sending_letters, outcome):
    case = case_in_sending_letters(outcome, groups=("CAG", "DAAG", "IGSoC", "PCMD"))
    assert case.status == CaseStatus.SENDING_LETTERS
    assert jobs.generate_letters(case.id) == 4
    letters = _letters(session, case)
    assert sorted(letters) == ["CAG", "DAAG", "IGSoC", "organisation"]
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
        assert all(words in text for words in APPLIED_FOR[recipient])
        others = [app["reference"] for key, app in APPLICATIONS.items()
                  if RECIPIENT_OF[key] != recipient]
        assert not any(reference in text for reference in others), \
            f"{recipient}'s letter shows another group's application"
        assert not any(words in text for group, words in GROUP_WORDS.items()
                       if group != recipient)


@pytest.mark.parametrize("recipient", ["CAG", "DAAG", "IGSoC", "organisation"])
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
    again = rendering.render(letter.template_version.content, letter.data)  # what was sent
    assert hashlib.sha256(again).hexdigest() == letter.sha256


def test_a_case_naming_one_group_gets_that_group_and_the_organisation(session,
                                                                       case_in_sending_letters):
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("DAAG",))
    jobs.generate_letters(case.id)
    assert sorted(_letters(session, case)) == ["DAAG", "organisation"]


@pytest.mark.parametrize("outcome", [Outcome.SATISFACTORY,
                                     Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN])
def test_an_outcome_nobody_signed_off_names_its_reviewer_and_no_sign_off(
        session, case_in_sending_letters, outcome):
    case = case_in_sending_letters(outcome, groups=("CAG",))
    jobs.generate_letters(case.id)
    for letter in services.current_letters(session, case):
        assert _closing(_document(letter)) == [
            "Reviewed by Rita Reviewer.", "Yours sincerely,",
            "Rita Reviewer\nExternal IG Delivery, HSCIC"]
        assert letter.data["signed_off_by"] == ""


def test_a_not_satisfactory_letter_names_the_senior_who_signed_it_off(session,
                                                                     case_in_sending_letters):
    case = case_in_sending_letters(Outcome.NOT_SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    for letter in services.current_letters(session, case):
        assert _closing(_document(letter)) == [
            "Reviewed by Rita Reviewer. Signed off by Sam Senior.", "Yours sincerely,",
            "Sam Senior\nExternal IG Delivery, HSCIC"]


def test_a_reopened_case_decided_on_its_republication_names_that_version_and_no_old_sign_off(
        client, session, case_in_sending_letters, people):
    case = case_in_sending_letters(Outcome.NOT_SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    lifecycle.close(session, actor=SYSTEM_ACTOR, case=case)
    reopen(session, actor=people["senior"][1], case=case, reason="Republished")
    session.commit()
    again = body(notification_id="IGT-LETTERS-AGAIN", published_at="2017-02-01T10:00:00Z",
                 applications=[APPLICATIONS["CAG"]])
    again["organisation"]["ods_code"] = case.organisation.ods_code
    again["assessment"].update(toolkit_version=14, reporting_year="2016/17", improvement_plan=[],
                               requirements=[{"id": rid, "level": 2}
                                             for rid in ("114", "115", "117")])
    assert post_processed(client, again)["case_reference"] == case.reference
    session.expire_all()
    reviewer = people["reviewer"][1]
    record_findings(session, actor=reviewer, case=case,  # answered again at level 2
                    findings=[FindingInput(rid, True) for rid in ("114", "115", "117")])
    record_outcome(session, actor=reviewer, case=case, outcome=Outcome.SATISFACTORY)
    session.commit()
    assert jobs.generate_letters(case.id) == 2
    for letter in services.current_letters(session, case):
        document = _document(letter)
        assert "for version 14 (2016/17)" in _paragraph(document, "We have completed")
        assert _closing(document)[0] == "Reviewed by Rita Reviewer."
        assert "Sam Senior" not in _text(document)


def test_a_case_opened_by_a_review_rule_tells_the_organisation_it_answers_no_application(
        session, case_in_sending_letters):
    session.add(ReviewRule(org_type="Voluntary Sector", opens_case=True,
                           description="Care homes are reviewed"))
    session.commit()
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=())
    jobs.generate_letters(case.id)
    letters = _letters(session, case)
    assert list(letters) == ["organisation"]
    document = _document(letters["organisation"])
    assert "application(s)" not in _text(document)
    assert _paragraph(document, "We have completed") == (
        "We have completed the desk review of the Information Governance Toolkit assessment "
        f"published by {case.organisation.name} for version 13 (2015/16). This review was not "
        "made in support of an application.")
    facts = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert facts["Application"] == "None"


def test_the_organisation_letter_of_an_application_names_it(session, case_in_sending_letters):
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    document = _document(_letters(session, case)["organisation"])
    assert _paragraph(document, "We have completed").endswith(
        "for version 13 (2015/16), in support of your application(s) for section 251 approval "
        "(reference CAG 4-08(b)/2013).")


def test_a_case_with_no_published_assessment_gets_no_letter_with_a_blank_version(session,
                                                                                 people):
    """The demo's made-up history has closed cases with no assessment: a letter for one would
    read 'for version  ()'."""
    case = CaseFactory(status=CaseStatus.SENDING_LETTERS.value, outcome="satisfactory",
                       outcome_by=people["reviewer"][0])
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        services.generate_letters(session, actor=SYSTEM_ACTOR, case=case,
                                  mail_from="eigd@example.org")
    assert f"{case.reference} has no published assessment" in refused.value.message
    session.rollback()
    assert services.letters_of(session, case) == []


def test_the_improvement_plan_table_names_each_requirement_by_its_title(
        session, case_in_sending_letters):
    plan = [{"requirement": rid, "action": "Audit access", "owner": "IG Lead",
             "target_date": "2017-03-31"} for rid in ("203", "206")]
    case = case_in_sending_letters(Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN, groups=("CAG",),
                                   levels={"114": 2, "203": 1, "206": 1}, plan=plan)
    jobs.generate_letters(case.id)
    rows = _plan_rows(_document(_letters(session, case)["CAG"]))
    assert [row[0] for row in rows] == [f"203 {TITLES['203']}", f"206 {TITLES['206']}"]
    assert rows[1][0].startswith("206 Staff access to confidential personal information is "
                                 "monitored and audited.")
