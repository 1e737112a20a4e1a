"""Bulk back-fill throughput: backoffice.notifications.importing.import_records.

    .venv/bin/python benchmarks/ingest.py            # 50,000 notifications, ~5,000 organisations
    .venv/bin/python benchmarks/ingest.py --quick    # 2,000 notifications, 200 organisations
    .venv/bin/python benchmarks/ingest.py --profile /tmp/ingest.prof   # cProfile the import

Baseline, same run and same database: a bare psycopg 3 ``cursor.executemany`` of the
same raw bodies (read with the same ``read_records``) into ``raw_bodies(id serial, body
bytea)``, one transaction. Targets: >= 2,000 notifications/s and >= 0.25x the bare rate.
"""

from __future__ import annotations

import benchpath  # noqa: F401  (first: the standard library's queue, not ours)

# isort: split

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from benchlib import (
    BodyFactory,
    CpuMonitor,
    Org,
    encode,
    libpq_dsn,
    make_app,
    make_organisations,
    migrate,
    publication_time,
    register_organisations,
    result_line,
    run_and_report,
    scratch,
)

NAME = "ingest"
TARGET_RATE = 2000.0
TARGET_RATIO = 0.25
TARGET_TEXT = '"≥2000/s and ≥0.25x bare"'
SLA_DAYS = 10
SEED = 20160331


@dataclass
class Expected:
    notifications: int = 0
    unmatched: int = 0
    with_applications: int = 0
    orgs_with_cases: set[str] = field(default_factory=set)
    orgs_seen: set[str] = field(default_factory=set)


def _pick_orgs(rng: random.Random, registered: list[Org], unknown: list[Org], count: int,
               unknown_share: float) -> list[Org]:
    """Several notifications per organisation, a few large publishers, a few % unknown."""
    weights = [min(rng.paretovariate(1.6), 12.0) for _ in registered]
    picks = rng.choices(registered, weights, k=count)
    for index in range(count):
        if rng.random() < unknown_share:
            picks[index] = rng.choice(unknown)
    return picks


def generate(path: Path, rng: random.Random, registered: list[Org], unknown: list[Org],
             count: int) -> Expected:
    """Write ``count`` bodies as JSON Lines, in publication order; note what should happen."""
    factory = BodyFactory(rng)
    expected = Expected()
    rows = []
    for serial, org in enumerate(_pick_orgs(rng, registered, unknown, count, 0.03), start=1):
        version = 13 if rng.random() < 0.75 else 12
        body = factory.body(org, f"IGT-{version}-{serial:06d}", publication_time(rng, version),
                            version)
        rows.append((body["published_at"], serial, encode(body)))
        expected.notifications += 1
        expected.orgs_seen.add(org.ods_code)
        if not org.registered:
            expected.unmatched += 1
        elif body["applications"]:
            expected.with_applications += 1
            expected.orgs_with_cases.add(org.ods_code)
    rows.sort()
    with path.open("wb") as handle:
        for _, _, raw in rows:
            handle.write(raw + b"\n")
    return expected


def bare_executemany(dbname: str, path: Path) -> tuple[int, float]:
    """The baseline: the same raw bodies, one executemany, one commit."""
    from backoffice.notifications.records import read_records

    with psycopg.connect(libpq_dsn(dbname)) as conn:
        conn.execute("CREATE TABLE raw_bodies (id serial PRIMARY KEY, body bytea)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO raw_bodies (body) VALUES (%s)",
                            ((raw,) for _, raw in read_records(path)))
        conn.commit()
        elapsed = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM raw_bodies").fetchone()[0]
    return rows, elapsed


class SqlStats:
    """Per statement shape: how many executions and the time spent in the driver."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.rows: dict[str, list[float]] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn, _cursor, _statement, _params, context, executemany):
        context._bench_started = time.perf_counter()

    def _after(self, _conn, _cursor, statement, params, context, executemany):
        shape = " ".join(statement.split())[:90] + (" [executemany]" if executemany else "")
        row = self.rows.setdefault(shape, [0, 0, 0.0])
        row[0] += 1
        row[1] += len(params) if executemany else 1
        row[2] += time.perf_counter() - context._bench_started

    def report(self) -> None:
        print("--- SQL by statement shape: executions, rows, seconds in the driver")
        for shape, (calls, rows, seconds) in sorted(self.rows.items(), key=lambda i: -i[1][2]):
            print(f"{calls:7d} {rows:7d} {seconds:7.2f}s  {shape}")


def timed_import(app, path: Path, profile_path: str | None, sql_stats: bool = False,
                 workers: int = 1):
    from backoffice.extensions import db
    from backoffice.notifications.importing import import_records
    from backoffice.notifications.records import read_records

    profiler = cProfile.Profile() if profile_path else None
    with app.app_context():
        stats = SqlStats(db.engine) if sql_stats else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        summary = import_records(db.session, read_records(path), sla_days=SLA_DAYS,
                                 workers=workers)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        db.session.remove()
    if stats:
        stats.report()
    if profiler:
        profiler.dump_stats(profile_path)
        stats = pstats.Stats(profiler).strip_dirs()
        print(f"--- cProfile of the import (written to {profile_path}), top by tottime")
        stats.sort_stats("tottime").print_stats(20)
        print("--- top by cumulative time")
        stats.sort_stats("cumulative").print_stats(25)
    return summary, elapsed


def database_counts(dbname: str) -> dict[str, int]:
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        counts = dict(conn.execute(
            "SELECT 'notifications ' || status, count(*) FROM notifications GROUP BY status"
        ).fetchall())
        for table in ("cases", "case_reasons", "assessments", "audit_events"):
            counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        counts["cases republished"] = conn.execute(
            "SELECT count(*) FROM cases WHERE republished").fetchone()[0]
    return counts


def verify(summary, expected: Expected, counts: dict[str, int]) -> list[str]:
    warnings = []
    checks = (
        ("accepted", summary.accepted, expected.notifications),
        ("cases opened", summary.cases_opened, len(expected.orgs_with_cases)),
        ("unmatched", summary.unmatched, expected.unmatched),
        ("rejected", len(summary.rejected), 0),
        ("repeats", summary.repeats, 0),
        ("conflicts", summary.conflicts, 0),
        ("cases in the database", counts.get("cases", 0), len(expected.orgs_with_cases)),
        ("unmatched in the database", counts.get("notifications unmatched", 0),
         expected.unmatched),
        ("assessments in the database", counts.get("assessments", 0),
         expected.notifications - expected.unmatched),
    )
    for label, got, wanted in checks:
        if got != wanted:
            warnings.append(f"WARNING: {label} is {got}, expected {wanted}")
    if summary.rejected:
        warnings.append(f"WARNING: first rejections: {summary.rejected[:3]}")
    return warnings


def run(args) -> str:
    count, org_count = (2_000, 200) if args.quick else (50_000, 5_000)
    rng = random.Random(SEED)
    taken: set[str] = set()
    registered = make_organisations(rng, org_count, taken=taken)
    unknown = make_organisations(rng, max(10, org_count // 20), taken=taken, registered=False)
    with scratch("bench_ingest") as (dbname, tmp):
        app = make_app(dbname, str(tmp / "instance"))
        migrate(app)
        register_organisations(dbname, registered)
        path = tmp / "notifications.jsonl"
        started = time.perf_counter()
        expected = generate(path, rng, registered, unknown, count)
        print(f"generated {expected.notifications} notifications "
              f"({path.stat().st_size / 1e6:.1f} MB) for {len(expected.orgs_seen)} "
              f"organisations ({org_count} registered, {len(unknown)} unknown codes) "
              f"in {time.perf_counter() - started:.1f} s", flush=True)

        bare_rows, bare_elapsed = bare_executemany(dbname, path)
        bare_rate = bare_rows / bare_elapsed
        print(f"baseline: bare psycopg executemany of {bare_rows} bodies in "
              f"{bare_elapsed:.2f} s = {bare_rate:.0f}/s", flush=True)

        monitor = CpuMonitor(dbname)
        workers = 1 if args.profile or args.sql_stats else args.workers
        summary, elapsed = timed_import(app, path, args.profile, args.sql_stats, workers)
        cpu_line = monitor.report("the import")
        rate = summary.read / elapsed
        print(f"import_records ({workers} worker process(es)): {summary.read} records in "
              f"{elapsed:.2f} s = {rate:.0f}/s"
              + (" (instrumented: slower than normal)" if args.profile or args.sql_stats else ""))
        print(f"summary: accepted={summary.accepted} cases_opened={summary.cases_opened} "
              f"unmatched={summary.unmatched} rejected={len(summary.rejected)} "
              f"repeats={summary.repeats} conflicts={summary.conflicts}")
        print(f"expected: accepted={expected.notifications} "
              f"cases_opened={len(expected.orgs_with_cases)} unmatched={expected.unmatched} "
              f"(notifications with an application at a registered organisation: "
              f"{expected.with_applications})")
        print(cpu_line)
        counts = database_counts(dbname)
        print("database: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        warnings = verify(summary, expected, counts)
        for line in warnings:
            print(line)
        with app.app_context():
            from backoffice.extensions import db

            db.engine.dispose()
    passed = rate >= TARGET_RATE and rate >= TARGET_RATIO * bare_rate and not warnings
    if warnings:
        print("WARNING: the counts do not match what was generated; the result is FAIL")
    return result_line(NAME, rate, "notifications/s", bare_rate, TARGET_TEXT, passed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 notifications")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the import into FILE")
    parser.add_argument("--sql-stats", action="store_true",
                        help="count the import's SQL statements and their time")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="import processes (default: the CPU count; 1 under --profile "
                             "or --sql-stats)")
    args = parser.parse_args()
    return run_and_report(NAME, "notifications/s", TARGET_TEXT, 300 if args.quick else 3600,
                          run, args)

if __name__ == "__main__":
    sys.exit(main())
