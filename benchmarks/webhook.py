"""Webhook throughput and latency: signed POST /api/v1/notifications under gunicorn.

    .venv/bin/python benchmarks/webhook.py            # 30 s per target
    .venv/bin/python benchmarks/webhook.py --quick    # 5 s per target
    .venv/bin/python benchmarks/webhook.py --worker-class gthread --threads 4

gunicorn (2 workers, same settings for both) serves first the baseline, a bare Flask app
whose one POST endpoint answers 202 (benchmarks/bare_app.py), then the product
(wsgi:app) on its own throw-away PostgreSQL database. A separate load generator
(``--connections`` processes, each with one HTTP/1.1 connection, reconnecting when the
server closes it) sends signed contract bodies with unique notification_ids for the
same duration to each and records every request's latency and status.
Targets: >= 0.5x the bare rate, p99 < 50 ms, 0 errors (non-2xx or connection error).

The webhook stores and answers; processing is the worker's. After the window the
benchmark processes what was stored with the worker job's loop, in this process,
reports that drain time (no target) and checks every 2xx was stored and every
stored notification processed once into the right number of cases.
"""

from __future__ import annotations

import benchpath  # noqa: F401  (first: the standard library's queue, not ours)

# isort: split

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from benchlib import (
    PROJECT_ROOT,
    REDIS_URL,
    SECRET_KEY,
    SMTP_URL,
    WEBHOOK_SECRET,
    BodyFactory,
    CpuMonitor,
    encode,
    libpq_dsn,
    make_app,
    make_organisations,
    migrate,
    register_organisations,
    result_line,
    run_and_report,
    scratch,
    signed_headers,
    sqlalchemy_url,
)

NAME = "webhook"
PATH = "/api/v1/notifications"
TARGET_TEXT = '"≥0.5x bare, p99<50ms, 0 errors"'
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
WORKERS = 2
HOST = "127.0.0.1"
PLACEHOLDER = "@@NOTIFICATION_ID@@"
TEMPLATES_PER_CONNECTION = 300
WARMUP_SECONDS = 1.0
REQUEST_TIMEOUT = 10.0


# --------------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    label: str
    process: subprocess.Popen
    port: int
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def start_gunicorn(label: str, app_spec: str, chdir: Path, env: dict[str, str], args,
                   log_path: Path) -> Server:
    port = free_port()
    command = [str(PROJECT_ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(WORKERS),
               "--bind", f"{HOST}:{port}", "--worker-class", args.worker_class,
               "--chdir", str(chdir), "--log-level", "warning", "--timeout", "30"]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    if args.keep_alive is not None:
        command += ["--keep-alive", str(args.keep_alive)]
    command.append(app_spec)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=str(chdir), env={**os.environ, **env},
                                   stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    print(f"{label}: gunicorn pid {process.pid} on {HOST}:{port} "
          f"({WORKERS} {args.worker_class} workers"
          + (f" x {args.threads} threads" if args.worker_class == "gthread" else "") + ")",
          flush=True)
    return Server(label, process, port, log_path)


def stop_gunicorn(server: Server) -> None:
    """TERM the process group this script started (gunicorn and its workers), then KILL."""
    if server.process.poll() is None:
        for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(server.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                server.process.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
    # the workers share the group: make sure none outlives the arbiter
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    print(f"{server.label}: gunicorn stopped", flush=True)


def probe(server: Server, method: str, path: str, body: bytes = b"",
          headers: dict | None = None) -> int | None:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=2)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_ready(server: Server, method: str, path: str, want: int, body: bytes = b"",
               timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.label}: gunicorn exited ({server.process.returncode})"
                               f"\n{server.log_tail()}")
        headers = signed_headers(body) if body else None
        if probe(server, method, path, body, headers) == want:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{server.label}: not ready after {timeout:.0f} s\n{server.log_tail()}")


# --------------------------------------------------------------------------- load generator


@dataclass
class LoadSpec:
    port: int
    templates: list[tuple[bytes, bytes]]
    id_prefix: str
    start_at: float   # time.monotonic(), shared by all processes on Linux
    warmup: float
    duration: float


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)   # measured window, 2xx only
    statuses: dict[int, int] = field(default_factory=dict)  # measured window; 0 = conn error
    warmup_errors: int = 0
    examples: list[str] = field(default_factory=list)
    sent: int = 0
    answered_2xx: int = 0   # warm-up included: every one must be stored


def _send(conn: http.client.HTTPConnection, raw: bytes) -> tuple[int, bytes]:
    conn.request("POST", PATH, body=raw, headers=signed_headers(raw, WEBHOOK_SECRET))
    response = conn.getresponse()
    return response.status, response.read()


def _one(conn, spec: LoadSpec, serial: int) -> tuple[int, float, str | None]:
    prefix, suffix = spec.templates[serial % len(spec.templates)]
    raw = prefix + f"{spec.id_prefix}-{serial}".encode() + suffix
    started = time.perf_counter()
    try:
        status, answer = _send(conn, raw)
        problem = None if 200 <= status < 300 else f"{status} {answer[:200]!r}"
    except (OSError, http.client.HTTPException) as error:
        status, problem = 0, f"connection error: {error!r}"
        conn.close()
    return status, time.perf_counter() - started, problem


def load_worker(spec: LoadSpec, results) -> None:
    """One connection, back to back requests until the window closes."""
    result = LoadResult()
    conn = http.client.HTTPConnection(HOST, spec.port, timeout=REQUEST_TIMEOUT)
    measure_from = spec.start_at + spec.warmup
    end = measure_from + spec.duration
    while time.monotonic() < spec.start_at:
        time.sleep(0.005)
    serial = 0
    while (began := time.monotonic()) < end:
        serial += 1
        status, latency, problem = _one(conn, spec, serial)
        if problem and len(result.examples) < 5:
            result.examples.append(problem)
        result.answered_2xx += problem is None
        if began < measure_from:
            result.warmup_errors += problem is not None
            continue
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if problem is None:
            result.latencies.append(latency)
    conn.close()
    result.sent = serial
    results.put(result)


def make_templates(seed: int, orgs, count: int) -> list[tuple[bytes, bytes]]:
    """Contract bodies split around the notification_id, which each request fills in."""
    rng = random.Random(seed)
    factory = BodyFactory(rng)
    templates = []
    now = datetime.now(UTC)
    for _ in range(count):
        org = rng.choice(orgs)
        published = now - timedelta(seconds=rng.randrange(3600))
        raw = encode(factory.body(org, PLACEHOLDER, published))
        prefix, _, suffix = raw.partition(PLACEHOLDER.encode())
        templates.append((prefix, suffix))
    return templates


@dataclass
class RunStats:
    label: str
    duration: float
    ok: int
    statuses: dict[int, int]
    warmup_errors: int
    latencies: list[float]
    examples: list[str]
    answered_2xx: int = 0
    cpu: str = ""

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if not 200 <= s < 300) + \
            self.warmup_errors

    @property
    def rate(self) -> float:
        return self.ok / self.duration

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("inf")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def describe(self) -> list[str]:
        return [
            f"{self.label}: {self.ok} 2xx in {self.duration:.0f} s = {self.rate:.1f} req/s; "
            f"statuses {dict(sorted(self.statuses.items()))} (0 = connection error)",
            f"{self.label}: latency p50={self.percentile(0.50):.1f} ms "
            f"p95={self.percentile(0.95):.1f} ms p99={self.percentile(0.99):.1f} ms "
            f"max={self.percentile(1.0):.1f} ms",
            f"{self.label}: errors={self.errors} (measured window "
            f"{self.errors - self.warmup_errors}, warm-up {self.warmup_errors})",
        ] + [f"{self.label}: error example: {e}" for e in self.examples] + \
            ([f"{self.label}: {self.cpu}"] if self.cpu else [])


def run_load(label: str, port: int, orgs, args, run_id: str) -> RunStats:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.monotonic() + 2.0  # time for the children to start
    workers = []
    for index in range(args.connections):
        spec = LoadSpec(port, make_templates(1000 + index, orgs,
                                             TEMPLATES_PER_CONNECTION),
                        f"WH-{run_id}-{label[:4]}-{index}", start_at, WARMUP_SECONDS,
                        args.duration)
        process = context.Process(target=load_worker, args=(spec, results), daemon=True)
        process.start()
        workers.append(process)
    collected = []
    try:
        limit = start_at + WARMUP_SECONDS + args.duration + REQUEST_TIMEOUT + 20
        while len(collected) < len(workers) and time.monotonic() < limit:
            try:
                collected.append(results.get(timeout=1))
            except Exception:  # queue.Empty: keep waiting until the limit
                continue
    finally:
        for process in workers:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
    if len(collected) < len(workers):
        raise RuntimeError(f"{label}: only {len(collected)} of {len(workers)} load "
                           "processes reported")
    statuses: dict[int, int] = {}
    for result in collected:
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return RunStats(label, args.duration, sum(n for s, n in statuses.items() if 200 <= s < 300),
                    statuses, sum(r.warmup_errors for r in collected),
                    [x for r in collected for x in r.latencies],
                    [e for r in collected for e in r.examples][:5],
                    sum(r.answered_2xx for r in collected))


# --------------------------------------------------------------------------- the product side


def product_env(dbname: str, instance: Path) -> dict[str, str]:
    return {"BACKOFFICE_DATABASE_URL": sqlalchemy_url(dbname),
            "BACKOFFICE_REDIS_URL": REDIS_URL, "BACKOFFICE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "BACKOFFICE_SECRET_KEY": SECRET_KEY, "BACKOFFICE_SMTP_URL": SMTP_URL,
            "BACKOFFICE_INSTANCE_PATH": str(instance)}


def database_report(dbname: str) -> list[str]:
    """What the product stored, as answered (before any processing)."""
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        statuses = conn.execute("SELECT status, count(*) FROM notifications GROUP BY status "
                                "ORDER BY status").fetchall()
    return [f"database after the window: notifications {dict(statuses)}"]


def drain(dbname: str, instance: Path) -> tuple[float, int]:
    """Process what the window stored, in this process, with the worker job's own code."""
    app = make_app(dbname, str(instance))
    with app.app_context():
        from backoffice.extensions import db
        from backoffice.notifications import handling

        started = time.perf_counter()
        processed = handling.process_pending(db.session)
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    return elapsed, processed


def expected_outcome(dbname: str, registered: set[str]) -> dict[str, int]:
    """From the stored bodies: processed and unmatched notifications, and the cases due
    (one per registered organisation with an application; no review rules are set)."""
    processed = unmatched = 0
    applying: set[str] = set()
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        for (raw,) in conn.execute("SELECT raw_body FROM notifications"):
            body = json.loads(bytes(raw))
            code = body["organisation"]["ods_code"]
            if code not in registered:
                unmatched += 1
                continue
            processed += 1
            if body["applications"]:
                applying.add(code)
    return {"processed": processed, "unmatched": unmatched, "cases": len(applying)}


def outcome_problems(dbname: str, expected: dict[str, int], answered: int) -> list[str]:
    """Every 2xx stored once, every stored notification processed once, the right cases."""
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM notifications "
                                     "GROUP BY status").fetchall())
        cases, per_organisation = conn.execute(
            "SELECT count(*), coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM cases "
            "GROUP BY organisation_id) AS c").fetchone()
        assessments = conn.execute("SELECT count(*) FROM assessments").fetchone()[0]
    found = {"processed": statuses.get("processed", 0),
             "unmatched": statuses.get("unmatched", 0), "cases": cases}
    problems = []
    if sum(statuses.values()) != answered:
        problems.append(f"{answered} answered 2xx but {sum(statuses.values())} stored")
    if found != expected or set(statuses) - {"processed", "unmatched"}:
        problems.append(f"expected {expected}, found {found}, statuses {statuses}")
    if assessments != found["processed"] or per_organisation > 1:
        problems.append(f"{assessments} assessments for {found['processed']} processed; "
                        f"at most {per_organisation} cases per organisation")
    return problems


def drop_wakeup_jobs() -> int:
    """The product enqueued process_pending jobs for a worker that never ran: remove them."""
    import redis
    from rq import Queue

    from backoffice.notifications.wakeup import PENDING_KEY, PROCESS_PENDING_JOB

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    removed = 0
    for job in Queue("default", connection=client).get_jobs():
        if job.func_name == PROCESS_PENDING_JOB:
            job.delete()
            removed += 1
    client.delete(PENDING_KEY)
    return removed


def log_problems(server: Server) -> list[str]:
    text = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    failures = text.count("processing failed")
    tracebacks = text.count("Traceback")
    if not (failures or tracebacks):
        return []
    return [f"WARNING: {server.label} log: {tracebacks} tracebacks, {failures} 'processing "
            f"failed' (see {server.log_path}):", server.log_tail(15)]


# --------------------------------------------------------------------------- the run


def measure(label: str, app_spec: str, chdir: Path, env: dict, args, tmp: Path, orgs,
            ready: tuple, dbname: str) -> tuple[RunStats, Server]:
    server = start_gunicorn(label, app_spec, chdir, env, args, tmp / f"{label}.log")
    try:
        wait_ready(server, *ready)
        monitor = CpuMonitor(dbname)
        stats = run_load(label, server.port, orgs, args, f"{os.getpid()}{int(time.time())}")
        stats.cpu = monitor.report(f"the {label} run")
    finally:
        stop_gunicorn(server)
    return stats, server


def run(args) -> str:
    rng = random.Random(20160330)
    taken: set[str] = set()
    registered = make_organisations(rng, args.organisations, taken=taken)
    unknown = make_organisations(rng, max(5, args.organisations // 50), taken=taken,
                                 registered=False)
    # about 2% of requests name an organisation nobody has registered yet (unmatched, 202)
    orgs = registered * 49 + unknown * (len(registered) // len(unknown))
    print(f"load generator: {args.connections} processes x 1 connection each, "
          f"{args.duration:.0f} s per target after {WARMUP_SECONDS:.0f} s warm-up; "
          f"{len(registered)} registered organisations, {len(unknown)} unknown ODS codes; "
          f"machine has {os.cpu_count()} CPUs shared by load generator, gunicorn and "
          "PostgreSQL", flush=True)
    probe_body = encode({"probe": True})
    with scratch("bench_webhook") as (dbname, tmp):
        app = make_app(dbname, str(tmp / "migrate-instance"))
        migrate(app)
        with app.app_context():
            from backoffice.extensions import db

            db.engine.dispose()
        register_organisations(dbname, registered)

        bare, _ = measure("bare", "bare_app:app", PROJECT_ROOT / "benchmarks", {}, args, tmp,
                          orgs, ("POST", PATH, 202, probe_body), dbname)
        env = product_env(dbname, tmp / "instance")
        product, server = measure("product", "wsgi:app", PROJECT_ROOT, env, args, tmp, orgs,
                                  ("GET", "/healthz", 200), dbname)
        for line in bare.describe() + product.describe():
            print(line)
        for line in database_report(dbname) + log_problems(server):
            print(line)
        print(f"removed {drop_wakeup_jobs()} process_pending job(s) from {REDIS_URL}; "
              "draining in this process", flush=True)
        seconds, drained = drain(dbname, tmp / "instance")
        problems = outcome_problems(dbname, expected_outcome(
            dbname, {org.ods_code for org in registered}), product.answered_2xx)
        print(f"drain (no target): {drained} notifications processed in {seconds:.1f} s "
              f"({drained / max(seconds, 1e-9):.0f}/s) by handling.process_pending, "
              "the worker job's loop")
        for problem in problems:
            print(f"WARNING: {problem}")
    p99 = product.percentile(0.99)
    passed = (product.rate >= TARGET_RATIO * bare.rate and p99 < TARGET_P99_MS
              and product.errors == 0 and bare.errors == 0 and not problems)
    print(f"product/bare = {product.rate / bare.rate:.3f} (target ≥{TARGET_RATIO}), "
          f"p99 = {p99:.1f} ms (target <{TARGET_P99_MS:.0f}), errors product={product.errors} "
          f"bare={bare.errors} (target 0); outcome checks "
          f"{'passed' if not problems else 'FAILED'}")
    return result_line(NAME, product.rate, "req/s", bare.rate, TARGET_TEXT, passed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s per target instead of 30 s")
    parser.add_argument("--duration", type=float, help="seconds per target (default 30, quick 5)")
    parser.add_argument("--connections", type=int, default=4,
                        help="load processes, one keep-alive connection each (default 4)")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--keep-alive", type=int,
                        help="gunicorn's --keep-alive seconds (0: close after each request)")
    parser.add_argument("--organisations", type=int, default=1000)
    args = parser.parse_args()
    args.duration = min(args.duration or (5.0 if args.quick else 30.0), 600.0)
    # the drain after the window processes everything stored: allow for it
    return run_and_report(NAME, "req/s", TARGET_TEXT, int(24 * args.duration + 300), run,
                          args)

if __name__ == "__main__":
    sys.exit(main())
