"""Cases built directly (no notification needed), tokens for a role, and authorised GETs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import factory
import pytest
from factory.alchemy import SQLAlchemyModelFactory

from backoffice.api import services
from backoffice.cases.models import Case, CaseReason
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.notifications.schemas import APPROVAL_GROUPS
from tests.factories import OrganisationFactory, UserFactory


class CaseFactory(SQLAlchemyModelFactory):
    """A case with reasons given by application type: ``CaseFactory(reasons=["S251", "N3"])``."""

    class Meta:
        model = Case
        sqlalchemy_session = None
        sqlalchemy_session_persistence = "flush"

    reference = factory.Sequence(lambda n: f"R-2016-{n + 1:06d}")
    organisation = factory.SubFactory(OrganisationFactory)
    status = "unassigned"
    opened_at = datetime(2016, 3, 30, 14, 22, 5, tzinfo=UTC)
    due_date = date(2016, 4, 27)

    @factory.post_generation
    def reasons(case, create, extracted, **kwargs):
        for application_type in ["S251"] if extracted is None else extracted:
            case.reasons.append(CaseReason(
                application_type=application_type,
                reference=f"{application_type}/{case.reference}",
                approval_group=APPROVAL_GROUPS[application_type]))


@pytest.fixture(autouse=True)
def _bind_case_factory(session):
    CaseFactory._meta.sqlalchemy_session = session


@pytest.fixture
def token_for(session):
    """A working token for a new user of this role (and group)."""

    def issue(role: str = "reviewer", group: str | None = None, **kwargs) -> str:
        user = UserFactory(role=role, approval_group=group, **kwargs)
        _token, plain = services.issue_token(session, actor=SYSTEM_ACTOR, user=user)
        session.commit()
        return plain

    return issue


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_get(client):
    """GET with a bearer token; the answer's JSON is on ``.json``."""

    def get(url: str, token: str, **params):
        return client.get(url, headers=bearer(token), query_string=params)

    return get
