import pytest

from backoffice.helpdesk import services
from tests.conftest import form_token

GOOD = {"name": "Pat Manager", "email": "Pat.Manager@Example.org",
        "organisation_name": "Rosewood Care Home", "ods_code": "",
        "category": "publishing",
        "message": "We pressed publish on our assessment but the status still says draft."}


@pytest.fixture
def contact(client):
    """Send the public contact form as a browser would: with the CSRF token of the page."""

    def send(address: str = "127.0.0.1", **fields):
        data = {**GOOD, "csrf_token": form_token(client, "/contact"), **fields}
        return client.post("/contact", data=data, environ_base={"REMOTE_ADDR": address})

    return send


@pytest.fixture
def new_ticket(session):
    """A ticket as the contact form makes it."""

    def make(**fields):
        values = {**GOOD, **fields}
        ticket = services.create_ticket(session, **values)
        session.commit()
        return ticket

    return make
