"""The annual compliance report for 25,000 organisations x 45 requirements, as XLSX.

    .venv/bin/python benchmarks/compliance_report.py            # 25,000 organisations
    .venv/bin/python benchmarks/compliance_report.py --quick    # 2,500 organisations

Not timed: registering the organisations and COPYing one 2015/16 publication each (45
requirements, levels weighted towards 2-3, ~5% not relevant), ~5% republications, and
~10% of organisations with a 2014/15 publication too. Timed: the operator's command
``backoffice reports compliance --year 2015/16 --format xlsx --output FILE`` in its own
process; wall time and that process's peak RSS (``wait4``). Baseline, same run: a process
writing the same number of rows of plain cells (5 + 45 a row) with openpyxl in write-only
mode, no database. Targets: < 30 s and peak RSS < 300 MB. The workbook is then opened
with openpyxl and its rows counted.
"""

from __future__ import annotations

import benchpath  # noqa: F401  (first: the standard library's queue, not ours)

# isort: split

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from benchlib import (
    PROJECT_ROOT,
    REDIS_URL,
    REQUIREMENT_IDS,
    SECRET_KEY,
    BodyFactory,
    libpq_dsn,
    make_app,
    migrate,
    result_line,
    run_and_report,
    scratch,
    sqlalchemy_url,
)

NAME = "compliance_report"
TARGET_SECONDS = 30.0
TARGET_MB = 300.0
TARGET_TEXT = '"< 30 s and peak RSS < 300 MB"'
SEED = 20160331
YEAR_END = datetime(2016, 3, 31, 18, tzinfo=UTC)


def load(dbname: str, organisations: int) -> int:
    """Organisations and their publications, COPYed; returns the 2015/16 assessments."""
    rng = random.Random(SEED)
    bodies = BodyFactory(rng)
    now = datetime.now(UTC)
    published = []
    for org in range(1, organisations + 1):
        published.append((org, "2015/16", YEAR_END - timedelta(days=rng.uniform(1, 300))))
        if rng.random() < 0.05:
            published.append((org, "2015/16", YEAR_END - timedelta(hours=rng.uniform(1, 20))))
        if rng.random() < 0.10:
            published.append((org, "2014/15", YEAR_END - timedelta(days=365)))
    with psycopg.connect(libpq_dsn(dbname)) as conn, conn.cursor() as cur:
        with cur.copy("COPY organisations (ods_code, name, org_type, address, postcode,"
                      " created_at, updated_at) FROM STDIN") as copy:
            for n in range(1, organisations + 1):
                kind = rng.choice(("Voluntary Sector", "GP Practice", "Community Pharmacy",
                                   "NHS Trust", "Local Authority"))
                copy.write_row((f"C{n:06d}", f"Organisation {n}", kind, "", "EX1 1AA", now,
                                now))
        with cur.copy("COPY notifications (id, notification_id, source, received_at,"
                      " raw_body, body_sha256, headers, status, errors) FROM STDIN") as copy:
            for n, (_, _, moment) in enumerate(published, start=1):
                copy.write_row((n, f"IGT-B-{n}", "import", moment, b"{}", "0" * 64, "{}",
                                "processed", "[]"))
        with cur.copy("COPY assessments (notification_pk, organisation_id, toolkit_version,"
                      " reporting_year, published_at, requirements, improvement_plan, covers,"
                      " applications) FROM STDIN") as copy:
            for n, (org, year, moment) in enumerate(published, start=1):
                copy.write_row((n, org, 13 if year == "2015/16" else 12, year, moment,
                                json.dumps(bodies.requirements()), "[]", "[]", "[]"))
        cur.execute("ANALYZE")
    return sum(1 for _, year, _ in published if year == "2015/16")


def timed_process(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def baseline_child(rows: int, path: str) -> None:
    """The baseline: the same number of plain rows, openpyxl write-only, no database."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("rows")
    sheet.append(["ODS code", "Organisation", "Type", "Version", "Published",
                  *REQUIREMENT_IDS])
    for n in range(rows):
        sheet.append([f"C{n:06d}", f"Organisation {n}", "Voluntary Sector", 13,
                      datetime(2016, 3, 1), *([2] * len(REQUIREMENT_IDS))])
    workbook.save(path)


def check(path: Path, organisations: int) -> list[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    attainment, counts = workbook.worksheets
    rows = sum(1 for _ in attainment.iter_rows(values_only=True)) - 1
    counted = sum(row[1] for row in list(counts.iter_rows(values_only=True))[1:])
    workbook.close()
    problems = []
    if rows != organisations:
        problems.append(f"WARNING: {rows} attainment rows, expected {organisations}")
    if counted != organisations:
        problems.append(f"WARNING: the counts add up to {counted}, expected {organisations}")
    return problems


def run(args) -> str:
    organisations = 2_500 if args.quick else 25_000
    with scratch("bench_compliance") as (dbname, tmp):
        app = make_app(dbname, str(tmp))
        migrate(app)
        started = time.perf_counter()
        assessments = load(dbname, organisations)
        print(f"loaded {organisations:,} organisations, {assessments:,} 2015/16 publications "
              f"in {time.perf_counter() - started:.1f} s (not timed)", flush=True)
        python = sys.executable
        base_seconds, base_mb = timed_process(
            [python, __file__, "--baseline-child", str(organisations),
             str(tmp / "baseline.xlsx")], dict(os.environ))
        print(f"baseline (plain write-only rows): {base_seconds:.1f} s, peak RSS "
              f"{base_mb:.0f} MB", flush=True)
        env = dict(os.environ, BACKOFFICE_DATABASE_URL=sqlalchemy_url(dbname),
                   BACKOFFICE_REDIS_URL=os.environ.get("BENCH_REDIS_URL", REDIS_URL),
                   BACKOFFICE_SECRET_KEY=SECRET_KEY, BACKOFFICE_INSTANCE_PATH=str(tmp))
        output = tmp / "report.xlsx"
        seconds, peak_mb = timed_process(
            [python, "-m", "backoffice", "reports", "compliance", "--year", "2015/16",
             "--format", "xlsx", "--output", str(output)], env)
        print(f"report: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB, "
              f"{output.stat().st_size / 1e6:.1f} MB written", flush=True)
        problems = check(output, organisations)
        for problem in problems:
            print(problem)
        with app.app_context():
            from backoffice.extensions import db

            db.engine.dispose()
    passed = seconds < TARGET_SECONDS and peak_mb < TARGET_MB and not problems
    print(f"peak RSS {peak_mb:.0f} MB (target < {TARGET_MB:.0f} MB; baseline {base_mb:.0f} MB)")
    return result_line(NAME, seconds, "s", base_seconds, TARGET_TEXT, passed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,500 organisations")
    parser.add_argument("--baseline-child", nargs=2, metavar=("ROWS", "FILE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        baseline_child(int(args.baseline_child[0]), args.baseline_child[1])
        return 0
    return run_and_report(NAME, "s", TARGET_TEXT, 300 if args.quick else 1200, run, args)


if __name__ == "__main__":
    sys.exit(main())
