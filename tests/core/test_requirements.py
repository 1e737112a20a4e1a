"""Requirement titles: the guidance's statements where it gives one, cut on screen at a word."""

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
