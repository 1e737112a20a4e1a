"""GET /api/v1/cases and /api/v1/cases/<reference>: what a token's user sees."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event

from backoffice.extensions import db
from tests.api.conftest import CaseFactory
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed

CASES = "/api/v1/cases"
CONTRACT_FIELDS = {"reference", "status", "organisation", "reasons", "opened_at", "due_date",
                   "outcome", "letters", "notification_ids", "flags", "assessment"}


def _references(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [case["reference"] for case in response.json["cases"]]


def test_a_case_opened_by_a_notification_is_listed_with_every_contract_field(
        client, session, token_for, api_get):
    OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    reference = post_processed(client, body())["case_reference"]
    post_processed(client, body(notification_id="IGT-13-000124",
                                published_at="2016-04-01T09:00:00Z"))

    [case] = api_get(CASES, token_for("reviewer")).json["cases"]

    assert set(case) == CONTRACT_FIELDS
    assert case["reference"] == reference
    assert case["status"] == "unassigned"
    assert case["organisation"] == {"ods_code": "8HV48", "name": "Rosewood Care Home"}
    assert case["reasons"] == [
        {"type": "S251", "reference": "CAG 4-08(b)/2013", "approval_group": "CAG"},
        {"type": "N3", "reference": "IGSOC-55102", "approval_group": "IGSoC"}]
    assert datetime.fromisoformat(case["opened_at"]).tzinfo is not None
    assert date.fromisoformat(case["due_date"]) > datetime.fromisoformat(case["opened_at"]).date()
    assert case["outcome"] is None
    assert case["letters"] == []
    assert case["notification_ids"] == ["IGT-13-000123", "IGT-13-000124"]
    # republished while open, its first publication a baseline, the second on 1 April
    assert case["flags"] == ["republished", "baseline", "late_publication"]
    assert case["assessment"] == {
        "toolkit_version": 13, "reporting_year": "2015/16",
        "requirements": [
            {"id": "114", "level": 2, "not_relevant": False, "comment": "", "evidence": []},
            {"id": "304", "level": None, "not_relevant": True, "comment": "", "evidence": []},
            {"id": "117", "level": 1, "not_relevant": False, "comment": "", "evidence": []}],
        "covers": [{"kind": None, "name": "Cohort study X", "reference": "CAG 4-08(b)/2013",
                    "ods_code": None}]}


def test_one_case_by_reference_is_the_same_json_as_in_the_list(token_for, api_get, session):
    case = CaseFactory(reasons=["DARS"], outcome="satisfactory", status="closed")
    session.commit()
    token = token_for("senior_reviewer")
    response = api_get(f"{CASES}/{case.reference}", token)
    assert response.status_code == 200
    assert response.json == api_get(CASES, token).json["cases"][0]
    assert response.json["outcome"] == "satisfactory"
    assert response.json["reasons"][0]["approval_group"] == "DAAG"


def test_an_unknown_reference_is_404_json(token_for, api_get):
    response = api_get(f"{CASES}/R-2016-999999", token_for("admin"))
    assert response.status_code == 404
    assert response.json == {"error": "no case R-2016-999999"}


def test_the_status_filter_lists_only_cases_in_that_status(token_for, api_get, session):
    waiting = CaseFactory(status="awaiting_information")
    CaseFactory(status="unassigned")
    session.commit()
    assert _references(api_get(CASES, token_for(), status="awaiting_information")) == [
        waiting.reference]


def test_the_reason_filter_lists_cases_with_an_application_of_that_type(
        token_for, api_get, session):
    both = CaseFactory(reasons=["S251", "N3"])
    CaseFactory(reasons=["S251"])
    pcmd = CaseFactory(reasons=["PCMD"])
    session.commit()
    token = token_for()
    assert _references(api_get(CASES, token, reason="N3")) == [both.reference]
    assert _references(api_get(CASES, token, reason="pcmd")) == [pcmd.reference]


def test_the_ods_code_filter_lists_that_organisations_cases_in_any_case(
        token_for, api_get, session):
    mine = CaseFactory(organisation=OrganisationFactory(ods_code="8HV48"))
    CaseFactory()
    session.commit()
    assert _references(api_get(CASES, token_for(), ods_code="8hv48")) == [mine.reference]


def test_overdue_lists_open_cases_past_their_due_date_and_false_lists_the_rest(
        token_for, api_get, session):
    today = date.today()
    late = CaseFactory(due_date=today - timedelta(days=1))
    closed_late = CaseFactory(due_date=today - timedelta(days=30), status="closed")
    due_today = CaseFactory(due_date=today)
    session.commit()
    token = token_for()
    assert _references(api_get(CASES, token, overdue="true")) == [late.reference]
    assert _references(api_get(CASES, token, overdue="false")) == [closed_late.reference,
                                                                  due_today.reference]


def test_a_case_awaiting_information_is_not_overdue_its_clock_is_stopped(
        token_for, api_get, session):
    today = date.today()
    late = CaseFactory(due_date=today - timedelta(days=1), status="in_review")
    paused = CaseFactory(due_date=today - timedelta(days=5), status="awaiting_information")
    session.commit()
    token = token_for()
    assert _references(api_get(CASES, token, overdue="true")) == [late.reference]
    assert _references(api_get(CASES, token, overdue="false")) == [paused.reference]


def test_next_links_walk_three_pages_keeping_the_filters(client, token_for, api_get, session):
    wanted = []
    for number in range(7):
        case = CaseFactory(status="in_review" if number % 3 else "unassigned")
        if case.status == "in_review":
            wanted.append(case.reference)
    wanted.append(CaseFactory(status="in_review").reference)
    session.commit()
    token = token_for()

    pages, response = [], api_get(CASES, token, status="in_review", limit=2)
    while True:
        pages.append(_references(response))
        link = response.json["next"]
        if link is None:
            break
        parts = urlsplit(link)
        assert parts.scheme == "http" and parts.netloc and parts.path == CASES
        assert parse_qs(parts.query)["status"] == ["in_review"]
        response = client.get(link, headers={"Authorization": f"Bearer {token}"})

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [ref for page in pages for ref in page] == wanted


def test_a_full_last_page_has_no_next_link(token_for, api_get, session):
    CaseFactory()
    CaseFactory()
    session.commit()
    response = api_get(CASES, token_for(), limit=2)
    assert len(response.json["cases"]) == 2 and response.json["next"] is None


def test_a_cag_members_token_sees_only_cases_with_a_cag_reason_and_only_those_reasons(
        token_for, api_get, session):
    cag_and_n3 = CaseFactory(reasons=["S251", "N3"])
    CaseFactory(reasons=["N3"])
    CaseFactory(reasons=["DARS"])
    session.commit()
    token = token_for("approval_group", group="CAG")

    [case] = api_get(CASES, token).json["cases"]

    assert case["reference"] == cag_and_n3.reference
    assert [r["approval_group"] for r in case["reasons"]] == ["CAG"]
    assert _references(api_get(CASES, token, reason="N3")) == []


def test_another_groups_case_by_reference_is_404_as_if_it_did_not_exist(
        token_for, api_get, session):
    daag_case = CaseFactory(reasons=["DARS"])
    session.commit()
    response = api_get(f"{CASES}/{daag_case.reference}", token_for("approval_group",
                                                                     group="CAG"))
    assert response.status_code == 404
    assert response.json == {"error": f"no case {daag_case.reference}"}


@pytest.mark.parametrize("params, fields", [
    ({"status": "open"}, ["status"]),
    ({"reason": "X9"}, ["reason"]),
    ({"overdue": "maybe"}, ["overdue"]),
    ({"limit": "0"}, ["limit"]),
    ({"limit": "201"}, ["limit"]),
    ({"limit": "lots"}, ["limit"]),
    ({"cursor": "not-a-cursor"}, ["cursor"]),
    ({"ods_code": "8HV48\x00"}, ["ods_code"]),
    ({"stauts": "closed"}, ["stauts"]),
    ({"status": "closed!", "reason": "N4", "limit": "-1"}, ["status", "reason", "limit"]),
], ids=["status", "reason", "overdue", "limit-0", "limit-201", "limit-text", "cursor",
        "ods-nul", "unknown-filter", "several"])
def test_a_bad_filter_is_400_naming_each_field(token_for, api_get, params, fields):
    response = api_get(CASES, token_for(), **params)
    assert response.status_code == 400
    assert sorted(error["field"] for error in response.json["errors"]) == sorted(fields)
    assert all(error["message"] for error in response.json["errors"])


@pytest.mark.parametrize("reference", ["x" * 300, "R-2016\x00", "%", "R-2016-000001;--"])
def test_an_odd_reference_is_404_never_a_500(token_for, api_get, reference):
    assert api_get(f"{CASES}/{reference}", token_for()).status_code == 404


def _statements_for(api_get, url: str, token: str) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert api_get(url, token).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_page_of_many_cases_costs_as_many_queries_as_a_page_of_one(
        token_for, api_get, session):
    CaseFactory(reasons=["S251", "N3"])
    session.commit()
    token = token_for()
    one = _statements_for(api_get, CASES, token)
    for _ in range(10):
        CaseFactory(reasons=["S251", "N3", "DARS"])
    session.commit()
    assert _statements_for(api_get, CASES, token) == one


def test_a_case_shows_the_comments_evidence_and_typed_covers_of_its_assessment(
        client, session, token_for, api_get):
    OrganisationFactory(ods_code="8HV48")
    session.commit()
    payload = body()
    evidence = {"name": "training-log-2016.pdf", "description": "Training log",
                "uploaded_at": "2016-03-01T10:00:00Z", "size_bytes": 48211,
                "url": "https://toolkit.example/evidence/9f2c"}
    payload["assessment"]["requirements"][0].update(comment="Annual training for all staff.",
                                                    evidence=[evidence])
    payload["assessment"]["covers"][0]["kind"] = "study"
    reference = post_processed(client, payload)["case_reference"]
    case = api_get(f"{CASES}/{reference}", token_for("reviewer")).json
    first = case["assessment"]["requirements"][0]
    assert first["comment"] == "Annual training for all staff."
    assert first["evidence"] == [{**evidence, "sha256": None}]
    assert case["assessment"]["covers"][0]["kind"] == "study"
