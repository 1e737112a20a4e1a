"""The demo shows a Not Relevant the reviewer overturned, on the case page and its timeline."""

from sqlalchemy import select

from backoffice.core.audit import AuditEvent
from backoffice.demo.data import load_demo_data
from tests.conftest import log_in


def test_the_demo_has_a_not_relevant_overturned_on_a_case_in_review(session, client):
    logins = load_demo_data(session)
    session.commit()
    reviewer = next(login for login in logins if login.email.startswith("reviewer@"))
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "not_relevant"))
    assert event is not None
    requirement = event.changes["not_relevant_overturned"][1].split()[0]
    log_in(client, reviewer.email, reviewer.password)
    page = client.get(f"/admin/case/review/{event.entity_id}").get_data(as_text=True)
    assert f"Not Relevant overturned: {requirement} relevant, level 1" in page
    assert "yes: you found it relevant, level 1" in page
    load_demo_data(session)  # a second run overturns nothing more
    session.commit()
    assert len(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "not_relevant")).all()) == 1
