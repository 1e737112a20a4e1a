"""The edge commits once: services never commit, and the one helper turns a refusal into
what each edge says (a flash or form error, a job's failure record, a command's exit code)."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import click
import pytest
from sqlalchemy import select

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.errors import InvalidInput
from backoffice.core.transactions import (
    commit_in_command,
    commit_in_job,
    commit_once,
    commit_or_refusal,
)
from backoffice.users import services as users
from backoffice.users.models import User

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "backoffice"


def _service_modules() -> list[Path]:
    return sorted(path for path in PACKAGE_DIR.rglob("*.py")
                  if path.name == "services.py" or "services" in path.parent.name)


def _commits(path: Path) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"]


def test_no_service_commits():
    modules = _service_modules()
    assert modules, "the services were not found"
    found = {str(path.relative_to(PACKAGE_DIR)): _commits(path) for path in modules}
    assert {name: lines for name, lines in found.items() if lines} == {}


def _create(session, email: str):
    return lambda: users.create_user(session, actor=SYSTEM_ACTOR, email=email, role="reviewer")


def _stored(session, email: str) -> bool:
    return session.scalar(select(User).where(User.email == email)) is not None


def _refused_after_flushing(session):
    def work():
        _create(session, "flushed@example.org")()
        raise InvalidInput("refused after a flush", field="email")

    return work


def test_a_service_that_is_refused_leaves_nothing_behind(session):
    with pytest.raises(InvalidInput):
        commit_once(_refused_after_flushing(session), session=session)
    assert not _stored(session, "flushed@example.org")
    assert commit_once(_create(session, "kept@example.org"), session=session).id
    session.expire_all()
    assert _stored(session, "kept@example.org")


def test_a_view_shows_the_refusal_and_hands_it_back(app, session):
    with app.test_request_context("/"):
        from flask import get_flashed_messages

        refused = commit_or_refusal(_refused_after_flushing(session), "Saved.", session=session)
        assert isinstance(refused, InvalidInput)
        assert commit_or_refusal(_create(session, "done@example.org"),
                                 lambda user: f"{user.email} created.", session=session) is None
        assert get_flashed_messages(with_categories=True) == [
            ("error", "refused after a flush"), ("success", "done@example.org created.")]
    assert not _stored(session, "flushed@example.org")


def test_a_job_records_a_refusal_and_does_not_raise(session, caplog):
    with caplog.at_level(logging.WARNING, logger="backoffice.core.transactions"):
        assert commit_in_job(_refused_after_flushing(session), job="demo_job",
                             session=session) is None
    assert [(r.job, r.refusal) for r in caplog.records] == [
        ("demo_job", "refused after a flush")]
    assert not _stored(session, "flushed@example.org")


def test_a_command_says_the_refusal_and_exits_with_1(session):
    with pytest.raises(click.ClickException) as raised:
        commit_in_command(_refused_after_flushing(session), session=session)
    assert raised.value.message == "refused after a flush" and raised.value.exit_code == 1
    assert not _stored(session, "flushed@example.org")
