"""What a reviewer sees on the queue: the filters, the saved views and the search box."""

import json
import re

from tests.factories import CaseFactory, UserFactory

REFERENCE = re.compile(r">(R-\d{4}-\d{6})<")


def _listed(client, url: str) -> set[str]:
    return set(REFERENCE.findall(client.get(url).get_data(as_text=True)))


def _filter_options(client, label: str) -> list[tuple[int, str, list]]:
    """(index, operation, options) of each filter the queue page offers under ``label``."""
    html = client.get("/admin/case/").get_data(as_text=True)
    groups = json.loads(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', html).group(1))
    return [(item["index"], item["operation"], item["options"]) for item in groups[label]]


def test_the_reviewer_filter_offers_the_reviewers_by_name_and_lists_their_cases(
        client, login, session):
    rita = UserFactory(name="Rita Reviewer", email="r.h@example.org", role="reviewer")
    sam = UserFactory(name="Sam Senior", role="senior_reviewer")
    UserFactory(name="Hal Helpdesk", role="helpdesk")
    ritas = CaseFactory(assigned_to=rita, status="in_review")
    sams = CaseFactory(assigned_to=sam, status="in_review")
    nobodys = CaseFactory()
    login("reviewer", name="Val Viewer")
    [(index, _, options)] = _filter_options(client, "Reviewer")
    names = [label for _, label in options]
    assert names[0] == "nobody"
    assert {"Rita Reviewer", "Sam Senior", "Val Viewer"} <= set(names)
    assert "Hal Helpdesk" not in names
    rita_value = next(value for value, label in options if label == "Rita Reviewer")
    assert _listed(client, f"/admin/case/?flt0_{index}={rita_value}") == {ritas.reference}
    assert _listed(client, f"/admin/case/?flt0_{index}=nobody") == {nobodys.reference}
    assert sams.reference in _listed(client, "/admin/case/")


def test_a_reviewer_added_later_is_offered_without_a_restart(client, login, session):
    login("reviewer")
    [(_, _, options)] = _filter_options(client, "Reviewer")
    assert "Newly Joined" not in [label for _, label in options]
    UserFactory(name="Newly Joined", role="reviewer")
    session.commit()
    [(_, _, options)] = _filter_options(client, "Reviewer")
    assert "Newly Joined" in [label for _, label in options]


def _status_filter(app, operation: str) -> int:
    view = app.extensions["admin_views"]["case"]
    return next(i for i, f in enumerate(view._filters)
                if f.name == "Status" and f.operation() == operation)


def test_filtering_the_open_view_by_closed_status_lists_the_closed_cases(app, client, login):
    closed = CaseFactory(status="closed")
    in_review = CaseFactory(status="in_review")
    unassigned = CaseFactory()
    login("reviewer")
    equals, in_list = _status_filter(app, "equals"), _status_filter(app, "in list")
    assert _listed(client, f"/admin/case/?flt0_{equals}=closed") == {closed.reference}
    assert _listed(client, f"/admin/case/?flt0_{in_list}=in_review,closed") == {
        closed.reference, in_review.reference}
    # a filter that only narrows the Open view keeps it to open cases
    not_equal = _status_filter(app, "not equal")
    assert _listed(client, f"/admin/case/?flt0_{not_equal}=in_review") == {
        unassigned.reference}


def test_an_empty_saved_view_says_why_and_links_to_all_cases_with_the_same_filters(
        app, client, login):
    closed = CaseFactory(status="closed")
    login("reviewer")
    equals = _status_filter(app, "equals")
    page = client.get(f"/admin/case/?view=mine&flt0_{equals}=closed").get_data(as_text=True)
    assert "My cases lists your open cases only" in page
    link = re.search(r'<a href="([^"]+)"[^>]*>Look in All, closed too', page).group(1)
    assert _listed(client, link.replace("&amp;", "&")) == {closed.reference}
    page = client.get(f"/admin/case/?search={closed.reference}").get_data(as_text=True)
    assert "Open lists open cases only" in page
    link = re.search(r'<a href="([^"]+)"[^>]*>Look in All, closed too', page).group(1)
    assert _listed(client, link.replace("&amp;", "&")) == {closed.reference}


def _active_views(html: str) -> list[str]:
    nav = re.search(r'aria-label="Saved views".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a class="nav-link active"[^>]*aria-current="page"[^>]*>([^<]+)</a>',
                      nav)


def test_the_saved_view_shown_is_highlighted(app, client, login):
    login("reviewer")
    assert _active_views(client.get("/admin/case/").get_data(as_text=True)) == ["Open"]
    page = client.get("/admin/case/?view=mine").get_data(as_text=True)
    assert _active_views(page) == ["My cases"]
    equals = _status_filter(app, "equals")
    page = client.get(f"/admin/case/?flt0_{equals}=closed").get_data(as_text=True)
    assert _active_views(page) == ["All, closed too"]


def test_the_search_box_says_what_it_searches_in_plain_words(client, login):
    login("reviewer")
    page = client.get("/admin/case/").get_data(as_text=True)
    assert 'placeholder="Reference, ODS code or organisation name"' in page
    assert "organisation.ods_code" not in page
