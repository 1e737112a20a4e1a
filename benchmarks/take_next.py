"""Take-next benchmark: 16 reviewers pressing "Take next case" at once on PostgreSQL.

Two web-worker processes (one per CPU) with 8 reviewer threads each, as gunicorn with
2 gthread workers x 8 threads would run 16 concurrent requests. Each reviewer loads its
user (as a request does), calls the product's ``take_next_case`` service and commits,
until no unassigned case is left. Baseline: the same processes and threads running the
bare SQL of a take (one UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED
LIMIT 1)) over the same cases, reset, in the same run. Targets: 0 duplicates and
>= 1,000 takes/s.
"""

from __future__ import annotations

import benchpath  # noqa: F401  (first: the standard library's queue, not ours)

# isort: split

import argparse
import multiprocessing
import sys
import threading
import time

import psycopg
from benchlib import (
    app_overrides,
    libpq_dsn,
    make_app,
    migrate,
    result_line,
    run_and_report,
    scratch,
    session_id,
)

NAME = "take_next"
REVIEWERS = 16
PROCESSES = 2  # one web worker per CPU, the reviewers as its threads (gunicorn gthread 2 x 8)
TARGET_RATE = 1_000.0
TARGET_TEXT = '">= 1,000 takes/s and 0 duplicates"'

SEED_SQL = """
INSERT INTO users (email, name, role, password_hash, active, created_at, updated_at)
SELECT 'reviewer' || g || '@example.org', 'Reviewer ' || g, 'reviewer', 'x', true, now(), now()
FROM generate_series(1, {reviewers}) AS g;

INSERT INTO organisations (ods_code, name, org_type, address, postcode, created_at, updated_at)
SELECT 'T' || lpad(g::text, 7, '0'), 'Organisation ' || g, 'Care Home', '', 'EX1 1AA',
       now(), now()
FROM generate_series(1, {cases}) AS g;

INSERT INTO cases (reference, organisation_id, status, opened_at, due_date, republished,
                   outcome_reasons, plan_accepted, paused_working_days, version,
                   created_at, updated_at)
SELECT 'R-2016-' || lpad(g::text, 6, '0'), o.id, 'unassigned',
       timestamptz '2016-03-01' + g * interval '1 minute',
       date '2016-04-01' + (abs(hashint4(g)) % 60), false, '', false, 0, 1, now(), now()
FROM generate_series(1, {cases}) AS g
JOIN organisations AS o ON o.ods_code = 'T' || lpad(g::text, 7, '0');
"""

BARE_TAKE = """
UPDATE cases SET status = 'in_review', assigned_to_id = %s, version = version + 1
WHERE id = (SELECT id FROM cases WHERE status = 'unassigned'
            ORDER BY due_date, opened_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING reference
"""


def seed(dbname: str, cases: int) -> list[int]:
    with psycopg.connect(libpq_dsn(dbname), autocommit=True) as conn:
        conn.execute(SEED_SQL.format(reviewers=REVIEWERS, cases=cases))  # our constants only
        conn.execute("VACUUM ANALYZE")
        return [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]


def reset(dbname: str) -> None:
    """Every case unassigned again, for the next contender."""
    with psycopg.connect(libpq_dsn(dbname), autocommit=True) as conn:
        conn.execute("UPDATE cases SET status = 'unassigned', assigned_to_id = NULL")
        conn.execute("DELETE FROM audit_events")
        conn.execute("VACUUM ANALYZE cases")


def product_worker(dbname: str, instance: str, reviewer_ids: list[int], start, results) -> None:
    """A web worker process: one thread per reviewer, each taking cases through the product's
    service (its own application context and session, as a request has) until none is left."""
    from backoffice import create_app

    app = create_app(app_overrides(dbname, instance))
    results.put(run_reviewers(_product_reviewer, app, reviewer_ids, start))


def run_reviewers(reviewer, first, reviewer_ids: list[int], start) -> list[str]:
    """One thread per reviewer; all wait until every process is ready, then go together."""
    ready = threading.Barrier(len(reviewer_ids) + 1)
    taken: list[str] = []
    threads = [threading.Thread(target=reviewer, args=(first, rid, ready, taken))
               for rid in reviewer_ids]
    for thread in threads:
        thread.start()
    ready.wait()
    start.wait()
    ready.wait()
    for thread in threads:
        thread.join()
    return taken


def _product_reviewer(app, reviewer_id: int, ready, taken: list[str]) -> None:
    from backoffice.core.audit import Actor
    from backoffice.core.transactions import commit_with_retries
    from backoffice.extensions import db
    from backoffice.reviews.taking import take_next_case
    from backoffice.users.views import load_user

    with app.app_context():
        session = db.session
        reviewer = load_user(session_id(reviewer_id))
        take_next_case(session, actor=Actor.of(reviewer), reviewer=reviewer)  # warm up
        session.rollback()
        ready.wait()
        ready.wait()
        while True:
            reviewer = load_user(session_id(reviewer_id))  # as each request loads its user

            def take(reviewer=reviewer):
                case = take_next_case(session, actor=Actor.of(reviewer), reviewer=reviewer)
                return None if case is None else case.reference

            reference = commit_with_retries(session, take)
            if reference is None:
                return
            taken.append(reference)


def bare_worker(dbname: str, _instance: str, reviewer_ids: list[int], start, results) -> None:
    """A process with one thread per reviewer, each running the bare SQL of a take."""
    results.put(run_reviewers(_bare_reviewer, dbname, reviewer_ids, start))


def _bare_reviewer(dbname: str, reviewer_id: int, ready, taken: list[str]) -> None:
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        ready.wait()
        ready.wait()
        while True:
            row = conn.execute(BARE_TAKE, (reviewer_id,)).fetchone()
            conn.commit()
            if row is None:
                return
            taken.append(row[0])


def contend(target, dbname: str, instance: str, reviewer_ids: list[int]) -> tuple[list, float]:
    """Start the worker processes with their reviewers, release them together;
    (all references taken, seconds)."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES + 1)
    results = context.Queue()
    shares = [reviewer_ids[n::PROCESSES] for n in range(PROCESSES)]
    workers = [context.Process(target=target, args=(dbname, instance, share, start, results))
               for share in shares]
    for worker in workers:
        worker.start()
    start.wait(timeout=120)
    began = time.perf_counter()
    taken = [ref for _ in workers for ref in results.get(timeout=600)]
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join(timeout=60)
    return taken, elapsed


def summarise(label: str, taken: list, elapsed: float, cases: int) -> tuple[float, int]:
    duplicates = len(taken) - len(set(taken))
    rate = len(taken) / elapsed
    print(f"{label}: {len(taken):,} takes of {cases:,} cases in {elapsed:.2f} s = "
          f"{rate:,.0f} takes/s; duplicates {duplicates}; missed {cases - len(set(taken))}",
          flush=True)
    return rate, duplicates + (cases - len(set(taken)))


def run(args) -> str:
    cases = 1_000 if args.quick else 10_000
    with scratch("bench_take_next") as (dbname, tmp):
        app = make_app(dbname, str(tmp / "instance"))
        migrate(app)
        reviewer_ids = seed(dbname, cases)
        bare_taken, bare_elapsed = contend(bare_worker, dbname, str(tmp / "instance"),
                                           reviewer_ids)
        bare_rate, _ = summarise("bare SQL", bare_taken, bare_elapsed, cases)
        reset(dbname)
        taken, elapsed = contend(product_worker, dbname, str(tmp / "instance"),
                                 reviewer_ids)
        rate, wrong = summarise("product take_next_case", taken, elapsed, cases)
        with psycopg.connect(libpq_dsn(dbname)) as conn:
            audited = conn.execute("SELECT count(DISTINCT entity_id) FROM audit_events "
                                   "WHERE entity_type = 'cases'").fetchone()[0]
        print(f"cases with an audit row for the take: {audited:,}")
        with app.app_context():
            from backoffice.extensions import db

            db.engine.dispose()
    passed = rate >= TARGET_RATE and wrong == 0 and audited == cases
    return result_line(NAME, rate, "takes/s", bare_rate, TARGET_TEXT, passed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 takes instead of 10,000")
    args = parser.parse_args()
    return run_and_report(NAME, "takes/s", TARGET_TEXT, 600 if args.quick else 1800, run, args)


if __name__ == "__main__":
    sys.exit(main())
