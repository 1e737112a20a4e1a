"""The approval-group portal: each group sees, downloads and acknowledges its own letters."""

from __future__ import annotations

import io
import re
from datetime import UTC

import docx

from backoffice.core.audit import trail_for
from backoffice.core.vocabulary import Outcome
from backoffice.letters.services import regenerate_letters
from backoffice.portal import services as portal_services
from backoffice.reviews import timeline
from tests.conftest import form_token

GROUPS = ("CAG", "DAAG", "IGSoC")


def test_each_group_sees_only_its_own_letters_never_the_organisations(with_letters,
                                                                     member_client):
    _first, first = with_letters(groups=("CAG", "IGSoC"))
    _second, second = with_letters(groups=("DAAG", "PCMD"), outcome=Outcome.NOT_SATISFACTORY)
    letters = {**{f"1-{r}": lt for r, lt in first.items()},
               **{f"2-{r}": lt for r, lt in second.items()}}
    for group in GROUPS:
        client, _user = member_client(group)
        html = client.get("/portal/").get_data(as_text=True)
        shown = {key for key, letter in letters.items() if letter.filename in html}
        assert shown == {key for key, letter in letters.items() if letter.recipient == group}, \
            group
        assert "organisation-v" not in html


def test_a_member_downloads_their_groups_letter_as_a_word_document(with_letters,
                                                                   member_client):
    case, letters = with_letters(groups=("CAG",))
    client, _user = member_client("CAG")
    response = client.get(f"/portal/letters/{letters['CAG'].id}/download")
    assert response.status_code == 200
    assert letters["CAG"].filename in response.headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)
    assert case.reference in text


def test_another_groups_or_the_organisations_letter_by_url_is_not_found(with_letters,
                                                                        member_client,
                                                                        session):
    _case, letters = with_letters(groups=("CAG", "DAAG"))
    client, _user = member_client("CAG")
    token = form_token(client, "/portal/")
    for recipient in ("DAAG", "organisation"):
        letter = letters[recipient]
        assert client.get(f"/portal/letters/{letter.id}/download").status_code == 404
        response = client.post(f"/portal/letters/{letter.id}/acknowledge",
                               data={"csrf_token": token})
        assert response.status_code == 404
        session.refresh(letter)
        assert letter.acknowledged_at is None
    for missing in ("999999", "99999999999999999999"):
        assert client.get(f"/portal/letters/{missing}/download").status_code == 404
    assert client.get("/portal/?q=nul%00byte&on=2016-02-30").status_code == 200


def test_acknowledging_receipt_is_recorded_on_the_letter_and_the_case_timeline(
        with_letters, member_client, session):
    case, letters = with_letters(groups=("CAG", "IGSoC"))
    client, user = member_client("CAG")
    letter = letters["CAG"]
    response = client.post(f"/portal/letters/{letter.id}/acknowledge",
                           data={"csrf_token": form_token(client, "/portal/")})
    assert response.status_code == 302
    session.refresh(letter)
    assert letter.acknowledged_by_id == user.id
    assert letter.acknowledged_at is not None
    assert "acknowledged_at" in trail_for(session, "letters", letter.id)[0].changes
    case_trail = [row for row in trail_for(session, "cases", case.id)
                  if row.action == "acknowledge"]
    assert len(case_trail) == 1 and case_trail[0].actor == user.email
    events = [event.what for event in timeline.events(session, case)]
    assert f"receipt acknowledged: CAG letter v1 by {user.email}" in events
    html = client.get("/portal/").get_data(as_text=True)
    assert f"by {user.name}" in html.split("data-testid=\"letters\"")[1]
    session.refresh(letters["IGSoC"])
    assert letters["IGSoC"].acknowledged_at is None


def test_acknowledging_twice_is_refused_and_needs_a_csrf_token(with_letters, member_client,
                                                               session):
    case, letters = with_letters(groups=("CAG",))
    client, _user = member_client("CAG")
    letter = letters["CAG"]
    assert client.post(f"/portal/letters/{letter.id}/acknowledge").status_code == 400
    session.refresh(letter)
    assert letter.acknowledged_at is None
    token = form_token(client, "/portal/")
    client.post(f"/portal/letters/{letter.id}/acknowledge", data={"csrf_token": token})
    again = client.post(f"/portal/letters/{letter.id}/acknowledge", data={"csrf_token": token},
                        follow_redirects=True)
    assert "already acknowledged" in again.get_data(as_text=True)
    assert len([row for row in trail_for(session, "cases", case.id)
                if row.action == "acknowledge"]) == 1


def test_search_by_organisation_ods_reference_and_date_and_filter_by_outcome(
        with_letters, member_client):
    first, first_letters = with_letters(groups=("CAG",), ods_code="8AB01")
    second, second_letters = with_letters(groups=("CAG",), ods_code="FQ123",
                                          outcome=Outcome.NOT_SATISFACTORY)
    client, _user = member_client("CAG")

    def shown(**params):
        html = client.get("/portal/", query_string=params).get_data(as_text=True)
        return {case.reference for case in (first, second) if case.reference in html}

    assert shown() == {first.reference, second.reference}
    assert shown(q="fq123") == {second.reference}
    assert shown(q=first.reference.lower()) == {first.reference}
    assert shown(q=second.organisation.name) == {second.reference}
    assert shown(outcome="not_satisfactory") == {second.reference}
    today = first_letters["CAG"].created_at.astimezone(UTC).date().isoformat()
    assert shown(on=today) == {first.reference, second.reference}
    assert shown(on="2001-01-01") == set()
    html = client.get("/portal/?on=yesterday&outcome=bogus").get_data(as_text=True)
    assert html.count("This filter was not applied") == 2
    assert first.reference in html


def test_a_regenerated_letter_shows_its_newest_version_with_the_older_listed(
        app, with_letters, member_client, session, people):
    case, letters = with_letters(groups=("CAG",))
    regenerate_letters(session, actor=people["admin"][1], case=case,
                       mail_from=app.extensions["settings"].mail_from)
    session.commit()
    client, _user = member_client("CAG")
    html = client.get("/portal/").get_data(as_text=True)
    assert f"{case.reference}-CAG-v2.docx" in html
    assert html.count('data-letter="') == 1
    assert f'/portal/letters/{letters["CAG"].id}/download">v1</a>' in html


def test_older_letters_are_one_page_further_each_and_keep_the_search(
        with_letters, member_client, monkeypatch):
    monkeypatch.setattr(portal_services, "PAGE_SIZE", 2)
    cases = [with_letters(groups=("CAG",), ods_code=f"8AB0{n}")[0] for n in range(5)]
    refused, _letters = with_letters(groups=("CAG",), ods_code="8AB09",
                                     outcome=Outcome.NOT_SATISFACTORY)
    satisfactory = [case.reference for case in reversed(cases)]  # newest first
    client, _user = member_client("CAG")

    def walk(**search) -> list[list[str]]:
        pages, url = [], client.get("/portal/", query_string=search).request.url
        while url:
            html = client.get(url).get_data(as_text=True)
            pages.append([ref for ref in [refused.reference, *satisfactory] if ref in html])
            assert ("Newest letters" in html) == bool(pages[1:])
            older = re.search(r'href="([^"]+)" data-testid="older-letters"', html)
            url = older and older.group(1).replace("&amp;", "&")
        return pages

    assert walk() == [[refused.reference, satisfactory[0]], satisfactory[1:3],
                      satisfactory[3:5]]
    assert walk(outcome="satisfactory") == [satisfactory[0:2], satisfactory[2:4],
                                            satisfactory[4:]]
    assert walk(q="8AB03") == [[cases[3].reference]]

    html = client.get("/portal/?before=999999").get_data(as_text=True)  # unknown: first page
    assert "Newest letters" not in html
    assert [ref for ref in satisfactory if ref in html] == satisfactory[0:1]


def test_a_member_finds_a_letter_by_their_groups_own_application_reference(with_letters,
                                                                          member_client):
    case, letters = with_letters(groups=("CAG", "IGSoC"))
    cag_reference = next(r.reference for r in case.reasons if r.approval_group == "CAG")
    client, _user = member_client("CAG")
    html = client.get("/portal/", query_string={"q": cag_reference.lower()}
                      ).get_data(as_text=True)
    assert letters["CAG"].filename in html
    assert f'<td data-testid="group-reference">{cag_reference}' in html
    igsoc_reference = next(r.reference for r in case.reasons if r.approval_group == "IGSoC")
    html = client.get("/portal/", query_string={"q": igsoc_reference}).get_data(as_text=True)
    assert letters["CAG"].filename not in html  # another group's reference finds nothing
