"""A case's trail: the audit list searched for its reference, and the case page's timeline."""

import re
from html import unescape

from backoffice.core.vocabulary import Outcome
from backoffice.reviews.findings import FindingInput as F
from backoffice.reviews.findings import record_findings
from backoffice.reviews.information import information_received, request_information
from backoffice.reviews.outcomes import record_outcome, sign_off
from backoffice.reviews.taking import assign_cases
from tests.conftest import form_token


def _reviewed_and_signed_off(session, case, people):
    """Findings, a rejected plan item, information requested and received, Not Satisfactory
    and its sign-off."""
    reviewer, actor = people["reviewer"]
    assign_cases(session, actor=people["senior"][1], cases=[case], reviewer=reviewer)
    record_findings(session, actor=actor, case=case, findings=[
        F("114", True), F("115", True), F("117", True)], plan_decisions={0: False})
    request_information(session, actor=actor, case=case, message="Send the log",
                        recipients=["pat@example.org"])
    information_received(session, actor=actor, case=case)
    record_outcome(session, actor=actor, case=case, outcome=Outcome.NOT_SATISFACTORY,
                   reasons="No training programme at all")
    signer, signer_actor = people["senior2"]
    sign_off(session, actor=signer_actor, case=case, signer=signer)
    session.commit()
    return signer


def test_searching_the_audit_trail_for_a_reference_finds_the_whole_review_of_the_case(
        client, login, session, open_case, people):
    case = open_case()
    signer = _reviewed_and_signed_off(session, case, people)
    login("admin")
    page = unescape(client.get(f"/admin/audit/?search={case.reference}").get_data(as_text=True))
    ref = case.reference
    for summary in (f"{ref} requirement 114: agreed", f"{ref} requirement 117: agreed",
                    f"{ref} plan item 1 (117): rejected", f"{ref} information requested",
                    f"{ref} sign-off approved by {signer.name}", f"{ref} S251 "):
        assert summary in page, summary
    assert "by None" not in page


def test_the_audit_rows_of_a_save_name_the_case_without_reading_it_again(
        app, session, open_case, people):
    from sqlalchemy import event

    case = open_case()
    reviewer, actor = people["reviewer"]
    assign_cases(session, actor=people["senior"][1], cases=[case], reviewer=reviewer)
    session.commit()
    session.refresh(case)  # loaded, as the request loads it before calling the service
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["sqlalchemy"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        record_findings(session, actor=actor, case=case, findings=[
            F("114", True), F("115", True), F("117", True)], plan_decisions={0: True})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert not [s for s in statements if s.startswith("SELECT") and "FROM cases" in s]


def _timeline(page: str) -> tuple[list[str], list[str], str]:
    """(the events listed first, those behind the toggle, the toggle's words)."""
    first = re.search(r'data-testid="timeline">(.*?)</ul>', page, re.S).group(1)
    more = re.search(r'<details data-testid="timeline-more">\s*<summary[^>]*>(.*?)</summary>'
                     r'(.*?)</details>', page, re.S)
    items = re.compile(r"<li>(.*?)</li>", re.S)
    return (items.findall(first), items.findall(more.group(2)) if more else [],
            more.group(1).strip() if more else "")


def test_the_case_page_shows_every_event_the_older_ones_behind_show_all(
        client, login, session, open_case, people):
    case = open_case()
    reviewer, senior = people["reviewer"][0], people["senior"][0]
    for turn in range(14):  # 14 reassignments, each an event
        assign_cases(session, actor=people["senior"][1], cases=[case],
                     reviewer=(reviewer, senior)[turn % 2])
        session.commit()
    login("reviewer")
    page = unescape(client.get(f"/admin/case/review/{case.id}").get_data(as_text=True))
    first, more, toggle = _timeline(page)
    total = len(first) + len(more)
    assert len(first) == 12 and total >= 16
    assert toggle == f"Show all {total} events"
    assert "publication IGT-8HV48 received" in more[-1]


def test_a_short_timeline_has_no_toggle(client, login, open_case):
    case = open_case()
    login("reviewer")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    first, more, toggle = _timeline(page)
    assert first and not more and not toggle


def test_information_received_names_who_marked_it_on_the_timeline(client, login, open_case):
    case = open_case()
    user = login("reviewer", name="Rita Reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    token = form_token(client, f"/admin/case/review/{case.id}")
    client.post(f"/admin/case/request-information/{case.id}", data={
        "csrf_token": token, "message": "Please send the training log"})
    page = client.post(f"/admin/case/information-received/{case.id}", data={
        "csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    first, _, _ = _timeline(page)
    received = [event for event in first if "information received" in event]
    assert len(received) == 1 and f"· {user.name} · information received" in received[0]
