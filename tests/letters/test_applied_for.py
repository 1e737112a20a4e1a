"""Letters name what the organisation applied for: the HSCIC service for IGSoC (never "N3"
for another service), "PCMD data" for DAAG; and the issuing body the setting names."""

from __future__ import annotations

import io

import pytest
from docx import Document
from flask import current_app

from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from tests.letters.test_generation import _letters, _text

SERVICES = {
    "CHOOSE_AND_BOOK": ("IGSOC-77118", "Choose and Book"),
    "E_REFERRALS": ("IGSOC-77119", "E-Referrals"),
    "NHS_MAIL": ("IGSOC-77120", "NHS Mail"),
}


def _texts(session, case) -> dict[str, str]:
    return {recipient: _text(Document(io.BytesIO(letter.content)))
            for recipient, letter in _letters(session, case).items()}


@pytest.mark.parametrize("kind", sorted(SERVICES))
def test_an_igsoc_service_letter_names_the_service_not_n3(session, case_in_sending_letters,
                                                          kind):
    reference, service = SERVICES[kind]
    case = case_in_sending_letters(Outcome.SATISFACTORY,
                                   groups=({"type": kind, "reference": reference},))
    assert jobs.generate_letters(case.id) == 2
    texts = _texts(session, case)
    assert sorted(texts) == ["IGSoC", "organisation"]
    assert f"the IGSoC application for {service} (reference {reference})" in texts["IGSoC"]
    assert f"your application(s) for {service} (reference {reference})" in texts["organisation"]
    for text in texts.values():
        assert "N3" not in text


def test_a_pcmd_application_is_answered_to_daag_naming_pcmd_data(session,
                                                                 case_in_sending_letters):
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("PCMD",))
    assert [r.approval_group for r in case.reasons] == ["DAAG"]
    jobs.generate_letters(case.id)
    texts = _texts(session, case)
    assert sorted(texts) == ["DAAG", "organisation"]
    assert "The Data Access Advisory Group (DAAG), HSCIC" in texts["DAAG"]
    assert "the application for PCMD data (reference PCMD-2016-007)" in texts["DAAG"]
    assert "Primary Care Mortality Database (PCMD) team" not in texts["DAAG"]


def test_letters_name_the_issuing_body_the_setting_gives_never_a_hard_coded_one(
        session, case_in_sending_letters):
    settings = current_app.extensions["settings"]
    assert settings.issuing_body == "HSCIC"
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("DAAG", "IGSoC"))
    settings.issuing_body = "NHS Example Body"
    try:
        jobs.generate_letters(case.id)
    finally:
        settings.issuing_body = "HSCIC"
    texts = _texts(session, case)
    assert "The Data Access Advisory Group (DAAG), NHS Example Body" in texts["DAAG"]
    assert "The IG Statement of Compliance (IGSoC) team, NHS Example Body" in texts["IGSoC"]
    for text in texts.values():
        assert text.startswith("NHS Example Body")  # the letterhead
        assert "External IG Delivery, NHS Example Body" in text
        assert "NHS Digital" not in text and "HSCIC" not in text.replace(
            "exeter.helpdesk@hscic.gov.uk", "")
    letter = services.current_letters(session, case)[0]
    assert letter.data["letterhead_issuing_body"] == "NHS Example Body"
