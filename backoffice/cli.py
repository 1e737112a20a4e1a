"""The ``backoffice`` console command: Flask's CLI plus the back office's own commands."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from backoffice import create_app


def _create_app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             load_dotenv=False)
def main() -> None:
    """IG Toolkit review back office."""


def register_commands(app) -> None:
    """The back office's own commands, beside Flask's and Flask-Migrate's."""
    from backoffice.api.cli import tokens
    from backoffice.compliance.cli import reports
    from backoffice.demo.cli import demo
    from backoffice.notifications.cli import notifications, sweep
    from backoffice.organisations.cli import organisations
    from backoffice.users.cli import users, worker

    for command in (demo, worker, users, tokens, organisations, notifications, sweep,
                    reports):
        app.cli.add_command(command)
