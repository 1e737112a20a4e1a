"""The ``backoffice`` console command: Flask's CLI plus the back office's own commands."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext

from backoffice import create_app


def _create_app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             load_dotenv=False)
def main() -> None:
    """IG Toolkit review back office."""


# Here, not in a feature: it runs the sweepers of two features (notifications, letters and mail).
@click.command()
@click.option("--grace", default=0, show_default=True,
              help="Leave alone what arrived less than this many seconds ago.")
@with_appcontext
def sweep(grace: int) -> None:
    """Process every notification stored but not processed; make and send letters and mail due."""
    from backoffice.extensions import db
    from backoffice.letters.jobs import sweep as sweep_letters
    from backoffice.notifications import handling

    swept = handling.sweep(db.session, grace_seconds=grace)
    click.echo(f"Swept {swept} notification(s).")
    done = sweep_letters()
    click.echo(f"Letters: {done['generated']} generated, {done['delivered']} messages sent, "
               f"{done['closed']} case(s) closed.")


def register_commands(app) -> None:
    """The back office's own commands, beside Flask's and Flask-Migrate's."""
    from backoffice.api.cli import tokens
    from backoffice.compliance.cli import reports
    from backoffice.demo.cli import demo
    from backoffice.notifications.cli import notifications
    from backoffice.organisations.cli import organisations
    from backoffice.publication.cli import publication_status
    from backoffice.users.cli import users, worker

    reports.add_command(publication_status)
    for command in (demo, worker, users, tokens, organisations, notifications, sweep,
                    reports):
        app.cli.add_command(command)
