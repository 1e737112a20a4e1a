"""A refused findings or outcome form comes back as it was filled in, the refusal on its row."""

import re

from sqlalchemy import func, select

from backoffice.core.requirements import TITLES
from backoffice.reviews.models import Finding
from tests.conftest import form_token

FORTY_FOUR = sorted(TITLES)[:44]


def _take(client, case) -> str:
    client.post("/admin/case/take-next/", data={"csrf_token": form_token(client,
                                                                         "/admin/case/")})
    return form_token(client, f"/admin/case/review/{case.id}")


def _checked(page: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" value="(\w+)" checked', page)
    return match.group(1) if match else None


def _typed_everywhere() -> dict:
    data = {f"agree-{rid}": "agree" for rid in FORTY_FOUR}
    data.update({f"comment-{rid}": f"Seen the evidence for {rid}" for rid in FORTY_FOUR})
    data.update({f"agree-{FORTY_FOUR[5]}": "differ", f"level-{FORTY_FOUR[5]}": "1",
                 f"comment-{FORTY_FOUR[5]}": "No training records"})
    return data


def test_a_differ_without_a_level_keeps_all_forty_four_rows_as_typed(client, login, session,
                                                                     open_case):
    first, sixth = FORTY_FOUR[0], FORTY_FOUR[5]
    case = open_case(dict.fromkeys(FORTY_FOUR, 2), plan=[])
    login("reviewer")
    token = _take(client, case)
    data = {"csrf_token": token, **_typed_everywhere(), f"agree-{first}": "differ",
            f"level-{first}": ""}
    response = client.post(f"/admin/case/findings/{case.id}", data=data)
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert f"requirement {first}: choose the level you found" in page
    assert re.search(rf'data-testid="error-{first}">requirement {first}: choose the level',
                     page)
    assert f'data-testid="error-{sixth}"' not in page
    assert _checked(page, f"agree-{first}") == "differ"
    assert all(_checked(page, f"agree-{rid}") == "agree" for rid in FORTY_FOUR[1:5])
    assert _checked(page, f"agree-{sixth}") == "differ"
    assert re.search(rf'name="level-{sixth}"[^>]*>\s*<option value=""></option>'
                     r'<option value="0" >0</option><option value="1" selected>', page)
    assert all(f'>Seen the evidence for {rid}</textarea>' in page for rid in FORTY_FOUR
               if rid != sixth)
    assert '>No training records</textarea>' in page
    assert session.scalar(select(func.count(Finding.id))) == 0


def test_a_differ_without_a_reason_is_refused_on_its_row_and_the_rest_kept(client, login,
                                                                           session, open_case):
    case = open_case({"114": 2, "115": 3, "117": 1}, plan=[])
    login("reviewer")
    token = _take(client, case)
    response = client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-114": "agree", "comment-114": "Policy seen",
        "agree-115": "differ", "level-115": "2", "comment-115": " ", "agree-117": "agree"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="error-115">requirement 115: say why the level differs' in page
    assert _checked(page, "agree-114") == "agree" and '>Policy seen</textarea>' in page
    assert _checked(page, "agree-117") == "agree"
    assert session.scalar(select(func.count(Finding.id))) == 0
    # corrected and saved from the page as it came back
    again = client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}"),
        "agree-114": "agree", "agree-115": "differ", "level-115": "2",
        "comment-115": "Only two of three policies", "agree-117": "agree"},
        follow_redirects=True)
    assert "Findings saved." in again.get_data(as_text=True)
    assert session.scalar(select(func.count(Finding.id))) == 3


def test_a_refused_outcome_keeps_the_reasons_typed(client, login, session, open_case):
    case = open_case({"114": 2, "115": 3}, plan=[])
    login("reviewer")
    token = _take(client, case)
    client.post(f"/admin/case/findings/{case.id}", data={
        "csrf_token": token, "agree-114": "agree", "agree-115": "agree"})
    reasons = "The organisation could not show its staff were trained in 2015"
    response = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "outcome": "not_satisfactory", "reasons": reasons})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<strong>Not Satisfactory refused:</strong>" in page
    assert "<li>every applicable requirement is at level 2 or above: the outcome is " \
        "Satisfactory</li>" in page
    assert re.search(rf'name="reasons" rows="2">\s*{reasons}</textarea>', page)
    assert re.search(r'<input checked [^>]*value="not_satisfactory"', page)


def test_an_outcome_not_chosen_keeps_the_reasons_typed(client, login, session, open_case):
    case = open_case({"114": 2}, plan=[])
    login("reviewer")
    token = _take(client, case)
    response = client.post(f"/admin/case/outcome/{case.id}", data={
        "csrf_token": token, "reasons": "Half written reasons"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="outcome-error">Choose an outcome.' in page
    assert re.search(r'name="reasons" rows="2">\s*Half written reasons</textarea>', page)
