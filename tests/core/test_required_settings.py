"""Production (a configured database) refuses to start without its secrets, with one line
naming the missing one; the embedded default, with nothing configured, still starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.config import load_settings, require_production_settings

BIN = Path(sys.executable).parent
COMPLETE = {"BACKOFFICE_SECRET_KEY": "s3cret", "BACKOFFICE_WEBHOOK_SECRET": "hook",
            "BACKOFFICE_SMTP_URL": "smtp://127.0.0.1:2525"}
COMMANDS = {
    "gunicorn": [str(BIN / "gunicorn"), "--bind", "127.0.0.1:0", "--workers", "1",
                 "--timeout", "10", "wsgi:app"],
    "worker": [str(BIN / "backoffice"), "worker", "--burst"],
    "db upgrade": [str(BIN / "backoffice"), "db", "upgrade"],
}


def _run(command: list[str], env: dict[str, str], tmp_path: Path, project_root: Path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    environment = {**clean, "BACKOFFICE_DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3",
                   "BACKOFFICE_REDIS_URL": "redis://127.0.0.1:1/0",
                   "BACKOFFICE_INSTANCE_PATH": str(tmp_path / "instance"), **env}
    return subprocess.run(command, env=environment, cwd=project_root, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize(("command", "missing"), [
    ("gunicorn", "BACKOFFICE_SECRET_KEY"),
    ("worker", "BACKOFFICE_WEBHOOK_SECRET"),
    ("db upgrade", "BACKOFFICE_SMTP_URL"),
])
def test_production_stops_with_one_line_naming_the_missing_setting(
        command, missing, tmp_path, project_root):
    env = {name: value for name, value in COMPLETE.items() if name != missing}
    result = _run(COMMANDS[command], env, tmp_path, project_root)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if missing in line]
    assert len(lines) == 1, result.stdout + result.stderr
    assert "is not set" in lines[0]
    assert "Traceback" not in result.stderr


def test_production_never_generates_a_key_of_its_own(tmp_path):
    settings = load_settings(str(tmp_path), environ={
        "BACKOFFICE_DATABASE_URL": "postgresql+psycopg://db/backoffice"})
    assert settings.secret_key == ""
    assert not (tmp_path / "secret_key").exists()


def test_the_embedded_default_needs_nothing_configured(tmp_path):
    settings = load_settings(str(tmp_path), environ={})
    require_production_settings(settings)  # no refusal
    assert settings.secret_key and settings.webhook_secret and settings.smtp_url
