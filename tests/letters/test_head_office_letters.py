"""A head office's batch: one review, one set of letters naming the branches covered."""

from __future__ import annotations

import io

from docx import Document
from sqlalchemy import select

from backoffice.cases.models import Case, CaseStatus
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from tests.factories import OrganisationFactory
from tests.letters.conftest import APPLICATIONS, LEVELS, PLAN, record
from tests.payloads import body, post_processed

BATCH = {"id": "B-2016-0042", "head_office_ods_code": "FA001", "size": 2}
BRANCHES = {"FA002": "High St Pharmacy", "FA003": "Station Rd Pharmacy"}


def _branch(ods_code: str) -> dict:
    payload = body(notification_id=f"IGT-{ods_code}", publication_batch=BATCH,
                   applications=[APPLICATIONS["IGSoC"]])
    payload["organisation"].update(ods_code=ods_code, name=BRANCHES[ods_code])
    payload["assessment"]["requirements"] = [
        {"id": rid, "level": level} for rid, level in LEVELS[Outcome.SATISFACTORY].items()]
    payload["assessment"]["improvement_plan"] = PLAN
    return payload


def _text(letter) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(letter.content)).paragraphs)


def test_the_head_offices_letters_name_the_branches_covered(client, session, people):
    OrganisationFactory(ods_code="FA001", name="Fairway Pharmacy Head Office")
    for code, name in BRANCHES.items():
        OrganisationFactory(ods_code=code, name=name)
    session.commit()
    references = {post_processed(client, _branch(code))["case_reference"] for code in BRANCHES}
    assert len(references) == 1
    case = session.scalar(select(Case))
    record(session, case, Outcome.SATISFACTORY, people)
    session.commit()
    assert case.status == CaseStatus.SENDING_LETTERS
    assert jobs.generate_letters(case.id) == 2
    letters = {lt.recipient: lt for lt in services.current_letters(session, case)}
    assert sorted(letters) == ["IGSoC", "organisation"]
    for letter in letters.values():
        assert ("This review covers the assessment Fairway Pharmacy Head Office published for "
                "its branches: High St Pharmacy (FA002), Station Rd Pharmacy (FA003).") in \
            _text(letter)
        assert letter.data["branches"] == [{"name": "High St Pharmacy", "ods_code": "FA002"},
                                           {"name": "Station Rd Pharmacy", "ods_code": "FA003"}]


def test_an_ordinary_case_has_no_branches_line(session, case_in_sending_letters):
    case = case_in_sending_letters(Outcome.SATISFACTORY)
    jobs.generate_letters(case.id)
    for letter in services.current_letters(session, case):
        assert "branches" not in _text(letter)
        assert letter.data["branches"] == []
