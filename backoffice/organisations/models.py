from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.core.audit import Audited
from backoffice.core.db import Base, Timestamps
from backoffice.users.models import User


class Organisation(Audited, Timestamps, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ods_code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    org_type: Mapped[str] = mapped_column(String(60), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)

    parent: Mapped[Organisation | None] = relationship(
        remote_side="Organisation.id", back_populates="branches")
    branches: Mapped[list[Organisation]] = relationship(
        back_populates="parent", order_by="Organisation.ods_code")
    administrators: Mapped[list[OrganisationAdministrator]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan",
        order_by="OrganisationAdministrator.id")

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class OrganisationAdministrator(Audited, Timestamps, Base):
    __tablename__ = "organisation_administrators"
    # Linking the account is part of the invitation, which is audited itself.
    __audit_ignored__ = Audited.__audit_ignored__ | {"user_id"}

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Their log-in (role organisation_administrator), made when the helpdesk first invites
    # them; one account for a person who administers several organisations.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="administrators")
    user: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
