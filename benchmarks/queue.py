"""Queue benchmark: the reviewers' case list at 1,000,000 cases against 10,000.

Server time of ``GET /admin/case/`` through the Flask test client, as a logged-in
reviewer: the first page and a page deep in the list, with and without filters.
Baseline: a stock Flask-Admin ModelView over the same table (count(*) + OFFSET) in
the same run. Targets: p95 < 100 ms at 1M and p95 at 1M <= 1.5x p95 at 10k.
"""

from __future__ import annotations

import benchpath  # noqa: F401  (first: the standard library's queue, not ours)

# isort: split

import argparse
import statistics
import sys
import time

import psycopg
from benchlib import (
    libpq_dsn,
    make_app,
    migrate,
    result_line,
    run_and_report,
    scratch,
    session_id,
)
from pages import p95, time_requests

NAME = "queue"
TARGET_MS = 100.0
TARGET_GROWTH = 1.5
TARGET_TEXT = '"p95 < 100 ms at 1M cases and <= 1.5x the p95 at 10k"'
REVIEWERS = 20
OPEN_STATUSES = ("unassigned", "in_review", "awaiting_information", "awaiting_sign_off",
                 "sending_letters")
GROUPS = (("N3", "IGSoC"), ("S251", "CAG"), ("DARS", "DAAG"), ("PCMD", "DAAG"))

# Two cases per organisation: the first closed, the second open three times in five.
# Reasons: N3/IGSoC half of the cases, S251/CAG a quarter, DARS/DAAG 15%, PCMD/DAAG 10%.
SEED_SQL = """
INSERT INTO organisations (ods_code, name, org_type, address, postcode, created_at, updated_at)
SELECT 'Q' || lpad(g::text, 7, '0'), 'Organisation ' || g,
       (ARRAY['Care Home','GP Practice','Pharmacy','Voluntary Sector','CCG','CSU'])[1 + g % 6],
       '', 'EX1 1AA', now(), now()
FROM generate_series(1, {orgs}) AS g;

INSERT INTO cases (reference, organisation_id, status, opened_at, due_date, republished,
                   assigned_to_id, outcome_reasons, plan_accepted, paused_working_days, version,
                   created_at, updated_at)
SELECT 'R-' || (2014 + g / 400000) || '-' || lpad(g::text, 7, '0'),
       (SELECT min(id) FROM organisations) + (g - 1) / 2,
       s.status,
       s.opened,
       (s.opened + interval '14 days')::date,
       g % 9 = 0,
       CASE WHEN s.status = 'unassigned' THEN NULL
            ELSE (SELECT min(id) FROM users) + g / 2 % {reviewers} END,
       '', false, 0, 1, now(), now()
FROM generate_series(1, {cases}) AS g
CROSS JOIN LATERAL (
    SELECT CASE WHEN g % 2 = 1 OR hashint4(g) % 5 IN (0, 1) THEN 'closed'
                ELSE ({statuses})[1 + abs(hashint4(g + 7)) % 5] END AS status,
           timestamptz '2015-01-01' + (g::float / {cases}) * interval '700 days'
               + CASE WHEN g % 2 = 1 THEN interval '0' ELSE interval '30 days' END AS opened
) AS s;

INSERT INTO case_reasons (case_id, application_type, reference, approval_group)
SELECT id, ({types})[k], 'APP-' || id, ({groups})[k]
FROM (SELECT id, (ARRAY[1,1,1,1,1,1,1,1,1,1,2,2,2,2,2,3,3,3,4,4])[1 + abs(hashint4(id)) % 20]
      AS k FROM cases) AS weighted;
INSERT INTO case_reasons (case_id, application_type, reference, approval_group)
SELECT id, 'S251', 'CAG ' || id, 'CAG' FROM cases WHERE abs(hashint4(id + 3)) % 7 = 0;
"""


def seed(dbname: str, cases: int) -> None:
    """Bulk-load ``cases`` cases (not timed) and refresh the planner's statistics."""
    with psycopg.connect(libpq_dsn(dbname), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (email, name, role, password_hash, active, created_at, updated_at)"
            " SELECT 'reviewer' || g || '@example.org', 'Reviewer ' || g, 'reviewer', 'x',"
            " true, now(), now() FROM generate_series(1, %s) AS g", (REVIEWERS,))
        conn.execute(SEED_SQL.format(  # our own constants only: no outside input
            orgs=(cases + 1) // 2, cases=cases, reviewers=REVIEWERS,
            statuses=_array(OPEN_STATUSES), types=_array(t for t, _ in GROUPS),
            groups=_array(g for _, g in GROUPS)))
        conn.execute("VACUUM ANALYZE")


def _array(values) -> str:
    return "ARRAY[" + ",".join(f"'{value}'" for value in values) + "]"


def deep_cursor(dbname: str, where: str, fraction: float) -> tuple:
    """The sort key ``fraction`` of the way down the list (found untimed, with OFFSET)."""
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        total = conn.execute(f"SELECT count(*) FROM cases WHERE {where}").fetchone()[0]
        return conn.execute(
            f"SELECT due_date, opened_at, id FROM cases WHERE {where} "
            "ORDER BY due_date, opened_at, id OFFSET %s LIMIT 1",
            (int(total * fraction),)).fetchone(), int(total * fraction)


def add_stock_view(app):
    """The baseline: Flask-Admin's own ModelView over the same table, same columns."""
    from flask_admin.contrib.sqla import ModelView

    from backoffice.cases.models import Case
    from backoffice.extensions import db

    class StockCaseView(ModelView):
        column_list = ("reference", "organisation", "reasons", "status", "opened_at",
                       "due_date", "republished", "assigned_to")
        column_default_sort = [("due_date", False), ("opened_at", False)]
        column_filters = ("status", "reasons.approval_group")
        page_size = 50

    view = StockCaseView(Case, db, endpoint="stock_case", url="/admin/stock-case")
    app.extensions["admin_views"]["case"].admin.add_view(view)
    return view


def scenarios(dbname: str, app, stock_view) -> tuple[dict[str, str], dict[str, str]]:
    """(product URLs, stock URLs) for each scenario, keyed by a short name."""
    from backoffice.core.keyset import encode_cursor

    product = app.extensions["admin_views"]["case"]
    status = _filter_index(product, "Status", "equals")
    group = _filter_index(product, "Approval group", "equals")
    open_key, open_offset = deep_cursor(dbname, "status <> 'closed'", 0.5)
    review_key, review_offset = deep_cursor(dbname, "status = 'in_review'", 0.5)
    ours = {
        "first page": "/admin/case/",
        "deep page": f"/admin/case/?after={encode_cursor(open_key)}",
        "status filter": f"/admin/case/?flt0_{status}=in_review",
        "status filter, deep": f"/admin/case/?flt0_{status}=in_review"
                               f"&after={encode_cursor(review_key)}",
        "group filter": f"/admin/case/?flt0_{group}=DAAG",
        "my cases": "/admin/case/?view=mine",
    }
    page, review_page = open_offset // 50, review_offset // 50
    status, group = (_filter_index(stock_view, "Status", "equals"),
                     _filter_index(stock_view, "Approval Group", "equals"))
    stock = {
        "first page": "/admin/stock-case/",
        "deep page": f"/admin/stock-case/?page={page}",
        "status filter": f"/admin/stock-case/?flt0_{status}=in_review",
        "status filter, deep": f"/admin/stock-case/?flt0_{status}=in_review&page={review_page}",
        "group filter": f"/admin/stock-case/?flt0_{group}=DAAG",
        "my cases": f"/admin/stock-case/?flt0_{status}=in_review",
    }
    return ours, stock


def _filter_index(view, name: str, operation: str) -> int:
    return next(i for i, f in enumerate(view._filters)
                if str(f.name).endswith(name) and f.operation() == operation)


def measure(size: int, repeats: int, stock_repeats: int) -> tuple[float, float]:
    """(product p95, stock p95) in ms over all scenarios at ``size`` cases."""
    with scratch(f"bench_queue_{size}") as (dbname, tmp):
        app = make_app(dbname, str(tmp / "instance"))
        migrate(app)
        started = time.perf_counter()
        seed(dbname, size)
        print(f"{size:,} cases loaded in {time.perf_counter() - started:.1f} s (not timed)",
              flush=True)
        stock_view = add_stock_view(app)
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id(_reviewer_id(dbname))
            session["_fresh"] = True
        ours, stock = scenarios(dbname, app, stock_view)
        product = time_requests(client, ours, repeats)
        baseline = time_requests(client, stock, stock_repeats)
        _report(size, product, baseline)
        with app.app_context():
            from backoffice.extensions import db

            db.engine.dispose()
    return (p95([t for ts in product.values() for t in ts]),
            p95([t for ts in baseline.values() for t in ts]))


def _reviewer_id(dbname: str) -> int:
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        return conn.execute("SELECT min(id) FROM users").fetchone()[0]


def _report(size: int, product: dict, baseline: dict) -> None:
    print(f"at {size:,} cases (ms: median / p95)  product | stock Flask-Admin")
    for name in product:
        print(f"  {name:22} {statistics.median(product[name]):7.1f} / {p95(product[name]):7.1f}"
              f"  | {statistics.median(baseline[name]):8.1f} / {p95(baseline[name]):8.1f}")
    sys.stdout.flush()


def run(args) -> str:
    small, large = (10_000, 100_000) if args.quick else (10_000, 1_000_000)
    repeats, stock_repeats = (10, 2) if args.quick else (40, 5)
    small_p95, _ = measure(small, repeats, stock_repeats)
    large_p95, stock_p95 = measure(large, repeats, stock_repeats)
    growth = large_p95 / small_p95
    print(f"p95 all scenarios: {small_p95:.1f} ms at {small:,}, {large_p95:.1f} ms at "
          f"{large:,} (growth {growth:.2f}x); stock Flask-Admin at {large:,}: {stock_p95:.1f} ms")
    passed = large_p95 < TARGET_MS and growth <= TARGET_GROWTH
    return result_line(NAME, large_p95, "ms", stock_p95, TARGET_TEXT, passed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 cases instead of 1M")
    args = parser.parse_args()
    return run_and_report(NAME, "ms", TARGET_TEXT, 600 if args.quick else 3600, run, args)


if __name__ == "__main__":
    sys.exit(main())
