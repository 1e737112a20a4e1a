"""The ``backoffice`` console command: the back office's own commands, with Flask's loading
underneath but not its generic options and commands in the help."""

from __future__ import annotations

from importlib import metadata

import click
from flask.cli import FlaskGroup, with_appcontext

from backoffice import create_app

DISTRIBUTION = "igt-review-backoffice"
# Flask's and its extensions' own commands: they still run, but the help lists only ours.
HIDDEN_COMMANDS = frozenset({"run", "shell", "routes", "limiter"})
FLASK_OPTIONS = frozenset({"env_file", "app", "debug"})
SHORT_HELP_WIDTH = 90


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _create_app(*_args, **_kwargs):
    return create_app()


class BackOfficeGroup(FlaskGroup):
    """FlaskGroup that loads our application, shows our version and lists our commands."""

    def __init__(self, **kwargs):
        super().__init__(add_version_option=False, **kwargs)
        self.params = [p for p in self.params if p.name not in FLASK_OPTIONS]
        click.version_option(version(), "--version", package_name=DISTRIBUTION,
                             message="%(prog)s (IG Toolkit review back office) %(version)s"
                             )(self)

    def list_commands(self, ctx) -> list[str]:
        return [name for name in super().list_commands(ctx) if name not in HIDDEN_COMMANDS]

    def format_commands(self, ctx, formatter) -> None:
        """Each command with its whole first line of help (click cuts it at 45 characters)."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=SHORT_HELP_WIDTH)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=BackOfficeGroup, create_app=_create_app, add_default_commands=True,
             load_dotenv=False, set_debug_flag=False, epilog=f"Version {version()}.",
             context_settings={"max_content_width": 110})
def main() -> None:
    """IG Toolkit review back office: desk reviews of published IG Toolkit assessments.

    Settings come from BACKOFFICE_* environment variables; with none set, everything runs on
    the embedded default under ./instance (try: backoffice demo).
    """


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
