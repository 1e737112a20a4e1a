"""backoffice users create, and backoffice worker."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.permissions import Role
from backoffice.core.transactions import commit_in_command
from backoffice.core.vocabulary import ApprovalGroup
from backoffice.extensions import db
from backoffice.users import services


@click.group()
def users() -> None:
    """Manage staff and approval-group users."""


def _password_from_stdin() -> str | None:
    if sys.stdin is None or sys.stdin.isatty():
        return None
    return sys.stdin.readline().strip() or None


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--group", type=click.Choice([g.value for g in ApprovalGroup],
                                           case_sensitive=False))
@click.option("--name", default="")
@with_appcontext
def create(email: str, role: str, group: str | None, name: str) -> None:
    """Create a user; the password is read from stdin, or generated and printed."""
    password = _password_from_stdin()
    generated = password is None
    password = password or services.generate_password()
    user = commit_in_command(lambda: services.create_user(
        db.session, actor=SYSTEM_ACTOR, email=email, role=role, group=group, name=name,
        password=password))
    click.echo(f"Created {user.email} ({user.role_label}).")
    if generated:
        click.echo(f"Password: {password}")


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="WARNING logs only failures and errors, not each job.")
@with_appcontext
def worker(burst: bool, log_level: str) -> None:
    """Run a background worker (RQ, with its scheduler)."""
    from backoffice.config import require_production_settings
    from backoffice.core.worker import run_worker

    require_production_settings(current_app.extensions["settings"])
    run_worker(current_app._get_current_object(), burst=burst, log_level=log_level.upper())
