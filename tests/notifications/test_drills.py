"""Nothing lost: drills with real processes — a worker SIGKILLed mid-queue, Redis going away,
the webhook waking a worker.

The drills use the session's database (SQLite file or PostgreSQL) and start real
processes: ``backoffice worker`` for the first and third, a private ``redis-server`` for
the second. Every wait is bounded and every process started here is killed in a
``finally`` block.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select

from backoffice import create_app
from backoffice.cases.models import Assessment, Case, CaseStatus, ReferenceCounter
from backoffice.core import jobs as core_jobs
from backoffice.core.jobs import queue
from backoffice.extensions import db, limiter
from backoffice.notifications import handling, services, wakeup
from backoffice.notifications.jobs import SWEEP_GRACE_SECONDS
from backoffice.notifications.models import Notification
from tests.factories import OrganisationFactory
from tests.payloads import body, encode, post

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APPLICATION_TYPES = ("N3", "S251", "PCMD", "DARS")
PENDING = ("received", "accepted")


# --- shared helpers -------------------------------------------------------------------------

def publication(number: int, ods_code: str, sequence: int) -> dict:
    """The ``sequence``-th publication of an organisation: one or two applications, some repeated
    from its earlier publications (so reasons must be de-duplicated)."""
    kind = APPLICATION_TYPES[(sequence // 2) % len(APPLICATION_TYPES)]
    applications = [{"type": kind, "reference": f"{kind}-{ods_code}-{sequence // 2}"}]
    if sequence % 3 == 0:
        applications.append({"type": "N3", "reference": f"IGSOC-{ods_code}"})
    payload = body(notification_id=f"DRILL-{number:05d}", applications=applications)
    payload["organisation"]["ods_code"] = ods_code
    return payload


def pending_count(session) -> int:
    session.rollback()  # a fresh snapshot (SQLite WAL) of what the other processes committed
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.status.in_(PENDING)))


def check_outcome(session, sent: dict[str, list[dict]]) -> None:
    """Every notification processed once, one open case per organisation with every reason."""
    session.rollback()
    session.expire_all()
    total = sum(len(payloads) for payloads in sent.values())
    statuses = dict(session.execute(select(Notification.status, func.count(Notification.id))
                                    .group_by(Notification.status)).all())
    assert statuses == {"processed": total}
    assert session.scalar(select(func.count(Assessment.id))) == total
    assert session.scalar(select(func.count(func.distinct(Assessment.notification_pk)))) == total

    cases = list(session.scalars(select(Case)))
    by_code = {case.organisation.ods_code: case for case in cases}
    assert len(cases) == len(by_code) == len(sent), "one case per organisation used"
    assert all(case.status == CaseStatus.UNASSIGNED for case in cases)
    assert len({case.reference for case in cases}) == len(cases)
    assert session.scalar(select(func.sum(ReferenceCounter.last_number))) == len(cases)
    for ods_code, payloads in sent.items():
        case = by_code[ods_code]
        expected = {(a["type"], a["reference"]) for p in payloads for a in p["applications"]}
        reasons = [(r.application_type, r.reference) for r in case.reasons]
        assert sorted(reasons) == sorted(expected), ods_code
        assert case.republished == (len(payloads) > 1), ods_code

    case_of = {case.id: case.organisation.ods_code for case in cases}
    rows = session.execute(select(Notification.ods_code, Notification.case_id,
                                  Assessment.case_id)
                           .join(Assessment, Assessment.notification_pk == Notification.id)).all()
    assert len(rows) == total
    for ods_code, notification_case, assessment_case in rows:
        assert notification_case == assessment_case
        assert case_of[notification_case] == ods_code


# --- drill 1: a worker SIGKILLed again and again while it works the queue -------------------

NOTIFICATIONS = 2_000
ORGANISATIONS = 300
SINGLES = 50              # organisations that publish once; the rest publish 7 or 8 times
KILLS = 5
BUDGET_SECONDS = 240      # bound on every wait of the drill together
FINAL_RUN_SECONDS = 30    # how long the last workers run before they too are killed
SWEEP_JOB = "backoffice.notifications.jobs.sweep"
SWEEP_JOBS = KILLS + 5    # more than the kills: the last workers find one to run


def seed_unprocessed(session) -> dict[str, list[dict]]:
    """Organisations and accepted (stored, validated, not processed) notifications."""
    codes = [f"D{n:04d}" for n in range(ORGANISATIONS)]
    for code in codes:
        OrganisationFactory(ods_code=code, name=f"Drill Care Home {code}")
    session.commit()
    sent: dict[str, list[dict]] = defaultdict(list)
    for number in range(NOTIFICATIONS):
        index = number if number < SINGLES else (
            SINGLES + (number - SINGLES) % (ORGANISATIONS - SINGLES))
        code = codes[index]
        payload = publication(number, code, len(sent[code]))
        notification = services.store(session, raw_body=encode(payload), headers={},
                                      source="webhook")
        services.validate(notification)
        assert notification.status == "accepted"
        notification.received_at -= timedelta(seconds=SWEEP_GRACE_SECONDS)  # left behind
        sent[code].append(payload)
        if number % 250 == 249:
            session.commit()
    session.commit()
    return dict(sent)


def worker_environment(settings: dict) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    env.update(BACKOFFICE_DATABASE_URL=settings["database_url"],
               BACKOFFICE_REDIS_URL=settings["redis_url"],
               BACKOFFICE_INSTANCE_PATH=settings["instance_path"],
               BACKOFFICE_SECRET_KEY=settings["secret_key"],
               BACKOFFICE_WEBHOOK_SECRET=settings["webhook_secret"],
               BACKOFFICE_ENVIRONMENT=settings["environment"],
               PYTHONUNBUFFERED="1")
    return env


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    found = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in path.read_text().split()]
    return found


def stopped(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # gone
    return state in ("T", "t", "Z", "X")


def kill_hard(pid: int) -> None:
    """SIGKILL a worker and its work-horse (RQ forks one per job, in its own process group):
    freeze the worker first so it cannot fork another, then kill the horse, then the worker."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGSTOP)
    frozen_by = time.monotonic() + 2
    while not stopped(pid) and time.monotonic() < frozen_by:
        time.sleep(0.005)
    for child in children(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


class Workers:
    """``backoffice worker`` processes, each started in a new session (its own process group);
    a kill takes the job's work-horse down with the worker."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.running: list[subprocess.Popen] = []
        self.started = 0

    def start(self) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "backoffice", "worker"],
                                   cwd=PROJECT_ROOT, env=self.env, stdout=self.log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(process)
        self.started += 1
        return process

    def kill(self, process: subprocess.Popen) -> None:
        kill_hard(process.pid)
        process.wait(timeout=10)
        self.running.remove(process)

    def kill_all(self) -> None:
        for process in list(self.running):
            self.kill(process)
        self.log.close()

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def wait_for_progress(session, below: int, deadline: float, workers: Workers) -> int:
    """Wait (bounded) until fewer than ``below`` notifications are pending."""
    while time.monotonic() < deadline:
        pending = pending_count(session)
        if pending < below:
            return pending
        time.sleep(0.1)
    raise AssertionError(f"no progress from {below} pending:\n{workers.log_tail()}")


def run_for(session, seconds: float, deadline: float) -> int:
    """Let the workers run for a while (or until nothing is pending); return what is pending."""
    until = min(time.monotonic() + seconds, deadline)
    pending = pending_count(session)
    while pending and time.monotonic() < until:
        time.sleep(0.5)
        pending = pending_count(session)
    return pending


def killed_mid_job(jobs) -> int:
    """Sweep jobs the kills caught running (RQ still has them as started)."""
    return sum(job_id.startswith("sweep-") for job_id in
               StartedJobRegistry(queue=jobs).get_job_ids(cleanup=False))


def test_worker_sigkill_drill(app, session, settings_overrides, tmp_path):
    """Workers are SIGKILLed mid-queue again and again, then the sweeper finishes the rest:
    every notification is processed once, and each organisation has one case.

    The workers run the scheduled sweep job (each notification in its own transaction)
    on notifications stored and left behind; the last workers (two on PostgreSQL, one on
    SQLite, which has one writer at a time) run for a while and are killed too; the
    sweeper then processes what they did not reach.
    """
    sent = seed_unprocessed(session)
    jobs = queue(app)
    for number in range(SWEEP_JOBS):  # each sweeps what is left, one notification at a time
        jobs.enqueue(SWEEP_JOB, job_id=f"sweep-{number}")
    assert jobs.count == SWEEP_JOBS
    last_workers = 2 if db.engine.dialect.name == "postgresql" else 1

    rng = random.Random(20160331)
    deadline = time.monotonic() + BUDGET_SECONDS
    workers = Workers(worker_environment(settings_overrides), tmp_path / "workers.log")
    trail = []
    try:
        pending = NOTIFICATIONS
        for _ in range(KILLS):
            worker = workers.start()
            pending = wait_for_progress(session, pending, deadline, workers)  # working now
            time.sleep(rng.uniform(1.0, 2.0))
            workers.kill(worker)
            pending = pending_count(session)
            trail.append(pending)
        abandoned = killed_mid_job(jobs)
        for _ in range(last_workers):
            workers.start()
        trail.append(run_for(session, FINAL_RUN_SECONDS, deadline))
    finally:
        workers.kill_all()
    assert trail[KILLS - 1] > 0, f"the queue drained before the last kill: {trail}"
    assert trail[-1] < trail[0] < NOTIFICATIONS, f"the workers did little: {trail}"

    swept = handling.sweep(db.session)  # finish what the killed jobs (and the last run) left
    assert pending_count(session) == 0
    print(f"pending after each kill and after the last run: {trail}; {abandoned} sweep jobs "
          f"killed mid-job; {swept} swept")
    check_outcome(session, sent)


# --- drill 2: Redis goes away while notifications arrive -----------------------------------

OUTAGE_ORGANISATIONS = 5
OUTAGE_NOTIFICATIONS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(server: str, port: int, directory: Path) -> subprocess.Popen:
    log = (directory / f"redis-{port}.log").open("ab")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(directory)],
                               cwd=directory, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    stop_redis(process)
    raise AssertionError(f"redis-server did not start on port {port}")


def stop_redis(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


real_send = core_jobs.send


def outage_app_for(settings_overrides: dict, port: int):
    """A second application on the same database, with its own Redis."""
    shared_limiter = dict(vars(limiter))  # create_app rebinds the one module-level limiter
    try:
        outage_app = create_app({**settings_overrides, "redis_url": f"redis://127.0.0.1:{port}/0"})
    finally:
        vars(limiter).update(shared_limiter)  # so the other tests keep their own storage
    outage_app.config["TESTING"] = True
    return outage_app


def test_redis_outage_drill(app, session, settings_overrides, tmp_path):
    """Redis stops: the webhook still stores and answers 202 at once (waking the worker
    fails quietly); once Redis is back, the sweeper processes every one."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    codes = [f"R{n:04d}" for n in range(OUTAGE_ORGANISATIONS)]
    for code in codes:
        OrganisationFactory(ods_code=code)
    session.commit()

    port = free_port()
    redis_server = start_redis(server, port, tmp_path)
    try:
        outage_app = outage_app_for(settings_overrides, port)
        client = outage_app.test_client()
        assert client.get("/healthz").status_code == 200

        stop_redis(redis_server)
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json["redis"].startswith("down") and health.json["database"] == "ok"

        sent: dict[str, list[dict]] = defaultdict(list)
        started = time.monotonic()
        for number in range(OUTAGE_NOTIFICATIONS):
            code = codes[number % OUTAGE_ORGANISATIONS]
            payload = publication(number, code, len(sent[code]))
            response = post(client, payload)
            assert response.status_code == 202, response.get_data(as_text=True)
            assert response.json["status"] == "accepted"
            assert response.json["case_reference"] is None
            sent[code].append(payload)
        elapsed = time.monotonic() - started
        assert elapsed < OUTAGE_NOTIFICATIONS * 0.5, f"Redis down stalled the webhook: {elapsed}"
        assert pending_count(session) == OUTAGE_NOTIFICATIONS
        assert session.scalar(select(func.count(Assessment.id))) == 0

        redis_server = start_redis(server, port, tmp_path)
        assert client.get("/healthz").status_code == 200
        assert redis.Redis(port=port).dbsize() == 0  # no job was enqueued: only the rows remain
        with outage_app.app_context():
            result = outage_app.test_cli_runner().invoke(args=["sweep"])
        assert result.exit_code == 0, result.output
        assert f"Swept {OUTAGE_NOTIFICATIONS} notification(s)." in result.output
        check_outcome(session, dict(sent))

        again = post(client, publication(0, codes[0], 0))  # a repeat, now answered from the row
        assert again.status_code == 200 and again.json["status"] == "processed"
        with outage_app.app_context():
            result = outage_app.test_cli_runner().invoke(args=["sweep"])
        assert "Swept 0 notification(s)." in result.output
        check_outcome(session, dict(sent))
    finally:
        stop_redis(redis_server)


# --- drill 3: the webhook wakes a real worker ------------------------------------------------

WORKER_ORGANISATIONS = 6
WORKER_BURST = 60
WORKER_WAIT_SECONDS = 90


def wakeup_jobs(app) -> int:
    jobs = queue(app).get_jobs()
    return sum(job.func_name == wakeup.PROCESS_PENDING_JOB for job in jobs)


def post_burst(client, codes: list[str], sent: dict[str, list[dict]], first: int,
               count: int) -> None:
    for number in range(first, first + count):
        code = codes[number % len(codes)]
        payload = publication(number, code, len(sent[code]))
        response = post(client, payload)
        assert response.status_code == 202, response.get_data(as_text=True)
        assert response.json == {"notification_id": payload["notification_id"],
                                 "status": "accepted", "case_reference": None}
        sent[code].append(payload)


def wait_until_processed(session, workers: Workers) -> None:
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    while pending_count(session):
        if time.monotonic() > deadline:
            raise AssertionError(f"the worker did not process them:\n{workers.log_tail()}")
        time.sleep(0.2)


def test_the_webhook_wakes_a_worker_that_turns_a_burst_into_cases(app, client, session,
                                                                  settings_overrides, tmp_path):
    """A burst enqueues one job (the debounce window); a real ``backoffice worker`` processes
    every notification once; a later notification wakes it again."""
    codes = [f"W{n:04d}" for n in range(WORKER_ORGANISATIONS)]
    for code in codes:
        OrganisationFactory(ods_code=code)
    session.commit()
    sent: dict[str, list[dict]] = defaultdict(list)
    post_burst(client, codes, sent, 0, WORKER_BURST)
    assert wakeup_jobs(app) == 1
    assert pending_count(session) == WORKER_BURST

    workers = Workers(worker_environment(settings_overrides), tmp_path / "workers.log")
    try:
        workers.start()
        wait_until_processed(session, workers)
        check_outcome(session, dict(sent))
        post_burst(client, codes, sent, WORKER_BURST, 1)  # the job cleared the key
        wait_until_processed(session, workers)
    finally:
        workers.kill_all()
    check_outcome(session, dict(sent))


def test_the_drill_publications_reuse_applications():
    """The drills' own data: republications repeat some applications and add others."""
    payloads = [publication(n, "X0001", n) for n in range(8)]
    pairs = Counter((a["type"], a["reference"]) for p in payloads for a in p["applications"])
    assert max(pairs.values()) > 1 and len(pairs) > 4


def test_a_failed_enqueue_is_logged_after_an_in_process_migration(app, caplog, monkeypatch):
    """Was: migrations/env.py's fileConfig disabled every existing logger, so after an
    in-process upgrade (the test fixture; `backoffice demo`) this warning never showed."""
    caplog.set_level(logging.WARNING, logger="backoffice.core.jobs")
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setitem(app.extensions, "settings",
                        dataclasses.replace(app.extensions["settings"], redis_url=dead_redis))
    assert core_jobs.send(core_jobs.PendingJob(wakeup.PROCESS_PENDING_JOB, ()), app) is False
    assert any(r.getMessage().startswith("enqueue failed") for r in caplog.records)
