"""backoffice demo: migrate, load demo data, start the web app and a worker, print the logins."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import make_server

from backoffice.core import logs
from backoffice.core.redis import redis_url
from backoffice.demo.data import load_demo_data
from backoffice.extensions import db

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
WORKER_STOP_SECONDS = 5  # a job under way may finish; then the worker is killed (jobs are
# idempotent and the sweeper re-enqueues what was cut short)
WORKER_LOG_LEVEL = "WARNING"  # the demo's log shows failures, not every job
SETTLE_SECONDS = 30  # at most this long for the worker's first jobs before the logins show
POLL_SECONDS = 0.5
log = logging.getLogger(__name__)
HELP = """Run the back office on its embedded default, with demo data.

\b
Data lives in the instance folder: ./instance under the folder you start in
(or BACKOFFICE_INSTANCE_PATH): the SQLite file backoffice.sqlite3 and the
embedded Redis redis.db. Each start loads what is missing and prints new
passwords. To start afresh, stop the demo and delete that folder.

\b
Ctrl+C (or SIGTERM) stops the web server, the worker and the embedded Redis.
"""


def _print_logins(logins, url: str, instance_path: str) -> None:
    width = max(len(login.email) for login in logins)
    lines = ["", f"IGT Review Back Office is running at {url}",
             f"Log in at {url}/login with any of these accounts:",
             *(f"  {login.email:<{width}}  {login.password}  ({login.role})"
               for login in logins),
             f"Passwords are new each time the demo starts. Data: {instance_path}",
             "Two-factor log-in is optional in the demo (each user can set it up from the "
             "staff home page); in production admins and senior reviewers must use it "
             "(BACKOFFICE_TWO_FACTOR_ROLES).",
             "Press Ctrl+C to stop.", ""]
    click.echo("\n".join(lines))


def _start_worker(app) -> subprocess.Popen:
    environment = dict(os.environ, BACKOFFICE_REDIS_URL=redis_url(app.extensions["settings"]))
    environment.setdefault("BACKOFFICE_INSTANCE_PATH", app.instance_path)
    # Its own process group: the demo stops it, once, whoever pressed Ctrl+C.
    return subprocess.Popen([sys.executable, "-m", "backoffice", "worker", "--log-level",
                             WORKER_LOG_LEVEL], env=environment, start_new_session=True)


def _stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("the worker did not stop within %s s; killing it", WORKER_STOP_SECONDS)
        os.killpg(worker.pid, signal.SIGKILL)  # its work-horse and scheduler too
        worker.wait()
    log.info("worker stopped")


def _wait_for_first_jobs(app, worker: subprocess.Popen) -> None:
    """Let the worker take up the jobs the demo data queued (their log lines come first), so
    the logins are the last thing on the screen."""
    from rq.registry import StartedJobRegistry

    from backoffice.core.jobs import queue

    waiting = queue(app)
    started = StartedJobRegistry(queue=waiting)
    deadline = time.monotonic() + SETTLE_SECONDS
    time.sleep(POLL_SECONDS)
    while time.monotonic() < deadline and worker.poll() is None:
        if waiting.count == 0 and started.count == 0:
            return
        time.sleep(POLL_SECONDS)


def _stop_serving(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _migrate_quietly() -> None:
    """Migrations print a line each; the demo's log starts with the logins instead."""
    logging.disable(logging.INFO)
    try:
        upgrade()
    finally:
        logging.disable(logging.NOTSET)
        logs.configure(logging.INFO, force=True)  # Alembic's fileConfig replaced ours


@click.command(help=HELP, short_help="Run the back office on its embedded default, with demo "
                                     "data.")
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    app = current_app._get_current_object()
    _migrate_quietly()
    settings = app.extensions["settings"]
    logins = load_demo_data(db.session, sla_days=settings.review_sla_days,
                            mail_from=settings.mail_from)
    db.session.commit()
    url = f"http://{host}:{port}"
    _print_logins(logins, url, app.instance_path)  # at the top of the log
    if no_serve:
        return
    server = make_server(host, port, app, threaded=True)
    for stop in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: ignored when started with &
        signal.signal(stop, _stop_serving)
    worker = _start_worker(app)
    try:
        _wait_for_first_jobs(app, worker)
        _print_logins(logins, url, app.instance_path)  # and last, once everything runs
        server.serve_forever()  # returns on Ctrl+C or SIGTERM
    except KeyboardInterrupt:
        pass  # stopped before serving
    finally:
        click.echo("Stopping the web server, the worker and the embedded Redis…")
        server.server_close()
        _stop_worker(worker)
    # the embedded Redis stops when this process exits (backoffice.core.redis, atexit)
