"""Two workers processing what the webhook stored at the same time: each once, one case each."""

from __future__ import annotations

import logging
import os
import threading

import pytest
from sqlalchemy import func, select

from backoffice.cases.models import Assessment, Case
from backoffice.extensions import db
from backoffice.notifications import handling, writing
from backoffice.notifications.models import Notification
from tests.factories import OrganisationFactory
from tests.payloads import body, post

ORGANISATIONS = 10
PER_ORGANISATION = 12
WORKERS = 2

pytestmark = pytest.mark.skipif(not os.environ.get("BACKOFFICE_TEST_DATABASE_URL"),
                                reason="concurrent workers are a PostgreSQL drill")


def _store_interleaved(client, codes: list[str]) -> None:
    """Each organisation's publications spread over every batch, so the workers meet."""
    for round_number in range(PER_ORGANISATION):
        for code in codes:
            payload = body(notification_id=f"IGT-{code}-{round_number}")
            payload["organisation"]["ods_code"] = code
            assert post(client, payload).status_code == 202


def _run_workers(app) -> list[int]:
    done: list[int] = []
    start = threading.Barrier(WORKERS, timeout=30)

    def work() -> None:
        with app.app_context():
            start.wait()
            done.append(handling.process_pending(db.session, batch_size=10))
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return done


def test_two_workers_at_once_process_each_notification_once_into_one_case_each(
        app, client, session):
    codes = [f"8HW{n:02d}" for n in range(ORGANISATIONS)]
    for code in codes:
        OrganisationFactory(ods_code=code)
    session.commit()
    _store_interleaved(client, codes)

    done = _run_workers(app)

    stored = ORGANISATIONS * PER_ORGANISATION
    assert len(done) == WORKERS and sum(done) == stored
    session.rollback()
    statuses = dict(session.execute(select(Notification.status, func.count(Notification.id))
                                    .group_by(Notification.status)).all())
    assert statuses == {"processed": stored}
    assert session.scalar(select(func.count(Case.id))) == ORGANISATIONS
    assert session.scalar(select(func.count(Assessment.id))) == stored
    per_case = session.execute(select(Notification.case_id, func.count(Notification.id))
                               .group_by(Notification.case_id)).all()
    assert sorted(count for _, count in per_case) == [PER_ORGANISATION] * ORGANISATIONS
    assert all(case.republished for case in session.scalars(select(Case)))


def test_a_notification_processed_alone_waits_for_a_batch_opening_its_organisations_case(
        app, client, session, monkeypatch, caplog):
    """The batch writes its new case first and takes the case-number counter last; a
    notification processed on its own (sweeper, helpdesk link) must wait for that batch,
    not take the counter and then wait for the batch's case: that was a deadlock."""
    OrganisationFactory(ods_code="8DL01")
    session.commit()
    first = body(notification_id="IGT-8DL01-1")
    first["organisation"]["ods_code"] = "8DL01"
    assert post(client, first).status_code == 202
    cases_written, release = threading.Event(), threading.Event()
    finish = writing.finish

    def finish_when_released(*args, **kwargs):
        cases_written.set()
        release.wait(timeout=10)
        return finish(*args, **kwargs)

    monkeypatch.setattr(writing, "finish", finish_when_released)
    outcomes: dict[str, object] = {}

    def in_thread(name, work):
        def run():
            with app.app_context():
                try:
                    outcomes[name] = work()
                except Exception as error:  # the assertion below shows it
                    outcomes[name] = error
                finally:
                    db.session.remove()
        return threading.Thread(target=run)

    batch_worker = in_thread("batch", lambda: handling.process_pending(db.session))
    batch_worker.start()
    assert cases_written.wait(timeout=10)
    second = body(notification_id="IGT-8DL01-2")
    second["organisation"]["ods_code"] = "8DL01"
    assert post(client, second).status_code == 202
    second_pk = session.scalar(select(Notification.id).where(
        Notification.notification_id == "IGT-8DL01-2"))
    session.rollback()
    alone = in_thread("alone", lambda: handling.process_one(db.session, second_pk))
    alone.start()
    alone.join(timeout=1.5)  # longer than PostgreSQL's deadlock_timeout (1 s)
    release.set()
    batch_worker.join(timeout=30)
    alone.join(timeout=30)

    assert outcomes == {"batch": 1, "alone": True}
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert session.scalar(select(func.count(Case.id))) == 1
    assert set(session.scalars(select(Notification.status))) == {"processed"}
