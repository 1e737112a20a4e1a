"""Two workers processing what the webhook stored at the same time: each once, one case each."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.extensions import db
from backoffice.notifications import handling
from backoffice.notifications.models import Assessment, Notification
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
