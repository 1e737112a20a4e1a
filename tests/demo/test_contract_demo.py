"""The demo shows contract v1.1: comments and evidence, typed covers, their flags, a baseline
and Wellcare Pharmacy's head-office batch on one case."""

from sqlalchemy import select

from backoffice.cases.models import Assessment, Case
from backoffice.cases.services import branches_covered
from backoffice.demo.data import load_demo_data
from backoffice.organisations.models import Organisation


def test_the_demo_shows_what_organisations_wrote_and_a_head_office_batch(session):
    load_demo_data(session)
    session.commit()
    this_year = [a for a in session.scalars(select(Assessment)) if a.statements]
    assert len(this_year) >= 150
    commented = sum(len(a.statements) for a in this_year)
    total = sum(len(a.requirements) for a in this_year)
    assert commented / total > 0.8
    assert any(e["url"] for a in this_year for s in a.statements.values() for e in s["evidence"])
    kinds = {c.get("kind") for a in this_year for c in a.covers}
    assert {"study", "branch", "organisation"} <= kinds
    flags = {f for a in session.scalars(select(Assessment)) for f in a.flags}
    assert {"baseline", "no_covers", "reference_not_in_covers"} <= flags
    head_office = session.scalar(select(Case).join(Case.organisation).where(
        Organisation.ods_code == "FWC00"))
    assert len(branches_covered(session, head_office)) == 8
    assert not session.scalar(select(Case.id).join(Case.organisation).where(
        Organisation.ods_code == "FWC03"))
    baseline = session.scalar(select(Assessment).join(Assessment.organisation).where(
        Organisation.ods_code == "8HV60"))
    assert "baseline" in baseline.flags and baseline.case_id is not None
