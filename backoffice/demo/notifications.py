"""About two hundred publications for the demo, fed through the bulk import service."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.demo.contract import with_v11_fields
from backoffice.notifications.importing import import_records
from backoffice.organisations import services as organisations
from backoffice.organisations.services import AdministratorDetails, OrganisationDetails

SEED = 2026
REQUIREMENT_IDS = (
    "101", "105", "110", "111", "112", "114", "115", "116", "117", "200", "201", "202", "203",
    "205", "206", "207", "209", "210", "211", "213", "214", "215", "216", "225", "300", "301",
    "302", "303", "304", "305", "307", "308", "309", "310", "311", "313", "314", "316", "317",
    "318", "319", "320", "321", "323", "324")
EXTRA_KINDS = (
    ("8K", "Care Home", "Voluntary Sector", 60),
    ("FX", "Pharmacy", "Community Pharmacy", 40),
    ("M8", "Medical Centre", "GP Practice", 30),
    ("RT", "Research Team", "Hosted Secondary Use Team/Project", 20),
)
PLACES = ("Oak", "Willow", "Beech", "Cedar", "Elm", "Hazel", "Holly", "Maple", "Rowan", "Ash")
DISTRICTS = ("EX2", "LS6", "BS8", "NR2", "YO10", "DE22", "TR4", "BA2", "LN2", "CA3")
UNKNOWN_CODES = ("8Q901", "8Q902", "FQ903", "8Q904")
REPUBLISHED = 6
REJECTED = 5
DAYS_BACK = 30
# Most publications are recent enough to be within their working-day deadline; a handful
# are older, so the queue shows some overdue cases too.
RECENT_DAYS = 11
OLDER_SHARE = 0.08
# Publishing with no application: recorded, no case (the default review rules).
RECORD_ONLY_TYPES = frozenset({"Clinical Commissioning Group", "Commissioning Support Unit",
                               "NHS England", "NHS Trust"})


def extra_organisations() -> list[OrganisationDetails]:
    """Smaller organisations that publish in the demo, beyond the named register."""
    rng = random.Random(SEED)
    result = []
    for prefix, noun, org_type, count in EXTRA_KINDS:
        for number in range(count):
            place = PLACES[number % len(PLACES)]
            district = DISTRICTS[(number // len(PLACES)) % len(DISTRICTS)]
            result.append(OrganisationDetails(
                ods_code=f"{prefix}{number + 100:03d}", name=f"{place} {noun} {number + 1}",
                org_type=org_type, postcode=f"{district} {rng.randint(1, 9)}AB",
                address=f"{rng.randint(1, 99)} {place} Road",
                administrators=[AdministratorDetails(
                    name=f"Manager {number + 1}",
                    email=f"manager{number + 1}@{prefix.lower()}.example.org")]))
    return result


def ensure_extra_organisations(session: Session) -> None:
    for details in extra_organisations():
        if organisations.find_by_ods(session, details.ods_code) is None:
            organisations.register_organisation(session, actor=SYSTEM_ACTOR, details=details)


def _applications(rng: random.Random, org_type: str) -> list[dict]:
    number = rng.randint(10000, 99999)
    if org_type in {"Research Organisation", "Hosted Secondary Use Team/Project"}:
        choice = rng.choice(("S251", "DARS", "both"))
        apps = []
        if choice in {"S251", "both"}:
            apps.append({"type": "S251", "reference": f"CAG {rng.randint(1, 9)}-"
                                                      f"{rng.randint(1, 30):02d}(b)/2026"})
        if choice in {"DARS", "both"}:
            apps.append({"type": "DARS", "reference": f"DARS-NIC-{number}"})
        return apps
    if org_type == "Local Authority":
        return [{"type": "PCMD", "reference": f"PCMD-{number}"}]
    if org_type in RECORD_ONLY_TYPES:
        return []
    return [{"type": "N3", "reference": f"IGSOC-{number}"}]


def _assessment(rng: random.Random, published: datetime) -> dict:
    requirements, plan = [], []
    start = published.year if published.month > 3 else published.year - 1
    for requirement_id in REQUIREMENT_IDS:
        roll = rng.random()
        if roll < 0.05:
            requirements.append({"id": requirement_id, "not_relevant": True})
            continue
        level = 3 if roll > 0.7 else 2 if roll > 0.12 else rng.choice((0, 1))
        requirements.append({"id": requirement_id, "level": level})
        if level < 2 and rng.random() < 0.8:
            plan.append({"requirement": requirement_id, "action": "Complete the outstanding "
                         "policy review and staff training", "owner": "IG Lead",
                         "target_date": f"{start + 2}-03-31"})
    return {"toolkit_version": 13 + start - 2015,
            "reporting_year": f"{start}/{(start + 1) % 100:02d}",
            "requirements": requirements, "improvement_plan": plan, "covers": []}


def _body(rng: random.Random, number: int, ods_code: str, name: str, org_type: str,
          published: datetime) -> dict:
    return {"notification_id": f"IGT-DEMO-{number:05d}",
            "published_at": published.isoformat().replace("+00:00", "Z"),
            "organisation": {"ods_code": ods_code, "name": name, "org_type": org_type,
                             "postcode": "EX1 1AA"},
            "assessment": _assessment(rng, published),
            "applications": _applications(rng, org_type)}


def _days_back(share: float) -> float:
    """How long ago, for a share of the way from newest to oldest: the newest publications
    spread over RECENT_DAYS, the oldest OLDER_SHARE over the days before (order kept)."""
    recent = 1 - OLDER_SHARE
    if share < recent:
        return share / recent * RECENT_DAYS
    return RECENT_DAYS + (share - recent) / OLDER_SHARE * (DAYS_BACK - RECENT_DAYS)


def _published(rng: random.Random, now: datetime) -> datetime:
    moment = now - timedelta(days=_days_back(rng.random()))
    return moment.replace(hour=rng.randint(9, 16), microsecond=0)


def demo_bodies(publishers: list[tuple[str, str, str]], now: datetime) -> list[bytes]:
    """Publications from these (ODS code, name, type), plus republications and bad ones."""
    rng = random.Random(SEED)
    bodies = [_body(rng, n, code, name, kind, _published(rng, now))
              for n, (code, name, kind) in enumerate(publishers)]
    for n, code in enumerate(UNKNOWN_CODES):
        bodies.append(_body(rng, 900 + n, code, f"Unregistered Care Home {n + 1}",
                            "Voluntary Sector", _published(rng, now)))
    for n, earlier in enumerate(rng.sample(bodies[:len(publishers)], REPUBLISHED)):
        again = dict(earlier, notification_id=f"IGT-DEMO-R{n:04d}",
                     published_at=now.replace(microsecond=0).isoformat().replace("+00:00", "Z"))
        bodies.append(again)
    raw = [json.dumps(b).encode() for b in sorted(bodies, key=lambda b: b["published_at"])]
    return raw + _rejected(rng)


def _rejected(rng: random.Random) -> list[bytes]:
    bad = []
    for n in range(REJECTED):
        body = _body(rng, 950 + n, "8HV40", "Ahmed House Care Home", "Voluntary Sector",
                     datetime(2026, 6, 1, tzinfo=UTC))
        if n % 3 == 0:
            body["assessment"]["requirements"][0]["level"] = 5
        elif n % 3 == 1:
            body["applications"] = [{"type": "SMARTCARD", "reference": "X"}]
        else:
            body.pop("organisation")
        bad.append(json.dumps(body).encode())
    return bad + [b'{"notification_id": "IGT-DEMO-TRUNCATED", "published_at": "2026-']


def load_demo_notifications(session: Session, publishers: list[tuple[str, str, str]], *,
                            sla_days: int, now: datetime | None = None):
    now = now or datetime.now(UTC)
    records = list(enumerate(with_v11_fields(demo_bodies(publishers, now)), start=1))
    return import_records(session, records, sla_days=sla_days, backdate=True)
