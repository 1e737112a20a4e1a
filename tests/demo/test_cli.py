"""What ``backoffice --help`` and ``backoffice demo`` show and do, as an operator meets them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from backoffice.cli import main, version
from tests.mailbox import free_port

DEMO_START_SECONDS = 240  # loading the demo data on a busy machine
DEMO_STOP_SECONDS = 60


def _help(args, tmp_path) -> str:
    result = CliRunner().invoke(main, args, env={"BACKOFFICE_INSTANCE_PATH": str(tmp_path)})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_help_lists_the_products_commands_and_version_without_flasks(tmp_path):
    text = _help(["--help"], tmp_path)
    for command in ("demo", "worker", "users", "tokens", "organisations", "notifications",
                    "sweep", "reports", "db"):
        assert f"\n  {command} " in text, command
    assert "Run the back office on its embedded default, with demo data." in text  # whole
    assert f"Version {version()}." in text
    for noise in ("--env-file", "--app", "FLASK", "Show the Flask version", "\n  run ",
                  "\n  shell ", "\n  routes ", "limiter"):
        assert noise not in text, noise
    assert version() in _help(["--version"], tmp_path)


def test_the_demo_help_says_where_the_data_lives_and_how_to_start_afresh(tmp_path):
    text = _help(["demo", "--help"], tmp_path)
    assert "backoffice.sqlite3" in text and "BACKOFFICE_INSTANCE_PATH" in text
    assert "delete that folder" in text
    assert "Ctrl+C" in text


def _wait_for_logins(process, log: Path) -> str:
    deadline = time.monotonic() + DEMO_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        text = log.read_text()
        if text.count("Press Ctrl+C to stop.") == 2:
            return text
        time.sleep(1)
    pytest.fail(f"the demo did not start:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_the_demo_prints_the_logins_first_and_last_and_sigterm_stops_everything(tmp_path):
    log = tmp_path / "demo.log"
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("BACKOFFICE_")}
    environment["BACKOFFICE_INSTANCE_PATH"] = str(tmp_path / "instance")
    with log.open("w") as output:
        demo = subprocess.Popen([sys.executable, "-m", "backoffice", "demo", "--port",
                                 str(free_port())],
                                env=environment, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        text = _wait_for_logins(demo, log)
        workers = psutil.Process(demo.pid).children(recursive=True)
        settings = json.loads((tmp_path / "instance" / "redis.db.settings").read_text())
        redis_pid = int(Path(settings["pidfile"]).read_text())
        assert text.lstrip().startswith("IGT Review Back Office is running at")
        # printed again, whole, once the first jobs are done (a retry the worker makes later
        # may log after it: that is a later event)
        last = text[text.rindex("IGT Review Back Office is running at"):
                    text.rindex("Press Ctrl+C to stop.")]
        assert text.index("IGT Review Back Office is running at") < text.rindex(
            "IGT Review Back Office is running at")
        assert "admin@demo.example.org" in last and "WARNING" not in last
        assert "alembic" not in text and "Listening on" not in text  # no chatter
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=DEMO_STOP_SECONDS) == 0
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert workers and not any(worker.is_running() for worker in workers)
    assert not psutil.pid_exists(redis_pid)
