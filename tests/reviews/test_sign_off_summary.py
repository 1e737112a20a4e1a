"""The senior asked to sign off sees, at the top, what they sign: the proposed outcome, where
the reviewer differs, the plan decisions and the reasons, with the form beside it; the author
sees why there is no form for them."""

from backoffice.core.vocabulary import Outcome
from backoffice.reviews.findings import FindingInput as F
from backoffice.reviews.findings import record_findings
from backoffice.reviews.outcomes import record_outcome
from backoffice.reviews.taking import assign_cases
from tests.conftest import log_in


def _proposed(session, open_case, people):
    case = open_case(plan=[])
    author, actor = people["senior"]
    assign_cases(session, actor=actor, cases=[case], reviewer=author)
    record_findings(session, actor=actor, case=case, findings=[
        F("114", True), F("115", True), F("117", False, 0, "No training log at all")])
    record_outcome(session, actor=actor, case=case, outcome=Outcome.NOT_SATISFACTORY,
                   reasons="Staff handle records untrained")
    session.commit()
    return case


def test_the_second_senior_sees_the_summary_with_the_form_beside_it(client, session,
                                                                    open_case, people):
    case = _proposed(session, open_case, people)
    log_in(client, "sue@example.org")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    summary = page[page.index('data-testid="sign-off-summary"'):]
    summary = summary[:summary.index("</section>")]
    assert "Not Satisfactory proposed" in summary
    assert "Staff handle records untrained" in summary
    assert "No training log at all" in summary and 'href="#req-117"' in summary
    assert "115" not in summary.split('data-testid="sign-off-differs"')[1]  # agreed: not listed
    assert 'data-testid="sign-off-form"' in summary
    assert page.index('data-testid="sign-off-summary"') < page.index('data-testid="findings-')


def test_the_author_sees_why_there_is_no_sign_off_form(client, session, open_case, people):
    case = _proposed(session, open_case, people)
    log_in(client, "sam@example.org")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert 'data-testid="sign-off-form"' not in page
    assert "You recorded this outcome, so you cannot sign it off" in page
