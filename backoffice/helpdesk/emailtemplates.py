"""The wording of the helpdesk's e-mails to Organisation Administrators: defaults here, edits in
the ``email_templates`` table. Placeholders are written ``{name}`` and checked on save."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.core.audit import Actor, set_actor
from backoffice.core.errors import InvalidInput, NotFound
from backoffice.helpdesk.models import EmailTemplate

USER_NAME = "administrator_user_name"
SET_PASSWORD = "administrator_set_password"
SELF_REGISTRATION = "administrator_self_registration"
MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 10_000
COMMON = ("name", "organisation", "ods_code", "helpdesk_phone", "helpdesk_hours")


@dataclass(frozen=True)
class Default:
    title: str
    subject: str
    body: str
    allowed: tuple[str, ...]
    required: tuple[str, ...] = ()


DEFAULTS: dict[str, Default] = {
    USER_NAME: Default(
        "Log-in details 1 of 2: the user name",
        "IG Toolkit review: your user name",
        "Dear {name},\n\n"
        "The IG Toolkit Helpdesk has registered you as the Organisation Administrator of "
        "{organisation} (ODS code {ods_code}).\n\n"
        "Your user name is: {user_name}\n\n"
        "A second e-mail brings a link to set your password. Once it is set, log in at "
        "{log_in_url}\n\n"
        "If there are difficulties logging in, call the National Helpdesk on {helpdesk_phone} "
        "({helpdesk_hours}).\n\nIG Toolkit Helpdesk\n",
        (*COMMON, "user_name", "log_in_url"), ("user_name",)),
    SET_PASSWORD: Default(
        "Log-in details 2 of 2: the set-password link",
        "IG Toolkit review: set your password",
        "Dear {name},\n\n"
        "To finish your registration as the Organisation Administrator of {organisation}, "
        "set your password here:\n\n{set_password_link}\n\n"
        "The link works once and until {link_expires}. Your user name came in a separate "
        "e-mail.\n\n"
        "If the link has expired, call the National Helpdesk on {helpdesk_phone} "
        "({helpdesk_hours}) or use the Contact us page, and we will send a new one.\n\n"
        "IG Toolkit Helpdesk\n",
        (*COMMON, "set_password_link", "link_expires"), ("set_password_link",)),
    SELF_REGISTRATION: Default(
        "Self-registration instructions",
        "IG Toolkit: how to register yourself as Organisation Administrator",
        "Dear {name},\n\n"
        "{organisation} (ODS code {ods_code}) is now registered on the IG Toolkit. To register "
        "yourself as its Organisation Administrator, follow the steps in the 'How to Register "
        "on the IG Toolkit' help guide, choose {organisation} when the registration search "
        "finds it, and use this e-mail address ({email}).\n\n"
        "If the search does not find your organisation, call the National Helpdesk on "
        "{helpdesk_phone} ({helpdesk_hours}) or use the Contact us page.\n\n"
        "IG Toolkit Helpdesk\n",
        (*COMMON, "email")),
}


@dataclass(frozen=True)
class Wording:
    key: str
    title: str
    subject: str
    body: str
    edited: bool


def _default(key: str) -> Default:
    try:
        return DEFAULTS[key]
    except KeyError:
        raise NotFound(f"there is no e-mail template {key!r}") from None


def wording(session: Session, key: str) -> Wording:
    """The template as it stands: the edited text, or the default."""
    default = _default(key)
    row = session.scalar(select(EmailTemplate).where(EmailTemplate.key == key))
    if row is None:
        return Wording(key, default.title, default.subject, default.body, edited=False)
    return Wording(key, default.title, row.subject, row.body, edited=True)


def every_wording(session: Session) -> list[Wording]:
    return [wording(session, key) for key in DEFAULTS]


def placeholders(text: str, field: str) -> set[str]:
    """The ``{name}`` placeholders in a text; a lone brace is refused (write {{ or }})."""
    try:
        names = {name for _literal, name, _spec, _conv in Formatter().parse(text)
                 if name is not None}
    except ValueError as error:
        raise InvalidInput(f"a brace is unmatched ({error}); write {{{{ or }}}} for a brace "
                           "itself", field=field) from error
    for name in names:
        if not name.isidentifier():
            raise InvalidInput(f"{{{name}}} is not a placeholder; placeholders are names in "
                               "braces, e.g. {name}", field=field)
    return names


def check(key: str, subject: str, body: str) -> tuple[str, str]:
    """The texts, trimmed, if every placeholder is known and the required ones are there."""
    default = _default(key)
    subject, body = " ".join((subject or "").split()), (body or "").strip() + "\n"
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidInput(f"write a subject of up to {MAX_SUBJECT_LENGTH} characters",
                           field="subject")
    if not body.strip() or len(body) > MAX_BODY_LENGTH:
        raise InvalidInput(f"write the e-mail (up to {MAX_BODY_LENGTH:,} characters)",
                           field="body")
    known = ", ".join(f"{{{name}}}" for name in default.allowed)
    for field, text in (("subject", subject), ("body", body)):
        unknown = sorted(placeholders(text, field) - set(default.allowed))
        if unknown:
            raise InvalidInput(f"unknown placeholder {{{unknown[0]}}}; this e-mail knows "
                               f"{known}", field=field)
    missing = [name for name in default.required if name not in placeholders(body, "body")]
    if missing:
        raise InvalidInput(f"the e-mail must contain {{{missing[0]}}}", field="body")
    return subject, body


def save(session: Session, *, actor: Actor, key: str, subject: str, body: str) -> Wording:
    """Save an edited template once its placeholders check; audited."""
    subject, body = check(key, subject, body)
    set_actor(session, actor)
    row = session.scalar(select(EmailTemplate).where(EmailTemplate.key == key))
    if row is None:
        row = EmailTemplate(key=key, subject=subject, body=body)
        session.add(row)
    else:
        row.subject, row.body = subject, body
    session.flush()
    return wording(session, key)


def reset(session: Session, *, actor: Actor, key: str) -> Wording:
    """Back to the default wording; audited (the edited text stays in the trail)."""
    _default(key)
    set_actor(session, actor)
    row = session.scalar(select(EmailTemplate).where(EmailTemplate.key == key))
    if row is not None:
        session.delete(row)
        session.flush()
    return wording(session, key)


class _Keep(dict):
    """Placeholders filled later (the link, at sending) stay as they are."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def fill(text: str, values: dict[str, str]) -> str:
    return text.format_map(_Keep(values))
