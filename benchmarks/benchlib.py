"""Shared pieces of the benchmarks: a throw-away PostgreSQL database, realistic
notification bodies (contract v1, see /work/shared/DESIGN.md) and the signature.

Everything here talks to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/11"
SECRET_KEY = "bench"
WEBHOOK_SECRET = "bench-secret"
SMTP_URL = "smtp://127.0.0.1:2525"  # production settings need one; nothing is mailed here

# 45 requirement ids of the IG Toolkit (v13 general practice / care views, as numbered there)
REQUIREMENT_IDS = (
    "110", "111", "112", "114", "115", "116", "117",
    "200", "201", "202", "203", "205", "206", "207", "208", "209", "210",
    "300", "301", "302", "303", "304", "305", "307", "308", "309", "310", "311", "313",
    "314", "316", "317", "318", "319", "320", "321", "322", "323", "324",
    "400", "401", "402", "404", "405", "406",
)
assert len(REQUIREMENT_IDS) == 45
APPLICATION_TYPES = ("N3", "S251", "PCMD", "DARS")
# org type, share of organisations, whether it ever applies for anything
ORG_TYPES = (
    ("Care Home", 0.30, True),
    ("GP Practice", 0.25, True),
    ("Pharmacy", 0.15, True),
    ("Voluntary Sector", 0.08, True),
    ("Research Organisation", 0.07, True),
    ("Local Authority", 0.05, True),
    ("CCG", 0.06, False),   # publishes, applies for nothing: no case by default
    ("CSU", 0.04, False),
)
PLAN_ACTIONS = ("Train remaining staff", "Complete the information asset register",
                "Update the confidentiality code of conduct", "Run a records audit",
                "Appoint a Caldicott Guardian deputy", "Test the business continuity plan")
PLAN_OWNERS = ("Registered Manager", "Practice Manager", "IG Lead", "Caldicott Guardian",
               "Superintendent Pharmacist")
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "The Green")
TOWNS = ("EX", "LS", "M", "B", "NE", "CB", "OX", "TR", "PL", "BS")


# --------------------------------------------------------------------------- database


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def sqlalchemy_url(dbname: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"


def libpq_dsn(dbname: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{dbname}"


def create_database(dbname: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')


def drop_database(dbname: str) -> None:
    """Drop it even while something still holds a connection (PostgreSQL 13+)."""
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def app_overrides(dbname: str, instance_path: str) -> dict:
    return {"database_url": sqlalchemy_url(dbname), "redis_url": REDIS_URL,
            "instance_path": instance_path, "secret_key": SECRET_KEY,
            "webhook_secret": WEBHOOK_SECRET, "smtp_url": SMTP_URL}


def session_id(user_id: int, generation: int = 0) -> str:
    """What a log-in keeps in the session for a user seeded with ``generation`` (0 when new)."""
    from backoffice.users.models import SESSION_ID_SEPARATOR

    return f"{user_id}{SESSION_ID_SEPARATOR}{generation}"


def make_app(dbname: str, instance_path: str):
    from backoffice import create_app

    return create_app(app_overrides(dbname, instance_path))


def migrate(app) -> None:
    """Build the schema with the project's Alembic migrations."""
    import flask_migrate

    with app.app_context():
        flask_migrate.upgrade()


class Deadline(Exception):
    """The benchmark ran over its time limit."""


def _interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def cleanup_on_signals() -> None:
    """SIGTERM and SIGINT (even when started in the background) unwind through the
    try/finally blocks, so gunicorn and the database are removed."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _interrupted)


@contextlib.contextmanager
def time_limit(seconds: int):
    """Raise Deadline in the main thread after ``seconds`` (SIGALRM); cleanup still runs."""
    def expire(_signum, _frame):
        raise Deadline(f"the benchmark ran over its {seconds} s limit")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def scratch(prefix: str):
    """A temporary directory and a uniquely named database, both removed at the end."""
    dbname = unique_name(prefix)
    with tempfile.TemporaryDirectory(prefix=prefix + "-") as tmp:
        created = False
        try:
            create_database(dbname)
            created = True
            print(f"database {dbname} created; scratch dir {tmp}", flush=True)
            yield dbname, Path(tmp)
        finally:
            if created:
                drop_database(dbname)
                print(f"database {dbname} dropped", flush=True)


# --------------------------------------------------------------------------- organisations


@dataclass
class Org:
    ods_code: str
    name: str
    org_type: str
    applies: bool
    postcode: str
    registered: bool = True


def _ods_code(rng: random.Random, org_type: str) -> str:
    letters = "ABCDEFGHJKLMNPQRSTVWXY"
    if org_type == "GP Practice":
        return rng.choice(letters) + f"{rng.randrange(100000):05d}"
    if org_type == "Pharmacy":
        return "F" + rng.choice(letters) + f"{rng.randrange(1000):03d}"
    if org_type in ("CCG", "CSU"):
        return f"{rng.randrange(10, 99)}" + rng.choice(letters) + f"{rng.randrange(100):02d}"
    return (str(rng.randrange(1, 10)) + rng.choice(letters) + rng.choice(letters)
            + f"{rng.randrange(100):02d}")


def _postcode(rng: random.Random) -> str:
    return (f"{rng.choice(TOWNS)}{rng.randrange(1, 30)} "
            f"{rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}")


def make_organisations(rng: random.Random, count: int, *, taken: set[str],
                       registered: bool = True) -> list[Org]:
    kinds = [k for k, _, _ in ORG_TYPES]
    weights = [w for _, w, _ in ORG_TYPES]
    applies = {k: a for k, _, a in ORG_TYPES}
    orgs = []
    while len(orgs) < count:
        kind = rng.choices(kinds, weights)[0]
        code = _ods_code(rng, kind)
        if code in taken:
            continue
        taken.add(code)
        orgs.append(Org(code, f"{rng.choice(('Rosewood', 'Oakfield', 'Riverside', 'Meadow'))}"
                        f" {kind} {len(orgs) + 1}", kind, applies[kind], _postcode(rng),
                        registered))
    return orgs


def register_organisations(dbname: str, orgs: list[Org]) -> None:
    """Bulk insert straight into organisations (setup, not timed)."""
    now = datetime.now(UTC)
    rows = [(o.ods_code, o.name, o.org_type, f"1 {STREETS[i % len(STREETS)]}", o.postcode,
             now, now) for i, o in enumerate(orgs) if o.registered]
    with psycopg.connect(libpq_dsn(dbname)) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO organisations (ods_code, name, org_type, address, postcode,"
            " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


# --------------------------------------------------------------------------- bodies


@dataclass
class BodyFactory:
    """Realistic contract bodies; ``applications_share`` of the applying orgs' ones apply."""

    rng: random.Random
    applications_share: float = 0.88
    not_relevant_share: float = 0.05
    new_application_share: float = 0.1
    _standing: dict[str, list[dict]] = field(default_factory=dict)

    def requirements(self) -> list[dict]:
        rng = self.rng
        result = []
        for requirement_id in REQUIREMENT_IDS:
            if rng.random() < self.not_relevant_share:
                result.append({"id": requirement_id, "not_relevant": True})
            else:
                level = rng.choices((0, 1, 2, 3), (0.04, 0.10, 0.46, 0.40))[0]
                result.append({"id": requirement_id, "level": level})
        return result

    def plan(self, requirements: list[dict], reporting_start: int) -> list[dict]:
        rng = self.rng
        below = [r["id"] for r in requirements if r.get("level", 3) < 2]
        return [{"requirement": rid, "action": rng.choice(PLAN_ACTIONS),
                 "owner": rng.choice(PLAN_OWNERS),
                 "target_date": f"{reporting_start + 2}-03-{rng.choice((1, 15, 31)):02d}"}
                for rid in below if rng.random() < 0.7]

    def applications(self) -> list[dict]:
        rng = self.rng
        chosen = rng.sample(APPLICATION_TYPES, rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0])
        refs = {"N3": lambda: f"IGSOC-{rng.randrange(10000, 99999)}",
                "S251": lambda: (f"CAG {rng.randrange(1, 10)}-{rng.randrange(1, 12):02d}"
                                 f"({rng.choice('abc')})/{rng.randrange(2010, 2016)}"),
                "PCMD": lambda: f"PCMD-{rng.choice(('E06', 'E08', 'E09'))}{rng.randrange(1000)}",
                "DARS": lambda: f"DARS-NIC-{rng.randrange(100000, 999999)}-"
                                f"{rng.randrange(10000, 99999)}"}
        return [{"type": kind, "reference": refs[kind]()} for kind in chosen]

    def applications_of(self, org: Org) -> list[dict]:
        """An organisation's standing applications, repeated by its republications."""
        if not org.applies or self.rng.random() >= self.applications_share:
            return []
        standing = self._standing.setdefault(org.ods_code, self.applications())
        if self.rng.random() < self.new_application_share:
            return standing + self.applications()[:1]
        return list(standing)

    def body(self, org: Org, notification_id: str, published_at: datetime,
             version: int = 13) -> dict:
        rng = self.rng
        start = 2002 + version  # v13 is 2015/16
        requirements = self.requirements()
        applications = self.applications_of(org)
        covers = ([{"name": f"Cohort study {rng.randrange(100)}",
                    "reference": a["reference"]} for a in applications if a["type"] == "S251"])
        return {
            "notification_id": notification_id,
            "published_at": published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "organisation": {"ods_code": org.ods_code, "name": org.name,
                             "org_type": org.org_type, "postcode": org.postcode},
            "assessment": {"toolkit_version": version,
                           "reporting_year": f"{start}/{(start + 1) % 100:02d}",
                           "requirements": requirements,
                           "improvement_plan": self.plan(requirements, start),
                           "covers": covers},
            "applications": applications,
        }


def publication_time(rng: random.Random, version: int) -> datetime:
    """Somewhere in the reporting year, bunched towards the 31 March deadline."""
    end = datetime(2003 + version, 3, 31, 18, tzinfo=UTC)
    days_before = min(rng.expovariate(1 / 40), 330)
    return end - timedelta(days=days_before, seconds=rng.randrange(86400))


def encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(", ", ": ")).encode()


# --------------------------------------------------------------------------- signing


def signed_headers(raw: bytes, secret: str = WEBHOOK_SECRET,
                   timestamp: int | None = None) -> dict[str, str]:
    """As tests.payloads.signed_headers: HMAC-SHA256 over "<timestamp>.<body>"."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-IGT-Timestamp": stamp,
            "X-IGT-Signature": "sha256=" + digest}


def result_line(name: str, figure: float, unit: str, baseline: float, target: str,
                passed: bool) -> str:
    ratio = figure / baseline if baseline else 0.0
    return (f"RESULT {name} {figure:.1f} {unit} baseline={baseline:.1f} ratio={ratio:.3f} "
            f"target={target} {'PASS' if passed else 'FAIL'}")


# --------------------------------------------------------------------------- machine load


def _proc_cpu(pid: str) -> tuple[float, int, str]:
    """(CPU seconds, parent pid, command line) of a live process; raises OSError if gone."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, int(fields[1]), cmdline


def _processes() -> dict[int, tuple[float, int, str]]:
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                table[int(name)] = _proc_cpu(name)
    return table


def _busy_seconds() -> float:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMonitor:
    """Who used the CPUs during a measurement: this benchmark, its PostgreSQL backends, others.

    The machine is shared; other work running at the same time skews the figures, so
    the benchmarks print this next to them.
    """

    def __init__(self, dbname: str):
        self.dbname = dbname
        self.wall = time.monotonic()
        self.busy = _busy_seconds()
        self.table = _processes()
        times = os.times()
        self.children = times.children_user + times.children_system

    def _ours(self, table: dict[int, tuple[float, int, str]]) -> set[int]:
        ours = {os.getpid()}
        grew = True
        while grew:
            before = len(ours)
            ours |= {pid for pid, (_, parent, _) in table.items() if parent in ours}
            grew = len(ours) != before
        return ours

    def _delta(self, pid: int, cpu: float) -> float:
        start = self.table.get(pid)
        return cpu - start[0] if start else cpu

    def _busiest(self, table, skip: set[int]) -> str:
        others: dict[str, float] = {}
        for pid, (cpu, _, cmd) in table.items():
            if pid in skip:
                continue
            name = cmd.split(" ")[0].rsplit("/", 1)[-1] if cmd else "?"
            if "pytest" in cmd:
                name = "pytest"
            elif cmd.startswith("postgres:"):
                name = "postgres (other databases)"
            others[name] = others.get(name, 0.0) + max(0.0, self._delta(pid, cpu))
        return ", ".join(f"{name} {seconds:.1f}" for name, seconds in
                         sorted(others.items(), key=lambda i: -i[1])[:4] if seconds >= 0.1)

    def report(self, label: str) -> str:
        table = _processes()
        wall = time.monotonic() - self.wall
        busy = _busy_seconds() - self.busy
        times = os.times()
        mine = self._ours(table)
        ours = times.children_user + times.children_system - self.children
        ours += sum(self._delta(pid, table[pid][0]) for pid in mine)
        backend_pids = {pid for pid, (_, _, cmd) in table.items()
                        if cmd.startswith("postgres:") and f" {self.dbname} " in cmd}
        backends = sum(self._delta(pid, table[pid][0]) for pid in backend_pids)
        elsewhere = max(0.0, busy - ours - backends)
        with open("/proc/loadavg") as handle:
            load = handle.read().split()[0]
        return (f"CPU during {label}: {os.cpu_count()} CPUs x {wall:.1f} s; busy {busy:.1f} "
                f"CPU-s = this benchmark {ours:.1f} + its PostgreSQL backends {backends:.1f} "
                f"+ everything else {elsewhere:.1f} (load average {load}; other busy "
                f"processes, CPU-s: {self._busiest(table, mine | backend_pids) or 'none'})")


def run_and_report(name: str, unit: str, target_text: str, seconds: int, run, args) -> int:
    """Run a benchmark under a time limit; any failure is reported as a FAIL line."""
    cleanup_on_signals()
    try:
        with time_limit(seconds):
            line = run(args)
    except BaseException:  # report any failure as a FAIL line, after cleanup
        traceback.print_exc()
        sys.stderr.flush()
        line = f"RESULT {name} 0 {unit} baseline=0 ratio=0 target={target_text} FAIL"
    print(line, flush=True)
    return 0 if line.endswith("PASS") else 1
