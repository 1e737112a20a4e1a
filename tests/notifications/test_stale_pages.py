"""A page opened before someone else acted: a clear answer, never a redirect loop."""

from sqlalchemy import select

from backoffice.notifications.models import Notification
from tests.conftest import form_token
from tests.factories import OrganisationFactory
from tests.payloads import body, post_processed


def _linked_by_another_tab(client, login, session) -> tuple[str, str]:
    """The link form opened in one tab, the notification linked from another: (url, token)."""
    assert post_processed(client, body())["status"] == "unmatched"
    notification = session.scalar(select(Notification))
    OrganisationFactory(ods_code="8HV47")
    session.commit()
    login("helpdesk")
    url = f"/admin/unmatched/link/{notification.id}"
    token = form_token(client, url)
    client.post(url, data={"csrf_token": token, "ods_code": "8HV47"})
    return url, token


def test_the_link_page_of_a_notification_linked_meanwhile_says_so(client, login, session):
    url, token = _linked_by_another_tab(client, login, session)
    again = client.post(url, data={"csrf_token": token, "ods_code": "8HV47"},
                        follow_redirects=True)
    assert again.status_code == 409
    assert "is processed, not waiting for an organisation" in again.get_data(as_text=True)
    opened = client.get(url)
    assert opened.status_code == 409
    assert "not waiting for an organisation" in opened.get_data(as_text=True)


def test_a_refusal_after_a_form_still_goes_back_to_that_form(client, login, session):
    url, token = _linked_by_another_tab(client, login, session)
    answer = client.post(url, data={"csrf_token": token, "ods_code": "8HV47"},
                         headers={"Referer": "http://localhost/admin/unmatched/"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/admin/unmatched/")
