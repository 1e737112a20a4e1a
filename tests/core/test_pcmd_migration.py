"""Migration 2edfe25cff57: PCMD is data, not a group. What the old "PCMD" group had (reasons,
members, its address, its letters) becomes DAAG's; nothing is lost, and the downgrade puts
it back from the audit trail."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backoffice import create_app
from backoffice.extensions import db

REVISION = "2edfe25cff57"
NOW = datetime(2016, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def old_database(settings_overrides, project_root):
    """An app on a database of its own, upgraded to the revision before this one."""
    from alembic.script import ScriptDirectory

    base = os.environ.get("BACKOFFICE_TEST_DATABASE_URL")
    if not base:
        pytest.skip("needs PostgreSQL (BACKOFFICE_TEST_DATABASE_URL)")
    url = make_url(base)
    name = f"bo_migration_{uuid.uuid4().hex[:12]}"
    maintenance = create_engine(url, isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    app = create_app({**settings_overrides, "database_url": url.set(database=name)
                      .render_as_string(hide_password=False)})
    scripts = ScriptDirectory(str(project_root / "backoffice" / "migrations"))
    before = scripts.get_revision(REVISION).down_revision
    try:
        with app.app_context():
            upgrade(revision=before)
            yield app, before
            db.session.remove()
            db.engine.dispose()
    finally:
        with maintenance.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        maintenance.dispose()


def _run(sql: str, **values):
    with db.engine.begin() as connection:
        return connection.execute(text(sql), values)


def _rows(sql: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def _old_data() -> None:
    """Three cases as the old version left them: a PCMD one closed, a DARS+PCMD one closed
    (two current letters to two groups), a PCMD one still sending its letter."""
    _run("INSERT INTO organisations (id, ods_code, name, org_type, address, postcode, "
         "created_at, updated_at) VALUES (1, 'E0601', 'Borough Council', 'Local Authority', "
         "'', '', :now, :now)", now=NOW)
    for case_id, status in ((1, "closed"), (2, "closed"), (3, "sending_letters")):
        _run("INSERT INTO cases (id, reference, organisation_id, status, opened_at, due_date, "
             "republished, created_at, updated_at, outcome) VALUES (:id, :ref, 1, :status, "
             ":now, :due, false, :now, :now, 'satisfactory')", id=case_id,
             ref=f"R-2016-00000{case_id}", status=status, now=NOW, due=date(2016, 4, 15))
    for reason_id, case_id, kind, group in ((1, 1, "PCMD", "PCMD"), (2, 2, "DARS", "DAAG"),
                                            (3, 2, "PCMD", "PCMD"), (4, 3, "PCMD", "PCMD")):
        _run("INSERT INTO case_reasons (id, case_id, application_type, reference, "
             "approval_group) VALUES (:id, :case, :kind, :ref, :group)", id=reason_id,
             case=case_id, kind=kind, ref=f"{kind}-{reason_id}", group=group)
    for user_id, group in ((1, "PCMD"), (2, "DAAG"), (3, "CAG")):
        _run("INSERT INTO users (id, email, name, role, password_hash, active, created_at, "
             "updated_at, approval_group) VALUES (:id, :email, 'Member', 'approval_group', "
             "'x', true, :now, :now, :group)", id=user_id, email=f"{group.lower()}@groups.test",
             now=NOW, group=group)
    _run("INSERT INTO group_addresses (id, \"group\", email, updated_at) VALUES "
         "(1, 'PCMD', 'pcmd@groups.test', :now)", now=NOW)
    for template_id, recipient in ((1, "PCMD"), (2, "DAAG")):
        _run("INSERT INTO letter_templates (id, recipient, version, filename, content, sha256, "
             "size, builtin, note, created_at) VALUES (:id, :r, 1, :f, :c, 'x', 1, true, '', "
             ":now)", id=template_id, r=recipient, f=f"{recipient}.docx", c=b"PK", now=NOW)
    # (letter id, case, recipient, version, template, sent)
    for letter in ((1, 1, "PCMD", 1, 1, True), (2, 2, "DAAG", 1, 2, True),
                   (3, 2, "PCMD", 1, 1, True), (4, 3, "PCMD", 1, 1, False)):
        letter_id, case_id, recipient, version, template_id, sent = letter
        _run("INSERT INTO letters (id, case_id, recipient, version, filename, content, sha256, "
             "size, template_version_id, data, outcome, created_at, to_address, "
             "delivery_status, attempts, message_id, sent_at) VALUES (:id, :case, :r, :v, :f, "
             ":c, 'x', 1, :t, '{}', 'satisfactory', :now, '', :status, 0, :m, :sent)",
             id=letter_id, case=case_id, r=recipient, v=version, f=f"letter-{letter_id}.docx",
             c=b"PK", t=template_id, now=NOW, status="sent" if sent else "failed",
             m=f"<m{letter_id}@test>", sent=NOW if sent else None)


def _letters() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in _rows(
        "SELECT id, recipient, version, superseded_at IS NULL FROM letters ORDER BY id")}


def test_pcmd_becomes_daag_with_nothing_lost_and_the_downgrade_puts_it_back(old_database,
                                                                           capfd):
    _app, before = old_database
    _old_data()
    letters_before = _letters()

    upgrade(revision=REVISION)

    assert _rows("SELECT id, application_type, approval_group FROM case_reasons ORDER BY id") \
        == [(1, "PCMD", "DAAG"), (2, "DARS", "DAAG"), (3, "PCMD", "DAAG"), (4, "PCMD", "DAAG")]
    assert _rows("SELECT id, approval_group FROM users ORDER BY id") == [
        (1, "DAAG"), (2, "DAAG"), (3, "CAG")]
    assert _rows('SELECT "group", email FROM group_addresses') == [("DAAG", "pcmd@groups.test")]
    # Every letter is DAAG's now, numbered after the case's DAAG letters; the closed case
    # with two keeps the newer current, the case still sending keeps its letter to send.
    assert _letters() == {1: ("DAAG", 1, True), 2: ("DAAG", 1, False), 3: ("DAAG", 2, True),
                          4: ("DAAG", 1, True)}
    # PCMD's template is kept (its letters point to it), and is no longer anyone's to use
    assert _rows("SELECT recipient FROM letter_templates ORDER BY id") == [("PCMD",), ("DAAG",)]
    trail = _rows("SELECT entity_type, entity_id, action FROM audit_events "
                  f"WHERE actor = 'migration {REVISION}' ORDER BY id")
    assert ("users", "1", "migrate") in trail and ("group_addresses", "PCMD", "migrate") in trail
    assert {row[1] for row in trail if row[0] == "letters"} == {"1", "2", "3", "4"}
    # the widened column takes the contract v1.1 types
    _run("INSERT INTO case_reasons (id, case_id, application_type, reference, approval_group) "
         "VALUES (5, 1, 'CHOOSE_AND_BOOK', 'IGSOC-1', 'IGSoC')")

    with pytest.raises(SystemExit):  # `backoffice db downgrade` says why and stops
        downgrade(revision=before)
    assert "this revision is one-way while they exist" in capfd.readouterr().err
    _run("DELETE FROM case_reasons WHERE application_type = 'CHOOSE_AND_BOOK'")
    downgrade(revision=before)

    assert _rows("SELECT approval_group FROM case_reasons ORDER BY id") == [
        ("PCMD",), ("DAAG",), ("PCMD",), ("PCMD",)]
    assert _rows("SELECT id, approval_group FROM users ORDER BY id") == [
        (1, "PCMD"), (2, "DAAG"), (3, "CAG")]
    assert _rows('SELECT "group", email FROM group_addresses') == [("PCMD", "pcmd@groups.test")]
    assert _letters() == letters_before


def test_a_pcmd_address_is_dropped_only_where_daag_has_one_and_kept_in_the_trail(old_database):
    _app, before = old_database
    for group in ("PCMD", "DAAG"):
        _run('INSERT INTO group_addresses ("group", email, updated_at) VALUES (:g, :e, :now)',
             g=group, e=f"{group.lower()}@groups.test", now=NOW)

    upgrade(revision=REVISION)
    assert _rows('SELECT "group", email FROM group_addresses') == [("DAAG", "daag@groups.test")]
    [(summary,)] = _rows("SELECT summary FROM audit_events WHERE entity_type = "
                         "'group_addresses'")
    assert "pcmd@groups.test" in summary

    downgrade(revision=before)
    assert sorted(_rows('SELECT "group", email FROM group_addresses')) == [
        ("DAAG", "daag@groups.test"), ("PCMD", "pcmd@groups.test")]
