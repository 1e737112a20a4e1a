from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from backoffice.cases.models import Case
from backoffice.core.audit import Audited
from backoffice.core.db import Base, utcnow
from backoffice.core.display import day
from backoffice.reviews.documents import size_in_words
from backoffice.users.models import User


def _in_session(record, model, key):
    """The ``model`` row ``key`` as the record's session has it: from its identity map while
    loaded (the case and the acting user are, while a service works on the case), so no
    query for each audited row; else one query."""
    session = object_session(record)
    return session.get(model, key) if session is not None and key is not None else None


class CaseRecord(Audited):
    """Mixin: a record of a case's review. Its audit rows start with the case's reference
    ("R-2026-000013 requirement 105: agreed"), so the trail searched for it finds them."""

    def audit_label(self) -> str:
        case = _in_session(self, Case, self.case_id)
        return f"{case.reference if case else f'case {self.case_id}'} {self}"


class Finding(CaseRecord, Base):
    """The reviewer's view of one requirement: agree, or another level, with a comment."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("case_id", "requirement_id",
                                       name="uq_findings_requirement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    requirement_id: Mapped[str] = mapped_column(String(10))
    agreed: Mapped[bool] = mapped_column(default=True)
    level: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    # How the requirement was self-assessed when this finding was made ("level 1", "not
    # relevant"), while a newer publication says otherwise: the finding no longer counts
    # until the reviewer answers the requirement again. None: the finding stands.
    changed_from: Mapped[str | None] = mapped_column(String(30))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def stands(self) -> bool:
        """It counts: no republication has changed its requirement since it was made."""
        return self.changed_from is None

    def __str__(self) -> str:
        return finding_label(self.requirement_id, self.agreed, self.level)


def finding_label(requirement_id: str, agreed: bool, level: int | None) -> str:
    """A finding as its audit rows name it: "requirement 114: agreed" or "…: level 1"."""
    verdict = "agreed" if agreed else f"level {level}"
    return f"requirement {requirement_id}: {verdict}"


class PlanDecision(CaseRecord, Base):
    """The reviewer's accept or reject of one improvement-plan item."""

    __tablename__ = "plan_decisions"
    __table_args__ = (UniqueConstraint("case_id", "item_index", name="uq_plan_decisions_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    item_index: Mapped[int]
    requirement_id: Mapped[str] = mapped_column(String(10))
    accepted: Mapped[bool]
    comment: Mapped[str] = mapped_column(Text, default="")
    # How the plan item at this position read when decided ("117: Train staff; owner …"),
    # while a newer publication has another item there: the decision no longer counts until
    # the reviewer decides the item again. None: the decision stands.
    changed_from: Mapped[str | None] = mapped_column(Text)

    @property
    def stands(self) -> bool:
        """It counts: no republication has changed its plan item since it was made."""
        return self.changed_from is None

    def __str__(self) -> str:
        return f"plan item {self.item_index + 1} ({self.requirement_id}): " + (
            "accepted" if self.accepted else "rejected")


class InformationRequest(CaseRecord, Base):
    """A round of 'request information': the SLA clock stops until it is received."""

    __tablename__ = "information_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None]
    # Who marked it received; None on rows marked before this was recorded.
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paused_working_days: Mapped[int] = mapped_column(default=0)
    # The reply link: a random value the signed link carries (so a link names one request,
    # and a new value voids the old links), and the moment the link stops working. None on
    # requests made before reply links.
    reply_nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    reply_expires_at: Mapped[datetime | None]

    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    reply: Mapped[InformationReply | None] = relationship(back_populates="request")

    __audit_masked__ = frozenset({"reply_nonce"})

    def __str__(self) -> str:
        return f"information requested {day(self.requested_at)}"


class ReplyChannel:
    """How a reply came: through the link in the e-mail, or by post or e-mail, attached by
    staff on the organisation's behalf."""

    LINK = "link"
    POST = "post"
    EMAIL = "email"
    ATTACHED = {POST: "by post", EMAIL: "by e-mail"}


class InformationReply(CaseRecord, Base):
    """The organisation's answer to one information request, with its documents."""

    __tablename__ = "information_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("information_requests.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_name: Mapped[str] = mapped_column(String(200))
    from_email: Mapped[str] = mapped_column(String(254), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(10))
    received_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The staff member who attached a reply received by post or e-mail; None for the link.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request: Mapped[InformationRequest] = relationship(back_populates="reply")
    recorded_by: Mapped[User | None] = relationship()
    documents: Mapped[list[ReplyDocument]] = relationship(
        back_populates="reply", order_by="ReplyDocument.id")

    @property
    def how(self) -> str:
        """"through the reply link", "by post", "by e-mail"."""
        return ReplyChannel.ATTACHED.get(self.channel, "through the reply link")

    def __str__(self) -> str:
        return f"information received from {self.from_name} {self.how}"


class ReplyDocument(Base):
    """A document sent with a reply: its bytes, checked by content, and their sha256.
    Not audited row by row (the bytes are no audit text): the reply's audit row lists the
    documents with their checksums."""

    __tablename__ = "reply_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("information_replies.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    reply: Mapped[InformationReply] = relationship(back_populates="documents")

    @property
    def size(self) -> str:
        """"470 bytes", "1.2 MB"."""
        return size_in_words(self.size_bytes)


class SignOff(CaseRecord, Base):
    """A senior reviewer's verdict on a Not Satisfactory outcome, bound to what was signed."""

    __tablename__ = "sign_offs"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))  # approved / sent_back
    comment: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]

    signed_by: Mapped[User] = relationship()

    def __str__(self) -> str:
        signer = self.signed_by or _in_session(self, User, self.signed_by_id)
        return f"sign-off {self.decision} by {signer}"
