"""Each staff role's home page offers only links that open."""

import re

import pytest

STAFF_ROLES = ("reviewer", "senior_reviewer", "helpdesk", "admin")
CARD_LINK = re.compile(r'<li><a href="([^"]*)">')


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_link_on_the_home_page_opens(client, login, role):
    login(role)
    links = CARD_LINK.findall(client.get("/admin/").get_data(as_text=True))
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link
