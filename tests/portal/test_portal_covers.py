"""CAG and DAAG members see, beside each letter, the organisations that the assessment
covers, as the letter gave them."""

from __future__ import annotations


def test_a_cag_member_sees_the_covers_and_a_daag_member_the_reference_no_cover_names(
        with_letters, member_client):
    with_letters(groups=("CAG", "DAAG", "IGSoC"))
    cag, _ = member_client("CAG")
    html = cag.get("/portal/").get_data(as_text=True)
    assert "Organisations that this assessment covers (1)" in html
    assert "Cohort study X — CAG 4-08(b)/2013" in html
    daag, _ = member_client("DAAG")
    html = daag.get("/portal/").get_data(as_text=True)
    assert "No cover names DARS DARS-NIC-148533." in html
    igsoc, _ = member_client("IGSoC")
    assert "Organisations that this assessment covers" not in igsoc.get("/portal/").get_data(
        as_text=True)
