"""Public outcomes CSV: memory of the web process streaming 1,000,000 published outcomes.

    .venv/bin/python benchmarks/public_report.py            # 1,000,000 published outcomes
    .venv/bin/python benchmarks/public_report.py --quick    # 50,000
    .venv/bin/python benchmarks/public_report.py --rows 200000

Not timed: the rows are bulk-loaded with COPY into a throw-away PostgreSQL database
(organisations, notifications, assessments with 45 published levels each, cases closed with
an outcome, plus ~5% open cases that must not appear), then ANALYZEd. The product
(``wsgi:app``) runs under gunicorn in its own process group: one gthread worker, so the web
process measured is that worker. Baseline: the worker's RSS after it has served two small
responses (``/healthz`` and an empty search of the report), in the same run. Then one
``GET /reports/outcomes.csv`` is read to the end while the worker's RSS is sampled; peak is
the worker's VmHWM (kernel high-water mark). Also reported: time to first byte, time to the
first data row, total time, bytes and rows (checked against the published count).
Target: peak RSS < 150 MB.
"""

from __future__ import annotations

import benchpath  # noqa: F401  (first: the standard library's queue, not ours)

# isort: split

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from benchlib import (
    PROJECT_ROOT,
    REQUIREMENT_IDS,
    SECRET_KEY,
    SMTP_URL,
    WEBHOOK_SECRET,
    CpuMonitor,
    libpq_dsn,
    make_app,
    make_organisations,
    migrate,
    register_organisations,
    result_line,
    run_and_report,
    scratch,
    sqlalchemy_url,
)
from webhook import HOST, Server, free_port, stop_gunicorn, wait_ready

NAME = "public_report"
TARGET_MB = 150.0
TARGET_TEXT = '"peak RSS < 150 MB"'
REDIS_URL = "redis://127.0.0.1:6379/4"
FULL_ROWS = 1_000_000
QUICK_ROWS = 50_000
ROWS_PER_ORGANISATION = 8
OPEN_SHARE = 0.05
OUTCOMES = (("satisfactory", 0.55), ("satisfactory_with_improvement_plan", 0.35),
            ("not_satisfactory", 0.10))
REQUIREMENT_VARIANTS = 500
SAMPLE_SECONDS = 0.05
CSV_PATH = "/reports/outcomes.csv"


# --------------------------------------------------------------------------- bulk load


def _requirements_pool(rng: random.Random) -> list[str]:
    """Distinct published assessments (45 levels each), reused across rows."""
    pool = []
    for _ in range(REQUIREMENT_VARIANTS):
        items = [{"id": rid, "not_relevant": True} if rng.random() < 0.05
                 else {"id": rid, "level": rng.choices((0, 1, 2, 3), (4, 10, 46, 40))[0]}
                 for rid in REQUIREMENT_IDS]
        pool.append(json.dumps(items))
    return pool


def _organisation_ids(dbname: str) -> list[int]:
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM organisations ORDER BY id")]


def _case_rows(rng: random.Random, org_ids: list[int], published: int):
    """(case id, organisation id, status, outcome, closed_at, version, published_at)."""
    open_orgs = iter(rng.sample(org_ids, min(len(org_ids), int(published * OPEN_SHARE))))
    outcomes, weights = zip(*OUTCOMES, strict=True)
    start = datetime(2014, 4, 1, tzinfo=UTC)
    case_id = 0
    for _ in range(published):
        case_id += 1
        version = rng.choice((12, 13))
        published_at = start + timedelta(days=365 * (version - 12) + rng.randrange(360),
                                         seconds=rng.randrange(86400))
        closed_at = published_at + timedelta(days=rng.randrange(5, 40),
                                             seconds=rng.randrange(86400))
        yield (case_id, rng.choice(org_ids), "closed", rng.choices(outcomes, weights)[0],
               closed_at, version, published_at)
    for org_id in open_orgs:  # at most one open case per organisation
        case_id += 1
        published_at = datetime(2016, 3, 1, tzinfo=UTC) + timedelta(seconds=case_id)
        yield case_id, org_id, "in_review", None, None, 13, published_at


def _reporting_year(version: int) -> str:
    start = 2002 + version  # version 12 is 2014/15, 13 is 2015/16
    return f"{start}/{(start + 1) % 100:02d}"


def bulk_load(dbname: str, rng: random.Random, org_ids: list[int], published: int) -> int:
    """COPY cases, notifications and assessments; returns the number of cases loaded."""
    pool = _requirements_pool(rng)
    now = datetime.now(UTC)
    count = 0
    rows = list(_case_rows(rng, org_ids, published))
    with psycopg.connect(libpq_dsn(dbname)) as conn, conn.cursor() as cur:
        with cur.copy("COPY cases (id, reference, organisation_id, status, opened_at, due_date,"
                      " republished, outcome, outcome_reasons, plan_accepted,"
                      " paused_working_days, closed_at, published_at, toolkit_version,"
                      " reporting_year, version, created_at, updated_at) FROM STDIN") as cases:
            for case_id, org_id, status, outcome, closed_at, version, published_at in rows:
                closed = status == "closed"  # published: it keeps its assessment's version
                cases.write_row((case_id, f"R-{published_at.year}-{case_id:07d}", org_id,
                                 status, published_at, date(2016, 4, 27), False, outcome,
                                 "Reasons the public never sees", False, 0, closed_at,
                                 closed_at,  # confirmed: the outcome's published moment
                                 version if closed else None,
                                 _reporting_year(version) if closed else None, 1, now, now))
                count += 1
        with cur.copy("COPY notifications (id, notification_id, source, received_at, raw_body,"
                      " body_sha256, headers, status, errors, ods_code, organisation_id,"
                      " case_id, processed_at) FROM STDIN") as notifications:
            for case_id, org_id, _status, _outcome, _closed, _version, published_at in rows:
                notifications.write_row((case_id, f"IGT-B-{case_id}", "import", published_at,
                                         b"{}", "0" * 64, "{}", "processed", "[]", None,
                                         org_id, case_id, published_at))
        with cur.copy("COPY assessments (id, notification_pk, organisation_id, case_id,"
                      " toolkit_version, reporting_year, published_at, requirements,"
                      " improvement_plan, covers, applications) FROM STDIN") as assessments:
            for case_id, org_id, _status, _outcome, _closed, version, published_at in rows:
                assessments.write_row((case_id, case_id, org_id, case_id, version,
                                       _reporting_year(version), published_at,
                                       pool[case_id % len(pool)], "[]", "[]", "[]"))
        for table in ("cases", "notifications", "assessments"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})")
    with psycopg.connect(libpq_dsn(dbname), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cases, notifications, assessments, organisations")
    return count


def published_count(dbname: str) -> int:
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        return conn.execute("SELECT count(*) FROM cases WHERE status = 'closed' AND outcome IS "
                            "NOT NULL").fetchone()[0]


# --------------------------------------------------------------------------- the web process


def start_server(env: dict[str, str], log_path: Path) -> Server:
    port = free_port()
    command = [str(PROJECT_ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "1",
               "--worker-class", "gthread", "--threads", "2", "--bind", f"{HOST}:{port}",
               "--chdir", str(PROJECT_ROOT), "--log-level", "warning", "--timeout", "30",
               "wsgi:app"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=str(PROJECT_ROOT), env={**os.environ, **env},
                                   stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    print(f"product: gunicorn pid {process.pid} on {HOST}:{port} (1 gthread worker x 2 "
          "threads)", flush=True)
    return Server("product", process, port, log_path)


def worker_pid(server: Server) -> int:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    pids = [int(pid) for pid in children.read_text().split()]
    if len(pids) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {pids}")
    return pids[0]


def memory_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for pid {pid}")


def get(server: Server, path: str) -> bytes:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
        return body
    finally:
        conn.close()


PAGES = ("/reports/outcomes", "/reports/outcomes?version=13", "/reports/outcomes?version=12",
         "/reports/outcomes?year=2014%2F15")


def page_times(server: Server, rounds: int = 5) -> list[str]:
    """Median time of a report page (no target): newest first, and filtered by a version
    or year whose outcomes all lie behind the other version's newer ones."""
    lines = []
    for path in PAGES:
        get(server, path)
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            get(server, path)
            times.append(time.perf_counter() - started)
        lines.append(f"page {path}: median {statistics.median(times) * 1000:.1f} ms "
                     f"over {rounds} requests")
    return lines


class Sampler(threading.Thread):
    """Samples a process's RSS until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stopping = pid, [], threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.samples.append(memory_mb(self.pid, "VmRSS"))
            time.sleep(SAMPLE_SECONDS)


def read_csv(server: Server) -> dict:
    """GET the whole CSV, counting lines as they come; times from sending the request."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", CSV_PATH)
    response = conn.getresponse()
    first_byte = first_row = None
    size = lines = 0
    header = b""
    while chunk := response.read1(65536):
        now = time.perf_counter() - started
        first_byte = first_byte if first_byte is not None else now
        if not header:
            header = chunk.split(b"\r\n", 1)[0]
        size += len(chunk)
        lines += chunk.count(b"\n")
        if first_row is None and lines > 1:
            first_row = now
    total = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {CSV_PATH}: {response.status}")
    return {"first_byte": first_byte or total, "first_row": first_row or total, "total": total,
            "bytes": size, "rows": lines - 1, "header": header.decode()}


def measure(server: Server, dbname: str) -> tuple[float, float, dict, list[float]]:
    pid = worker_pid(server)
    get(server, "/healthz")
    get(server, "/reports/outcomes?q=no+such+organisation")
    baseline = memory_mb(pid, "VmRSS")
    print(f"baseline: worker pid {pid} RSS {baseline:.1f} MB after two small responses "
          f"(VmHWM so far {memory_mb(pid, 'VmHWM'):.1f} MB)", flush=True)
    sampler = Sampler(pid)
    monitor = CpuMonitor(dbname)
    sampler.start()
    try:
        figures = read_csv(server)
    finally:
        sampler.stopping.set()
        sampler.join()
    figures["cpu"] = monitor.report("the CSV download")
    return baseline, memory_mb(pid, "VmHWM"), figures, sampler.samples


def run(args) -> str:
    rng = random.Random(20160331)
    organisations = max(10, args.rows // ROWS_PER_ORGANISATION)
    with scratch("bench_public_report") as (dbname, tmp):
        app = make_app(dbname, str(tmp / "migrate-instance"))
        migrate(app)
        with app.app_context():
            from backoffice.extensions import db

            db.engine.dispose()
        loading = time.perf_counter()
        register_organisations(dbname, make_organisations(rng, organisations, taken=set()))
        loaded = bulk_load(dbname, rng, _organisation_ids(dbname), args.rows)
        expected = published_count(dbname)
        print(f"loaded {loaded:,} cases ({expected:,} published outcomes, "
              f"{loaded - expected:,} open) for {organisations:,} organisations in "
              f"{time.perf_counter() - loading:.1f} s (not timed)", flush=True)
        env = {"BACKOFFICE_DATABASE_URL": sqlalchemy_url(dbname),
               "BACKOFFICE_REDIS_URL": REDIS_URL, "BACKOFFICE_SECRET_KEY": SECRET_KEY,
               "BACKOFFICE_WEBHOOK_SECRET": WEBHOOK_SECRET, "BACKOFFICE_SMTP_URL": SMTP_URL,
               "BACKOFFICE_INSTANCE_PATH": str(tmp / "instance")}
        server = start_server(env, tmp / "gunicorn.log")
        try:
            wait_ready(server, "GET", "/healthz", 200)
            baseline, peak, figures, samples = measure(server, dbname)
            figures["pages"] = page_times(server)
        finally:
            stop_gunicorn(server)
    return report(expected, baseline, peak, figures, samples)


def report(expected: int, baseline: float, peak: float, figures: dict,
           samples: list[float]) -> str:
    rows = figures["rows"]
    print(f"CSV: header {figures['header']!r}; {rows:,} rows (expected {expected:,}), "
          f"{figures['bytes'] / 1e6:.1f} MB")
    print(f"CSV: first byte {figures['first_byte'] * 1000:.0f} ms, first row "
          f"{figures['first_row'] * 1000:.0f} ms, total {figures['total']:.1f} s "
          f"({rows / figures['total']:,.0f} rows/s)")
    print(f"worker RSS: baseline {baseline:.1f} MB, peak (VmHWM) {peak:.1f} MB, sampled max "
          f"{max(samples, default=0):.1f} MB over {len(samples)} samples")
    print(figures["cpu"])
    print("\n".join(figures["pages"]))
    complete = rows == expected and figures["header"].startswith("organisation,ods_code")
    if not complete:
        print("WARNING: the CSV does not hold exactly the published outcomes")
    return result_line(NAME, peak, "MB", baseline, TARGET_TEXT, complete and peak < TARGET_MB)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows")
    parser.add_argument("--rows", type=int, help=f"published outcomes (default {FULL_ROWS:,})")
    args = parser.parse_args()
    args.rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    return run_and_report(NAME, "MB", TARGET_TEXT, 300 + args.rows // 1000, run, args)


if __name__ == "__main__":
    sys.exit(main())
