"""The one mail path: build a message and hand it to the SMTP server in BACKOFFICE_SMTP_URL.

URLs: ``smtp://host:port`` (plain), ``smtp+starttls://…`` (STARTTLS), ``smtps://…``
(TLS from the start), with optional ``user:password@``.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

SMTP_TIMEOUT_SECONDS = 30
DEFAULT_SMTP_PORT = 25
DEFAULT_SMTPS_PORT = 465


class MailError(Exception):
    """The message could not be handed over; the text says why."""


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass
class Mail:
    message_id: str
    to: list[str]
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # Reply-To, In-Reply-To, References


def build_message(mail: Mail, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = formatdate(localtime=False)
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.body)
    for item in mail.attachments:
        maintype, _, subtype = item.mimetype.partition("/")
        message.add_attachment(item.content, maintype=maintype, subtype=subtype,
                               filename=item.filename)
    return message


def _connect(url: str, timeout: float) -> smtplib.SMTP:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or DEFAULT_SMTPS_PORT,
                                                timeout=timeout)
    elif parts.scheme in ("smtp", "smtp+starttls"):
        client = smtplib.SMTP(host, parts.port or DEFAULT_SMTP_PORT, timeout=timeout)
        if parts.scheme == "smtp+starttls":
            client.starttls()
    else:
        raise MailError(f"BACKOFFICE_SMTP_URL must start smtp://, smtp+starttls:// or "
                        f"smtps://, not {parts.scheme}://")
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


def send(mail: Mail, *, smtp_url: str, mail_from: str,
         timeout: float = SMTP_TIMEOUT_SECONDS) -> list[str]:
    """Hand one message to the server; returns once it is accepted, with any refused address.

    Accepted for some recipients counts as handed over: sending again would give the
    others a second copy.
    """
    if not smtp_url:
        raise MailError("no SMTP server is set (BACKOFFICE_SMTP_URL)")
    if not mail.to:
        raise MailError("the message has no recipient address")
    message = build_message(mail, mail_from)
    try:
        client = _connect(smtp_url, timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"could not reach the SMTP server: {error}") from error
    try:
        refused = client.send_message(message, from_addr=mail_from, to_addrs=mail.to)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"the SMTP server did not accept the message: {error}") from error
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return sorted(refused)
