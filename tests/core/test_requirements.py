"""Requirement titles: the guidance's statements where it gives one, cut on screen at a word."""

from pathlib import Path

from backoffice.core.requirements import TITLES, requirement_title, short_title
from backoffice.demo.notifications import REQUIREMENT_IDS

# The requirements the demo publishes whose statement the guidance gives (the care homes'
# requirements list, and the version 13 changes).
GIVEN = {"114", "115", "116", "117", "201", "202", "203", "206", "209", "213", "214", "215",
         "216", "304", "316", "317", "318", "319", "320", "321"}


def test_the_demo_requirements_the_guidance_describes_have_their_titles():
    assert {rid for rid in REQUIREMENT_IDS if rid in TITLES} == GIVEN
    assert requirement_title("203") == (
        "Patients, service users and the public understand how personal information is used "
        "and shared for both direct and non-direct care, and are fully informed of their "
        "rights in relation to such use.")
    assert requirement_title("206") == requirement_title("235")


def test_a_requirement_the_guidance_does_not_describe_keeps_its_number():
    assert requirement_title("101") == "Requirement 101"


def test_a_long_title_is_cut_after_its_last_whole_word_that_fits_with_an_ellipsis():
    title = requirement_title("213")
    short = short_title(title)
    assert short == ("There is a publicly available and easy to understand information leaflet "
                     "that informs…")
    assert len(short) <= 90 and title.startswith(short[:-1] + " ")
    assert short_title("Monitoring, enforcement and audit", 20) == "Monitoring…"
    assert short_title(requirement_title("320")) == requirement_title("320")
    assert short_title("x" * 12, 10) == "x" * 9 + "…"


SEEDS = Path("/work/shared/seeds")


def _seed_words(text: str) -> str:
    return " ".join(text.split())


def test_a_version_12_assessment_reads_the_statements_version_13_replaced():
    """000, "Version 13 Changes": 201, 203, 206 (and its CSU variant), 232 and 235."""
    assert requirement_title("201", 12) == (
        "Staff are provided with clear guidance on keeping personal information secure, on "
        "respecting the confidentiality of service users, and on the duty to share "
        "information for care purposes.")
    assert requirement_title("203", 12) == ("Individuals are informed about the proposed "
                                            "uses of their personal information.")
    assert requirement_title("206", 12) == requirement_title("235", 12) == (
        "There are appropriate confidentiality audit procedures to monitor access to "
        "confidential personal information.")
    assert requirement_title("232", 12).startswith("Personal information is shared for care")
    for requirement in ("201", "203", "206", "232", "235"):
        assert requirement_title(requirement, 13) == requirement_title(requirement)
        assert requirement_title(requirement, 14) == requirement_title(requirement)
        assert requirement_title(requirement, 12) != requirement_title(requirement, 13)
    # a statement version 13 did not change reads the same in every version
    assert requirement_title("114", 12) == requirement_title("114", 13)
    assert requirement_title("101", 12) == "Requirement 101"


def test_each_statement_is_the_seeds_word_for_word():
    if not SEEDS.is_dir():
        return
    seeds = _seed_words(" ".join(p.read_text() for p in SEEDS.glob("*.txt")))
    for requirement in ("201", "203", "206", "232", "235"):
        for version in (12, 13):
            assert _seed_words(requirement_title(requirement, version)) in seeds, (
                requirement, version)
