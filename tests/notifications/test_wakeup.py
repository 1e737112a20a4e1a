"""The webhook stores and answers; one debounced job processes what is pending."""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time

import pytest
from rq import Queue
from sqlalchemy import func, select

from backoffice.cases.models import Assessment, Case
from backoffice.core.jobs import QUEUE_NAME
from backoffice.extensions import db
from backoffice.notifications import handling, wakeup
from backoffice.notifications.models import Notification
from tests.factories import OrganisationFactory
from tests.payloads import body, post, process_pending

BURST = 12


@pytest.fixture
def rosewood(session):
    organisation = OrganisationFactory(ods_code="8HV48", name="Rosewood Care Home")
    session.commit()
    return organisation


def _wakeup_jobs(app) -> int:
    jobs = Queue(QUEUE_NAME, connection=wakeup.client(app)).get_jobs()
    return sum(job.func_name == wakeup.PROCESS_PENDING_JOB for job in jobs)


def _statuses(session) -> dict[str, int]:
    session.rollback()
    return dict(session.execute(select(Notification.status, func.count(Notification.id))
                                .group_by(Notification.status)).all())


def test_a_burst_enqueues_the_job_once_and_it_processes_every_one_once(app, client, session,
                                                                       rosewood):
    for number in range(BURST):
        assert post(client, body(notification_id=f"IGT-BURST-{number}")).status_code == 202
    assert _wakeup_jobs(app) == 1
    assert wakeup.client(app).exists(wakeup.PENDING_KEY)

    assert process_pending(app) == BURST
    assert not wakeup.client(app).exists(wakeup.PENDING_KEY)  # cleared before reading
    assert _statuses(session) == {"processed": BURST}
    assert session.scalar(select(func.count(Assessment.id))) == BURST
    assert session.scalar(select(func.count(Case.id))) == 1  # the republications joined it

    assert post(client, body(notification_id="IGT-AFTER")).status_code == 202
    assert _wakeup_jobs(app) == 2  # the key was cleared: the next notification wakes a job


def _wait_for(session, statuses: dict[str, int], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while _statuses(session) != statuses:
        assert time.monotonic() < deadline, _statuses(session)
        time.sleep(0.02)


def test_a_request_that_relied_on_a_running_job_is_read_by_its_last_pass(
        app, client, session, rosewood, monkeypatch):
    monkeypatch.setattr(wakeup, "RECENT_SECONDS", 1.5)
    assert post(client, body(notification_id="IGT-FIRST")).status_code == 202
    processed: list[int] = []
    job = threading.Thread(target=lambda: processed.append(process_pending(app)))
    job.start()
    _wait_for(session, {"processed": 1})  # the job cleared the key and read what was there

    assert post(client, body(notification_id="IGT-SECOND")).status_code == 202
    assert not wakeup.client(app).exists(wakeup.PENDING_KEY)  # it did not ask again
    assert _wakeup_jobs(app) == 1
    job.join()
    assert processed == [2]  # the job's last read found it
    assert _statuses(session) == {"processed": 2}


def test_a_retried_job_makes_no_second_case(app, client, session, rosewood):
    post(client, body())
    assert process_pending(app) == 1
    assert process_pending(app) == 0
    handling.process_one(db.session, session.scalar(select(Notification.id)))
    assert session.scalar(select(func.count(Case.id))) == 1
    assert session.scalar(select(func.count(Assessment.id))) == 1


def test_a_notification_that_cannot_be_processed_does_not_hold_up_the_others(
        app, client, session, rosewood, monkeypatch):
    for number in range(3):
        post(client, body(notification_id=f"IGT-{number}"))
    first = session.scalar(select(Notification.id).where(
        Notification.notification_id == "IGT-0"))

    def fail_with_the_first(session, notifications, **kwargs):
        """A batch holding it fails, and so does it alone."""
        if any(n.id == first for n in notifications):
            raise RuntimeError("this one cannot be processed yet")
        return real_batch(session, notifications, **kwargs)

    real_batch = handling.batch.process_stored
    monkeypatch.setattr(handling.batch, "process_stored", fail_with_the_first)
    process_pending(app)
    assert _statuses(session) == {"accepted": 1, "processed": 2}  # left for the sweeper


def _dead_redis_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


def test_with_redis_down_the_webhook_still_answers_202_and_the_sweeper_processes(
        app, client, session, rosewood, monkeypatch, caplog):
    monkeypatch.setitem(app.extensions, "settings", dataclasses.replace(
        app.extensions["settings"], redis_url=_dead_redis_url()))
    monkeypatch.delitem(app.extensions, "notifications_wakeup_redis", raising=False)
    caplog.set_level(logging.WARNING, logger="backoffice.notifications.wakeup")
    started = time.monotonic()
    for number in range(3):
        response = post(client, body(notification_id=f"IGT-DOWN-{number}"))
        assert response.status_code == 202 and response.json["status"] == "accepted"
    assert time.monotonic() - started < 3 * 2 * wakeup.TIMEOUT_SECONDS + 2
    assert any("could not wake the worker" in r.getMessage() for r in caplog.records)
    assert _statuses(session) == {"accepted": 3}

    assert handling.sweep(db.session) == 3
    assert _statuses(session) == {"processed": 3}
