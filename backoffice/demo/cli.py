"""backoffice demo: migrate, load demo data, start the web app and a worker, print the logins."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from backoffice.core.redis import redis_url
from backoffice.demo.data import load_demo_data
from backoffice.extensions import db

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def _print_logins(logins, url: str) -> None:
    click.echo("")
    click.echo(f"IGT Review Back Office is running at {url}")
    click.echo(f"Log in at {url}/login with any of these accounts:")
    width = max(len(login.email) for login in logins)
    for login in logins:
        click.echo(f"  {login.email:<{width}}  {login.password}  ({login.role})")
    click.echo("Passwords are new each time the demo starts. Press Ctrl+C to stop.")
    click.echo("Two-factor log-in is optional in the demo (each user can set it up from the "
               "staff home page); in production admins and senior reviewers must use it "
               "(BACKOFFICE_TWO_FACTOR_ROLES).")


def _start_worker(app) -> subprocess.Popen:
    environment = dict(os.environ, BACKOFFICE_REDIS_URL=redis_url(app.extensions["settings"]))
    environment.setdefault("BACKOFFICE_INSTANCE_PATH", app.instance_path)
    return subprocess.Popen([sys.executable, "-m", "backoffice", "worker"], env=environment)


def _exit_cleanly(_signum, _frame) -> None:
    raise SystemExit(0)


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Run the back office on its embedded default, with demo data."""
    app = current_app._get_current_object()
    upgrade()
    settings = app.extensions["settings"]
    logins = load_demo_data(db.session, sla_days=settings.review_sla_days,
                            mail_from=settings.mail_from)
    db.session.commit()
    if no_serve:
        _print_logins(logins, f"http://{host}:{port}")
        return
    signal.signal(signal.SIGTERM, _exit_cleanly)
    worker = _start_worker(app)
    _print_logins(logins, f"http://{host}:{port}")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
