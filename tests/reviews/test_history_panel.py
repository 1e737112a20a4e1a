"""The case page's history panel: the organisation's earlier publications and cases with
their outcomes and letters, each level's change since the previous publication, the
baseline, the head office or branches — in a fixed number of queries."""

import re

from sqlalchemy import event, select, update

from backoffice.cases.models import Case
from backoffice.extensions import db
from backoffice.organisations.models import Organisation
from backoffice.reviews.history import CHANGED, DOWN, NEW, SAME, UP, level_changes
from tests.factories import AdministratorFactory, OrganisationFactory
from tests.payloads import body, post_processed

YEARS = [(10, "2012/13"), (11, "2013/14"), (12, "2014/15"), (13, "2015/16"), (14, "2016/17"),
         (15, "2017/18"), (16, "2018/19"), (17, "2019/20"), (18, "2020/21")]


def _publish(client, session, *, ods_code: str, number: int, levels: dict,
             close: bool = True) -> Case:
    """The organisation publishes version/year ``number``; its case is closed (Satisfactory)
    unless ``close`` is false."""
    version, year = YEARS[number]
    payload = body(notification_id=f"IGT-H-{ods_code}-{number}",
                   published_at=f"{2013 + number}-03-20T10:00:00Z")
    payload["organisation"]["ods_code"] = ods_code
    payload["assessment"].update(toolkit_version=version, reporting_year=year, requirements=[
        {"id": rid, "not_relevant": True} if level is None else {"id": rid, "level": level}
        for rid, level in levels.items()], improvement_plan=[])
    if session.scalar(select(Organisation).where(Organisation.ods_code == ods_code)) is None:
        AdministratorFactory(organisation=OrganisationFactory(ods_code=ods_code))
        session.commit()
    reference = post_processed(client, payload)["case_reference"]
    session.expire_all()
    case = session.scalar(select(Case).where(Case.reference == reference))
    if close:  # as if reviewed and its letters delivered
        session.execute(update(Case).where(Case.id == case.id).values(
            status="closed", outcome="satisfactory"))
        session.commit()
    return case


def _history(page: str) -> str:
    return re.search(r'<section class="history-panel.*?</section>', page, re.S).group(0)


def test_levels_are_compared_with_the_previous_publication():
    before = [{"id": "114", "level": 1}, {"id": "115", "level": 3}, {"id": "116", "level": 2},
              {"id": "304", "level": 0}]
    after = [{"id": "114", "level": 2}, {"id": "115", "level": 2}, {"id": "116", "level": 2},
             {"id": "304", "not_relevant": True}, {"id": "321", "level": 1}]
    changes = level_changes(before, after)
    assert {rid: c.direction for rid, c in changes.items()} == {
        "114": UP, "115": DOWN, "116": SAME, "304": CHANGED, "321": NEW}
    assert changes["114"].before == "level 1" and changes["304"].before == "level 0"


def test_the_panel_lists_earlier_publications_and_each_levels_change(client, login, session):
    first = _publish(client, session, ods_code="8HV48", number=2,
                     levels={"114": 1, "115": 3, "117": 2})
    case = _publish(client, session, ods_code="8HV48", number=3,
                    levels={"114": 2, "115": 2, "117": 2, "321": 1}, close=False)
    login("reviewer")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    panel = _history(page)
    assert f'>{first.reference}</a>' in panel and "Satisfactory" in panel
    assert "v12" in panel and "2014/15" in panel and "this case" in panel
    assert re.search(r"1 up</strong>, <strong[^>]*>1 down</strong>, 1 the same, 1 new", panel)
    assert re.search(r'data-change="up">\s*&#9650; up from level 1', page)
    assert re.search(r'data-change="down">\s*&#9660; down from level 3', page)
    assert 'data-testid="change-117" data-change="same"' in page
    assert 'data-testid="change-321" data-change="new"' in page
    assert 'data-testid="baseline"' not in page  # not the first publication
    assert panel.count('data-testid="baseline-publication"') == 1  # the first one is


def test_the_first_publication_of_an_organisation_is_marked_baseline(client, login, session):
    case = _publish(client, session, ods_code="8HV51", number=3, levels={"114": 1, "117": 0},
                    close=False)
    login("reviewer")
    page = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    assert "<strong>Baseline.</strong> This is the organisation's first publication" in page
    assert 'data-testid="change-114"' not in page  # nothing to compare with


def test_the_panel_names_the_head_office_or_the_branches(client, login, session):
    head = OrganisationFactory(ods_code="FA001", name="Pharmacy Head Office")
    OrganisationFactory(ods_code="FA002", name="Branch One", parent=head)
    OrganisationFactory(ods_code="FA003", name="Branch Two", parent=head)
    session.commit()
    head_case = _publish(client, session, ods_code="FA001", number=3, levels={"114": 2},
                         close=False)
    branch_case = _publish(client, session, ods_code="FA002", number=3, levels={"114": 2},
                           close=False)
    login("reviewer")
    head_page = client.get(f"/admin/case/review/{head_case.id}").get_data(as_text=True)
    assert re.search(r"Branches \(2\):.*Branch One.*FA002.*Branch Two.*FA003",
                     _history(head_page), re.S)
    branch_page = client.get(f"/admin/case/review/{branch_case.id}").get_data(as_text=True)
    assert re.search(r"Head office: <a [^>]*>Pharmacy Head Office</a> \(FA001\)",
                     _history(branch_page))


def _queries_for(client, url: str) -> int:
    count = [0]

    def counted(*args, **kwargs):
        count[0] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count[0]


def test_the_case_page_reads_a_long_history_in_as_many_queries_as_a_short_one(
        client, login, session, app):
    levels = {"114": 2, "115": 1, "117": 2}
    for number in range(2):
        _publish(client, session, ods_code="8HV60", number=number, levels=levels)
    short = _publish(client, session, ods_code="8HV60", number=2, levels=levels, close=False)
    for number in range(8):
        _publish(client, session, ods_code="8HV61", number=number, levels=levels)
    long = _publish(client, session, ods_code="8HV61", number=8, levels=levels, close=False)
    login("reviewer")
    with app.app_context():
        short_count = _queries_for(client, f"/admin/case/review/{short.id}")
        long_count = _queries_for(client, f"/admin/case/review/{long.id}")
    page = client.get(f"/admin/case/review/{long.id}").get_data(as_text=True)
    assert _history(page).count("data-publication=") == 9
    assert short_count > 5  # the listener counted the page's queries
    assert long_count == short_count


def test_a_head_office_batch_case_names_the_branches_it_reviews(client, login, session):
    from tests.notifications.test_head_office import branch_publication

    head = OrganisationFactory(ods_code="FA001", name="Fairway Pharmacy Head Office")
    for code in ("FA002", "FA003"):
        OrganisationFactory(ods_code=code, name=f"Pharmacy {code}", parent=head)
    session.commit()
    for number, code in enumerate(("FA002", "FA003"), start=1):
        answer = post_processed(client, branch_publication(code, number))
    session.expire_all()
    case = session.scalar(select(Case).where(Case.reference == answer["case_reference"]))
    login("reviewer")
    panel = _history(client.get(f"/admin/case/review/{case.id}").get_data(as_text=True))
    assert re.search(r"One review for the head office's batch publication, covering 2 "
                     r"branches:\s*<a [^>]*>Pharmacy FA002</a> \(FA002\), "
                     r"<a [^>]*>Pharmacy FA003</a> \(FA003\)\.", panel)
