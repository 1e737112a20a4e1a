"""Every kind of page, as each role meets it, passes axe-core's WCAG 2.2 AA rules (no serious
or critical violation) and has a language, one main landmark and one h1."""

import pytest

from backoffice.cases.models import Case
from backoffice.helpdesk import services as helpdesk
from backoffice.reviews.rules import Outcome
from tests.browser.accessibility import problems
from tests.browser.conftest import log_in
from tests.factories import ExemptionFactory, UserFactory
from tests.letters.conftest import case_in_sending_letters, people  # noqa: F401 (fixtures)
from tests.reviews.conftest import open_case  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

PAGES = {
    "visitor": ["/", "/login", "/contact", "/reports/outcomes", "/reports/outcomes?year=nonsense",
                "/no-such-page", "/account/set-password/not-a-link"],
    "reviewer": ["/admin/", "/admin/case/", "/admin/case/review/{case}",
                 "/admin/case/review/{working}", "/admin/exemption/details/?id={exemption}",
                 "/admin/organisation/details/?id={organisation}", "/admin/no-such-page",
                 "/admin/user/"],
    "senior_reviewer": ["/admin/", "/admin/case/?view=awaiting_sign_off", "/admin/dashboard/",
                        "/admin/case/review/{case}", "/admin/case/review/{working}"],
    "helpdesk": ["/admin/", "/admin/ticket/", "/admin/ticket/ticket/{ticket}",
                 "/admin/organisation/", "/admin/organisation/details/?id={organisation}",
                 "/admin/organisation/new/", "/admin/exemption/",
                 "/admin/exemption/details/?id={exemption}", "/admin/unmatched/",
                 "/admin/ticket/phone", "/admin/invitation/", "/admin/email_template/",
                 "/admin/email_template/edit/administrator_set_password"],
    "admin": ["/admin/", "/admin/user/", "/admin/user/new/", "/admin/rule/", "/admin/token/",
              "/admin/audit/", "/admin/letter_template/", "/admin/notification/",
              "/admin/letter/"],
    "approval_group": ["/portal/"],
}


@pytest.fixture
def places(session, case_in_sending_letters, open_case):  # noqa: F811
    case = case_in_sending_letters(Outcome.SATISFACTORY)
    working = open_case(ods_code="8HV99")
    ticket = helpdesk.create_ticket(session, name="Pat Manager", email="pat@example.org",
                                    category="publishing", message="Our assessment shows draft.",
                                    ods_code=case.organisation.ods_code)
    exemption = ExemptionFactory(organisation=case.organisation)
    session.commit()
    return {"case": case.id, "working": working.id, "organisation": case.organisation_id,
            "ticket": ticket.id, "exemption": exemption.id}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_every_kind_of_page_meets_wcag_2_2_aa_for_each_role(page, session, places, role):
    if role != "visitor":
        user = UserFactory(email=f"{role}@example.org", role=role,
                           approval_group="CAG" if role == "approval_group" else None)
        if role in ("reviewer", "senior_reviewer"):  # the case page with its forms
            working = session.get(Case, places["working"])
            working.assigned_to, working.status = user, "in_review"
        session.commit()
        log_in(page, f"{role}@example.org",
               lands_on="**/portal/" if role == "approval_group" else "**/admin/")
    found = {}
    for path in PAGES[role]:
        page.goto(path.format(**places))
        if issues := problems(page):
            found[path] = issues
    assert not found, "\n".join(f"{path}: {issue}" for path, issues in found.items()
                                 for issue in issues)
