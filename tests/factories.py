"""factory_boy factories for the back office's models."""

from __future__ import annotations

from datetime import UTC, date, datetime

import factory
from factory.alchemy import SQLAlchemyModelFactory

from backoffice.cases.models import Case
from backoffice.exemptions.models import Exemption
from backoffice.organisations.models import Organisation, OrganisationAdministrator
from backoffice.users.models import User
from backoffice.users.services import hash_password

TEST_PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(TEST_PASSWORD)


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None
        sqlalchemy_session_persistence = "flush"


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "reviewer"
    approval_group = None
    password_hash = _PASSWORD_HASH
    active = True


class OrganisationFactory(_Base):
    class Meta:
        model = Organisation

    ods_code = factory.Sequence(lambda n: f"8T{n:03d}")
    name = factory.Sequence(lambda n: f"Test Care Home {n}")
    org_type = "Voluntary Sector"
    address = "1 High Street, Exeter"
    postcode = "EX1 1AA"


class AdministratorFactory(_Base):
    class Meta:
        model = OrganisationAdministrator

    organisation = factory.SubFactory(OrganisationFactory)
    name = "Pat Manager"
    email = factory.Sequence(lambda n: f"admin{n}@example.org")
    phone = "0300 303 4034"


class ExemptionFactory(_Base):
    class Meta:
        model = Exemption

    organisation = factory.SubFactory(OrganisationFactory)
    toolkit_version = 13
    requirement_id = "321"
    reason = "Records are on paper only"
    status = "requested"


class CaseFactory(_Base):
    """A case as it stands, dates given (no notification; for reports and dashboards)."""

    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"R-2026-{n + 1:06d}")
    organisation = factory.SubFactory(OrganisationFactory)
    status = "unassigned"
    opened_at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    due_date = date(2026, 11, 16)


ALL = (UserFactory, OrganisationFactory, AdministratorFactory, ExemptionFactory, CaseFactory)


def bind(session) -> None:
    for item in ALL:
        item._meta.sqlalchemy_session = session


def insert_organisations(session, count: int, prefix: str) -> list[int]:
    """``count`` organisations in one INSERT (ODS codes ``<prefix>0000``…), their ids in order."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    now = datetime.now(UTC)
    session.execute(insert(Organisation), [
        {"ods_code": f"{prefix}{n:04d}", "name": f"Home {prefix}{n}",
         "org_type": "Voluntary Sector", "address": "", "postcode": "EX1 1AA",
         "created_at": now, "updated_at": now} for n in range(count)])
    return list(session.scalars(select(Organisation.id)
                                .where(Organisation.ods_code.startswith(prefix))
                                .order_by(Organisation.id)))
