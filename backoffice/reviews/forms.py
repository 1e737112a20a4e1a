"""Parsing the review page's forms into service inputs (field errors, never a 500)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from backoffice.core.errors import ServiceError
from backoffice.core.inputs import fits_an_id
from backoffice.core.vocabulary import Outcome
from backoffice.reviews.documents import (
    KINDS_IN_WORDS,
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENTS,
    read_upload,
    size_in_words,
)
from backoffice.reviews.findings import FindingInput
from backoffice.reviews.models import ReplyChannel
from backoffice.reviews.replies import MESSAGE_LENGTH, NAME_LENGTH


class ActionForm(FlaskForm):
    """CSRF and the version of the case the page showed."""

    version = HiddenField()

    def seen_version(self) -> int | None:
        return int(self.version.data) if fits_an_id(self.version.data or "") else None


class MessageForm(ActionForm):
    message = TextAreaField("Message to the organisation", validators=[DataRequired()])


class OutcomeForm(ActionForm):
    outcome = RadioField("Outcome", choices=[(o.value, o.label) for o in Outcome],
                         validators=[DataRequired()])
    plan_accepted = BooleanField("I accept the improvement plan")
    PLAN_HINT = ("Tick when the plan as a whole is acceptable, taking into account any risks. "
                 "Leave it unticked when it is not: the outcome is then Not Satisfactory, "
                 "even if you accepted each item.")
    reasons = TextAreaField("Reasons (required for Not Satisfactory)", validators=[Optional()])


class SignOffForm(ActionForm):
    decision = RadioField("Decision", choices=[("approve", "Sign off"),
                                               ("send_back", "Send back to the reviewer")],
                          validators=[DataRequired()])
    comment = TextAreaField("Comment", validators=[Optional()])


class ReasonForm(ActionForm):
    reason = TextAreaField("Reason", validators=[DataRequired()])


DOCUMENTS_HINT = (f"Up to {MAX_DOCUMENTS} documents, each at most "
                  f"{size_in_words(MAX_DOCUMENT_BYTES)}: {KINDS_IN_WORDS}.")


class ReplyForm(FlaskForm):
    """The organisation's reply through the link in the request e-mail."""

    from_name = StringField("Your name", validators=[DataRequired("Write your name."),
                                                     Length(max=NAME_LENGTH)])
    from_email = StringField("Your e-mail address (optional)",
                             validators=[Optional(), Email("Write an e-mail address, or "
                                                           "leave it empty."),
                                         Length(max=254)])
    message = TextAreaField("Your reply", validators=[Optional(),
                                                      Length(max=MESSAGE_LENGTH)])
    documents = MultipleFileField("Documents", description=DOCUMENTS_HINT)

    def uploads(self) -> list[tuple[str, bytes]]:
        return uploads_of(self.documents)


class AttachReplyForm(ActionForm):
    """A reply that came by post or e-mail, attached by the reviewer."""

    from_name = StringField("From (name)", validators=[DataRequired("Write who replied."),
                                                       Length(max=NAME_LENGTH)])
    channel = RadioField("How it came", choices=list(ReplyChannel.ATTACHED.items()),
                         default=ReplyChannel.EMAIL, validators=[DataRequired()])
    received_on = DateField("Received on", validators=[DataRequired(
        "Give the date it arrived.")])
    message = TextAreaField("What it says", validators=[Optional(),
                                                        Length(max=MESSAGE_LENGTH)])
    documents = MultipleFileField("Documents", description=DOCUMENTS_HINT)

    def uploads(self) -> list[tuple[str, bytes]]:
        return uploads_of(self.documents)


def uploads_of(field) -> list[tuple[str, bytes]]:
    """The files chosen (a browser sends an empty part when none is)."""
    return [read_upload(storage) for storage in field.data or []
            if getattr(storage, "filename", "")]


class AssignForm(ActionForm):
    reviewer = SelectField("Reviewer", coerce=int, validators=[DataRequired()])
    ids = HiddenField()


def findings_from(form: MultiDict, requirement_ids: list[str]) -> list[FindingInput]:
    """One finding per requirement the reviewer answered: agree, or a level with a comment."""
    findings = []
    for requirement_id in requirement_ids:
        verdict = form.get(f"agree-{requirement_id}")
        if verdict not in {"agree", "differ"}:
            continue
        raw_level = form.get(f"level-{requirement_id}", "")
        found = int(raw_level) if verdict == "differ" and fits_an_id(raw_level) else None
        findings.append(FindingInput(  # a missing level is refused by the service, in words
            requirement_id=requirement_id, agreed=verdict == "agree", level=found,
            comment=form.get(f"comment-{requirement_id}", "") if verdict == "differ" else ""))
    return findings


def plan_decisions_from(form: MultiDict, count: int) -> dict[int, bool]:
    decisions = {}
    for index in range(count):
        value = form.get(f"plan-{index}")
        if value in {"accept", "reject"}:
            decisions[index] = value == "accept"
    return decisions


@dataclass
class EnteredFindings:
    """The findings form as the reviewer filled it in, shown again with why it was refused."""

    version: int | None
    message: str
    about: str | None = None  # the requirement the message is about, if one
    answers: dict[str, tuple[str | None, str, str]] = field(default_factory=dict)
    plan: dict[int, str | None] = field(default_factory=dict)


def entered_findings(form: MultiDict, requirement_ids: list[str], plan_count: int,
                     error: ServiceError, version: int | None) -> EnteredFindings:
    """Each requirement's verdict, level and comment, and each plan decision, as submitted."""
    return EnteredFindings(
        version=version, message=error.message, about=error.field,
        answers={rid: (form.get(f"agree-{rid}"), form.get(f"level-{rid}", ""),
                       form.get(f"comment-{rid}", "")) for rid in requirement_ids},
        plan={index: form.get(f"plan-{index}") for index in range(plan_count)})
