"""Cases with generated letters (through the review and letters services), and members."""

from __future__ import annotations

import pytest

from backoffice.letters.services import generate_due
from tests.conftest import log_in
from tests.factories import UserFactory
from tests.letters.conftest import case_in_sending_letters, people  # noqa: F401 (fixtures)


@pytest.fixture
def with_letters(app, session, case_in_sending_letters):  # noqa: F811
    """A case whose outcome letters (one per group it names, one to the organisation) exist."""

    def make(**kwargs):
        case = case_in_sending_letters(**kwargs)
        letters = generate_due(session, case_id=case.id,
                               mail_from=app.extensions["settings"].mail_from)
        session.commit()
        return case, {letter.recipient: letter for letter in letters}

    return make


@pytest.fixture
def member_client(app, session):
    """A client logged in as a new member of this approval group."""

    def make(group: str):
        user = UserFactory(role="approval_group", approval_group=group)
        session.commit()
        client = app.test_client()
        assert log_in(client, user.email).status_code == 302
        return client, user

    return make
