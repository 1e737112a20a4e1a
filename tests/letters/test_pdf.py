"""One letter of each kind, opened as LibreOffice prints it: the PDF says who issues it, the
outcome, the findings where the reviewer differs, and what happens next."""

from __future__ import annotations

import shutil
import subprocess

import pypdf
import pytest
from sqlalchemy import select

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.vocabulary import Outcome
from backoffice.letters import services
from backoffice.letters.wording import Letterhead
from backoffice.reviews.models import Finding

SOFFICE = shutil.which("soffice")
CONVERSION_TIMEOUT = 240  # seconds; LibreOffice's first start makes its profile
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (apt-get install "
                            "libreoffice-writer-nogui): the letters are not checked as PDF")
LETTERHEAD = Letterhead(issuing_body="HSCIC", address="1 Trevelyan Square, Leeds LS1 6AE",
                        contact="reviews@example.org, 0300 303 4034")
NEXT = {Outcome.SATISFACTORY: ("nothing more is needed", "No action is needed"),
        Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN: ("can go ahead on the improvement plan",
                                                     "Carry out each action"),
        Outcome.NOT_SATISFACTORY: ("should not go ahead", "publish an updated assessment")}


def _pdf_text(tmp_path, letters) -> dict[str, str]:
    paths = []
    for letter in letters:
        path = tmp_path / f"{letter.recipient}.docx"
        path.write_bytes(letter.content)
        paths.append(str(path))
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), *paths],
                   check=True, capture_output=True, timeout=CONVERSION_TIMEOUT)
    texts = {}
    for letter in letters:
        reader = pypdf.PdfReader(tmp_path / f"{letter.recipient}.pdf")
        texts[letter.recipient] = " ".join(" ".join((page.extract_text() or "").split())
                                           for page in reader.pages)
    return texts


@pytest.mark.parametrize("outcome", list(Outcome), ids=lambda o: o.value)
def test_each_kind_of_letter_reads_right_as_a_pdf(tmp_path, session, case_in_sending_letters,
                                                  outcome):
    case = case_in_sending_letters(outcome, groups=("CAG",))
    if outcome is Outcome.NOT_SATISFACTORY:  # the reviewer found 115 lower than published
        finding = session.scalar(select(Finding).where(Finding.case_id == case.id,
                                                       Finding.requirement_id == "115"))
        finding.agreed, finding.level, finding.comment = False, 1, "No IG policy was found."
        session.flush()
    letters = services.generate_letters(session, actor=SYSTEM_ACTOR, case=case,
                                        mail_from="reviews@example.org", letterhead=LETTERHEAD)
    session.commit()
    texts = _pdf_text(tmp_path, letters)
    assert set(texts) == {"CAG", "organisation"}
    for recipient, text in texts.items():
        assert text.startswith("HSCIC 1 Trevelyan Square, Leeds LS1 6AE "
                               "reviews@example.org, 0300 303 4034"), recipient
        assert case.reference in text and "Rosewood Care Home" in text
        assert f"Outcome: {outcome.label}" in text
        assert "What happens next" in text
        group_step, organisation_step = NEXT[outcome]
        assert (organisation_step if recipient == "organisation" else group_step) in text
        differs = "Where our findings differ from the published assessment" in text
        assert differs == (outcome is Outcome.NOT_SATISFACTORY), recipient
    if outcome is Outcome.NOT_SATISFACTORY:
        assert "Level 3 Level 1 No IG policy was found." in texts["organisation"]
    if outcome is Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN:
        assert "Train remaining staff" in texts["CAG"]
