"""Publication status benchmark: Reports → Publication status and the public score report
(/reports/assessments) at 1,000,000 assessments of 100,000 organisations against 10,000.

Server time of each page through the Flask test client (the staff screen as a logged-in
reviewer, the public report anonymous): first pages, a page deep in the list (keyset), and
filters. Baseline: the bare keyset query of the public report's first page
(``SELECT ... FROM assessments ORDER BY published_at DESC, id DESC LIMIT 51`` over psycopg)
in the same run. Targets: p95 < 100 ms per page at 1M, and p95 at 1M <= 1.5x p95 at 10k.
"""

from __future__ import annotations

import benchpath  # noqa: F401  (first, as every benchmark)

# isort: split

import argparse
import statistics
import sys
import time

import psycopg
from benchlib import libpq_dsn, make_app, migrate, result_line, run_and_report, scratch
from pages import p95, time_requests

NAME = "publication_status"
TARGET_MS = 100.0
TARGET_GROWTH = 1.5
TARGET_TEXT = '"p95 < 100 ms per page at 1M assessments and <= 1.5x the p95 at 10k"'
PER_ORGANISATION = 10  # assessments per organisation: 1M assessments, 100k organisations

# Each organisation publishes about ten times over three reporting years (versions 11-13);
# a third of the 2015/16 publications come after 31 March. One assessment in five opened
# a case (closed, with an outcome and a reason).
SEED_SQL = """
INSERT INTO users (email, name, role, password_hash, active, created_at, updated_at)
VALUES ('reviewer@example.org', 'Reviewer', 'reviewer', 'x', true, now(), now());

INSERT INTO organisations (ods_code, name, org_type, address, postcode, created_at, updated_at)
SELECT 'P' || lpad(g::text, 7, '0'), 'Organisation ' || g,
       (ARRAY['Care Home','GP Practice','Pharmacy','Voluntary Sector','CCG','CSU'])[1 + g % 6],
       '', 'EX1 1AA', now(), now()
FROM generate_series(1, {orgs}) AS g;

INSERT INTO notifications (notification_id, source, received_at, raw_body, body_sha256,
                           headers, status, errors)
SELECT 'IGT-' || g, 'import', now(), '\\x'::bytea, md5(g::text), '{{}}', 'processed', '[]'
FROM generate_series(1, {assessments}) AS g;

INSERT INTO cases (reference, organisation_id, status, opened_at, due_date, republished,
                   outcome, outcome_at, closed_at, published_at, outcome_reasons,
                   plan_accepted, paused_working_days, version, created_at, updated_at)
SELECT 'R-2016-' || lpad(g::text, 7, '0'), (SELECT min(id) FROM organisations) + g % {orgs},
       'closed', timestamptz '2016-01-01', date '2016-01-20', false,
       (ARRAY['satisfactory','satisfactory_with_plan','unsatisfactory'])[1 + g % 3],
       timestamptz '2016-02-01', timestamptz '2016-02-01', timestamptz '2016-02-01', '', false,
       0, 1, now(), now()
FROM generate_series(1, {assessments} / 5) AS g;

INSERT INTO case_reasons (case_id, application_type, reference, approval_group)
SELECT id, (ARRAY['N3','S251','DARS','PCMD'])[1 + id % 4], 'APP-' || id,
       (ARRAY['IGSoC','CAG','DAAG','DAAG'])[1 + id % 4] FROM cases;

-- What the engine keeps for them: the organisation holds each application it named.
INSERT INTO standing_applications (organisation_id, application_type, reference, case_id,
                                   held_since, created_at, updated_at)
SELECT DISTINCT ON (c.organisation_id, r.application_type) c.organisation_id,
       r.application_type, r.reference, c.id, c.opened_at, now(), now()
FROM case_reasons r JOIN cases c ON c.id = r.case_id;

INSERT INTO assessments (notification_pk, organisation_id, case_id, toolkit_version,
                         reporting_year, published_at, requirements, improvement_plan, covers,
                         applications, flags)
SELECT n.id, (SELECT min(id) FROM organisations) + n.id % {orgs},
       CASE WHEN n.id % 5 = 0 THEN (SELECT min(id) FROM cases) + (n.id / 5 - 1) END,
       11 + y.k, (ARRAY['2013/14','2014/15','2015/16'])[1 + y.k],
       timestamptz '2013-06-01' + y.k * interval '365 days'
           + (abs(hashint4(n.id)) % 400) * interval '1 day' + n.id * interval '1 second',
       '[{{"id": "114", "level": 2}}, {{"id": "117", "level": 1}}, '
       '{{"id": "304", "not_relevant": true}}]',
       '[]', '[]', '[]', '[]'
FROM notifications n CROSS JOIN LATERAL (SELECT (n.id / {orgs}) % 3 AS k) AS y;

-- What the engine and the case lifecycle keep for these publications (as the migration's
-- back-fill): one summary row per organisation and year.
INSERT INTO publication_years (organisation_id, reporting_year, first_published_at,
                               last_published_at, status, toolkit_version, publications,
                               latest_outcome, outcome_at)
SELECT a.organisation_id, a.reporting_year, min(a.published_at), max(a.published_at),
       CASE WHEN min(a.published_at) < (make_date(substr(a.reporting_year, 1, 4)::int + 1, 4, 1)
                                        ::timestamp AT TIME ZONE 'Europe/London')
            THEN 'on_time' ELSE 'late' END,
       (array_agg(a.toolkit_version ORDER BY a.published_at DESC, a.id DESC))[1], count(*),
       (array_agg(c.outcome ORDER BY c.closed_at DESC, c.id DESC)
            FILTER (WHERE c.outcome IS NOT NULL))[1],
       max(c.closed_at) FILTER (WHERE c.outcome IS NOT NULL)
FROM assessments a LEFT JOIN cases c ON c.id = a.case_id AND c.status = 'closed'
GROUP BY a.organisation_id, a.reporting_year;
"""


def seed(dbname: str, assessments: int) -> None:
    """Bulk-load (not timed) and refresh the planner's statistics."""
    with psycopg.connect(libpq_dsn(dbname), autocommit=True) as conn:
        conn.execute(SEED_SQL.format(  # our own constants only: no outside input
            orgs=max(1, assessments // PER_ORGANISATION), assessments=assessments))
        conn.execute("VACUUM ANALYZE")


def _one(dbname: str, sql: str, *params):
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        return conn.execute(sql, params).fetchone()


def scenarios(dbname: str) -> dict[str, str]:
    from backoffice.core.keyset import encode_cursor
    from backoffice.reports.assessments import Cursor

    orgs = _one(dbname, "SELECT count(*) FROM organisations")[0]
    middle = _one(dbname, "SELECT ods_code FROM organisations ORDER BY ods_code "
                          "OFFSET %s LIMIT 1", orgs // 2)[0]
    total = _one(dbname, "SELECT count(*) FROM assessments")[0]
    published_at, ident = _one(dbname, "SELECT published_at, id FROM assessments ORDER BY "
                                       "published_at DESC, id DESC OFFSET %s LIMIT 1",
                               total // 2)
    deep = Cursor(published_at, ident).token()
    status = "/admin/publication-status/?year=2015/16"
    return {
        "status: first page": status,
        "status: deep page": f"{status}&after={encode_cursor((middle,))}",
        "status: late": f"{status}&status=late",
        "status: not published": f"{status}&status=not_published",
        "status: type + application": f"{status}&org_type=Pharmacy&application=S251",
        "public: first page": "/reports/assessments",
        "public: deep page": f"/reports/assessments?after={deep}",
        "public: year": "/reports/assessments?year=2014/15",
        "public: version": "/reports/assessments?version=12",
        "public: type": "/reports/assessments?org_type=Pharmacy",
        "public: ODS code": f"/reports/assessments?q={middle}",
    }


def bare(dbname: str, repeats: int) -> list[float]:
    """The baseline: the public report's first page as one bare query."""
    timings = []
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        for _ in range(repeats + 1):
            started = time.perf_counter()
            conn.execute("SELECT id, organisation_id, toolkit_version, reporting_year, "
                         "published_at, requirements FROM assessments "
                         "ORDER BY published_at DESC, id DESC LIMIT 51").fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return timings[1:]


def measure(size: int, repeats: int) -> tuple[float, float]:
    """(product p95, bare p95) in ms over all scenarios at ``size`` assessments."""
    with scratch(f"bench_pubstatus_{size}") as (dbname, tmp):
        app = make_app(dbname, str(tmp / "instance"))
        migrate(app)
        started = time.perf_counter()
        seed(dbname, size)
        print(f"{size:,} assessments, {size // PER_ORGANISATION:,} organisations loaded in "
              f"{time.perf_counter() - started:.1f} s (not timed)", flush=True)
        client = app.test_client()
        with app.app_context():
            from backoffice.extensions import db
            from backoffice.users.models import User

            user_id = db.session.get(User, _one(dbname, "SELECT min(id) FROM users")[0]).get_id()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        timings = time_requests(client, scenarios(dbname), repeats)
        baseline = bare(dbname, repeats)
        print(f"at {size:,} assessments (ms: median / p95); bare query p95 {p95(baseline):.1f}")
        for name, values in timings.items():
            print(f"  {name:28} {statistics.median(values):7.1f} / {p95(values):7.1f}")
        sys.stdout.flush()
        with app.app_context():
            from backoffice.extensions import db

            db.engine.dispose()
    return p95([t for ts in timings.values() for t in ts]), p95(baseline)


def run(args) -> str:
    small, large = (10_000, 100_000) if args.quick else (10_000, 1_000_000)
    repeats = 5 if args.quick else 30
    small_p95, _ = measure(small, repeats)
    large_p95, bare_p95 = measure(large, repeats)
    growth = large_p95 / small_p95
    print(f"p95 all pages: {small_p95:.1f} ms at {small:,}, {large_p95:.1f} ms at {large:,} "
          f"(growth {growth:.2f}x); bare query at {large:,}: {bare_p95:.1f} ms")
    passed = large_p95 < TARGET_MS and growth <= TARGET_GROWTH
    return result_line(NAME, large_p95, "ms", bare_p95, TARGET_TEXT, passed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="100,000 assessments instead of 1M")
    args = parser.parse_args()
    return run_and_report(NAME, "ms", TARGET_TEXT, 600 if args.quick else 3600, run, args)


if __name__ == "__main__":
    sys.exit(main())
