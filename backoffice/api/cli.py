"""backoffice tokens create / list / revoke: per-user tokens for the read API."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from backoffice.api import services
from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.transactions import commit_in_command
from backoffice.extensions import db
from backoffice.users.services import find_user


@click.group()
def tokens() -> None:
    """Issue, list and revoke read-API tokens."""


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "never"


@tokens.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@with_appcontext
def create(email: str) -> None:
    """Issue a token for a user; it is printed once, on the last line, and never again."""
    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    token, plain = commit_in_command(
        lambda: services.issue_token(db.session, actor=SYSTEM_ACTOR, user=user))
    click.echo(f"Token {token.prefix}… for {user.email} ({user.role_label}); "
               "keep it secret, it is not shown again:")
    click.echo(plain)


@tokens.command("list")
@with_appcontext
def list_() -> None:
    """Every token: its prefix, user, creation, last use and revocation."""
    rows = services.list_tokens(db.session)
    if not rows:
        click.echo("No tokens.")
    for token in rows:
        state = f"revoked {_when(token.revoked_at)}" if token.revoked_at else "active"
        click.echo(f"{token.prefix}  {token.user.email}  created {_when(token.created_at)}  "
                   f"last used {_when(token.last_used_at)}  {state}")


@tokens.command("revoke")
@click.option("--prefix", required=True, help="The token's prefix, as `tokens list` shows it.")
@with_appcontext
def revoke(prefix: str) -> None:
    """Revoke a token: requests with it are refused from now on."""
    def revoke_it():
        token = services.token_by_prefix(db.session, prefix)
        services.revoke_token(db.session, actor=SYSTEM_ACTOR, token=token)
        return token

    token = commit_in_command(revoke_it)
    click.echo(f"Revoked {token.prefix}… of {token.user.email}.")
