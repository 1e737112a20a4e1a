"""An information request needs someone to send it to: with no Organisation Administrator
it is refused with the reason (and where to add one), and the clock keeps running."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.cases.models import CaseStatus
from backoffice.core.errors import ServiceError
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.information import request_information
from backoffice.reviews.taking import take_next_case
from tests.conftest import form_token


def _nobody_to_ask(session, case):
    for administrator in list(case.organisation.administrators):
        session.delete(administrator)
    session.commit()


def test_the_service_refuses_a_request_with_no_recipient(session, open_case, people):
    case = open_case()
    reviewer, actor = people["reviewer"]
    take_next_case(session, actor=actor, reviewer=reviewer)
    with pytest.raises(ServiceError, match="no Organisation Administrator"):
        request_information(session, actor=actor, case=case, message="Send the log",
                                     recipients=[])
    assert case.status == CaseStatus.IN_REVIEW


def test_the_review_page_says_why_and_links_to_adding_an_administrator(
        client, login, session, open_case):
    case = open_case()
    _nobody_to_ask(session, case)
    login("senior_reviewer")
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    page = client.post(f"/admin/case/request-information/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}"),
        "message": "Please send the training log"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "has no Organisation Administrator" in html
    assert f"/admin/organisation/edit/?id={case.organisation_id}" in html
    session.expire_all()
    assert session.get(type(case), case.id).status == CaseStatus.IN_REVIEW
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0
