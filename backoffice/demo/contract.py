"""Contract v1.1 in the demo: what organisations wrote (a comment on most requirements and
evidence on many), the organisations each assessment covers, typed, and Wellcare Pharmacy's
head office publishing one assessment for its branches (a head-office batch, one case).

``with_v11_fields`` rewrites the demo's publications before they are imported; a body that is
not JSON (the demo's deliberately broken ones) passes through untouched. Deterministic: the
same publications give the same comments, so a rerun of the demo finds them all repeats.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.notifications.importing import import_records
from backoffice.organisations import services as organisations
from backoffice.organisations.services import AdministratorDetails, OrganisationDetails

SEED = 1101
HEAD_OFFICE = "FWC00"
BRANCH_PREFIX = "FWC0"
BATCH_ID = "WELLCARE-2026-01"
REPUBLICATION = "IGT-DEMO-R"
EVIDENCE_HOST = "https://toolkit.example/evidence/"
COMMENTED_SHARE = 0.85
EVIDENCE_SHARE = 0.6
# Research applications whose covers the demo leaves wrong, so the case flags show.
MISSING_COVERS, UNNAMED_REFERENCE = 1, 2

# The seeds' conditions for Not Relevant (001 FAQ 6), as an organisation would write them.
NOT_RELEVANT = {
    "209": "We do not process any person identifiable data outside the UK.",
    "304": "No NHS Smartcards are used by our staff.",
    "318": "No records are held on mobile devices or removable media.",
    "412": "We hold no service-user records of our own.",
}
BY_LEVEL = {
    0: ("Not started yet: the registered manager is new in post.",
        "Nothing in place this year; see our improvement plan."),
    1: ("A draft is written and waits for approval at the next board meeting.",
        "Partly in place: the policy exists but staff have not all been briefed. "
        "See the improvement plan."),
    2: ("Approved by the board; every member of staff has read and signed it. The signed "
        "sheets are kept by the office manager.",
        "In place and followed: checked at the quarterly governance meeting, minutes "
        "uploaded as evidence.",
        "Our IG lead reviewed this in February; the procedure is on the staff intranet and "
        "in the induction pack."),
    3: ("In place, reviewed every year and audited by an external auditor; the audit report "
        "is uploaded.",
        "Fully embedded: spot checks each quarter, results reported to the board, actions "
        "followed up."),
}
DOCUMENTS = (("policy", "Approved policy"), ("minutes", "Governance meeting minutes"),
             ("training-log", "Staff training log"), ("audit-report", "Audit report"),
             ("procedure", "Written procedure"))
BASELINE = OrganisationDetails(
    ods_code="8HV60", name="Primrose Lodge Care Home, Totnes", org_type="Voluntary Sector",
    postcode="TQ9 5AA", address="3 Priory Lane, Totnes",
    administrators=[AdministratorDetails(name="Rosa Patel",
                                         email="manager@primroselodge.example.org")])
BASELINE_LEVELS = (("114", 1), ("115", 1), ("116", 2), ("117", 0), ("200", 2))
BASELINE_PLAN = (("114", "Name an IG lead and record it in the job description"),
                 ("115", "Adopt the IG policy at the next board meeting"),
                 ("117", "Train every member of staff, and keep the log"))


def _comment(rng: random.Random, requirement: dict) -> str:
    if requirement.get("not_relevant"):
        return NOT_RELEVANT.get(requirement["id"], "This does not apply to our service.")
    return rng.choice(BY_LEVEL[requirement["level"]])


def _evidence(rng: random.Random, requirement_id: str, published: datetime) -> list[dict]:
    count = rng.choice((1, 1, 2))
    documents = rng.sample(DOCUMENTS, count)
    result = []
    for stem, description in documents:
        digest = hashlib.sha256(f"{requirement_id}{stem}{published}".encode()).hexdigest()
        uploaded = published - timedelta(days=rng.randint(2, 60), hours=rng.randint(0, 8))
        result.append({
            "name": f"{requirement_id}-{stem}-{uploaded.year}.pdf", "description": description,
            "uploaded_at": uploaded.isoformat().replace("+00:00", "Z"), "sha256": digest,
            "size_bytes": rng.randint(18_000, 2_400_000), "url": EVIDENCE_HOST + digest[:12]})
    return result


def _statements(rng: random.Random, body: dict) -> None:
    """A comment on most requirements; evidence on many of those at level 2 or above."""
    published = datetime.fromisoformat(body["published_at"].replace("Z", "+00:00"))
    for requirement in body["assessment"]["requirements"]:
        if rng.random() < COMMENTED_SHARE or requirement.get("not_relevant"):
            requirement["comment"] = _comment(rng, requirement)
        if requirement.get("level", 0) >= 2 and rng.random() < EVIDENCE_SHARE:
            requirement["evidence"] = _evidence(rng, requirement["id"], published)


def _covers(body: dict, research_seen: int) -> list[dict]:
    """Research applications: the study or data request each supports (the first few left
    wrong, so the flags show); other organisations: the organisation itself."""
    organisation = body["organisation"]
    research = [a for a in body["applications"] if a["type"] in {"S251", "DARS"}]
    if not research:
        return [{"kind": "organisation", "name": organisation["name"],
                 "ods_code": organisation["ods_code"]}]
    if research_seen < MISSING_COVERS:
        return []
    if research_seen < MISSING_COVERS + UNNAMED_REFERENCE:
        return [{"kind": "study", "name": "Regional outcomes study", "reference": "CAG 0-00/2025"}]
    return [{"kind": "study", "name": f"Study {a['reference']}", "reference": a["reference"]}
            if a["type"] == "S251" else
            {"kind": "section", "name": f"Data request {a['reference']}",
             "reference": a["reference"]} for a in research]


def _is_research(body: dict) -> bool:
    return any(a.get("type") in {"S251", "DARS"} for a in body.get("applications") or [])


def _batched(bodies: list[dict]) -> None:
    """Wellcare's head office publishes once for its branches: every branch's notification
    carries the head office's assessment and application, and names the batch; a branch's
    later republication comes in a second batch."""
    head = next((b for b in bodies if b["organisation"]["ods_code"] == HEAD_OFFICE
                 and not b["notification_id"].startswith(REPUBLICATION)), None)
    if head is None:
        return
    members = [b for b in bodies if b["organisation"]["ods_code"].startswith(BRANCH_PREFIX)]
    branches = sorted({(b["organisation"]["ods_code"], b["organisation"]["name"])
                       for b in members if b["organisation"]["ods_code"] != HEAD_OFFICE})
    head["assessment"]["covers"] = [{"kind": "branch", "name": name, "ods_code": code}
                                    for code, name in branches]
    for body in members:
        again = body["notification_id"].startswith(REPUBLICATION)
        body["assessment"] = json.loads(json.dumps(head["assessment"]))
        body["applications"] = list(head["applications"])
        body["publication_batch"] = {"id": f"{BATCH_ID}-R" if again else BATCH_ID,
                                     "head_office_ods_code": HEAD_OFFICE,
                                     "size": len(branches) + 1}
        if not again:
            body["published_at"] = head["published_at"]


def _enrich(rng: random.Random, body: dict, research_seen: int) -> None:
    _statements(rng, body)
    body["assessment"]["covers"] = _covers(body, research_seen)


def _publication(raw: bytes) -> dict | None:
    """The body, if it is a well-formed publication (the demo also sends broken ones)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("organisation"), dict):
        return None
    assessment = body.get("assessment")
    if not isinstance(assessment, dict) or "published_at" not in body:
        return None
    return body if "notification_id" in body else None


def with_v11_fields(raw_bodies: list[bytes]) -> list[bytes]:
    """The demo's publications with what contract v1.1 adds."""
    rng = random.Random(SEED)
    result, publications, research_seen = [], [], 0
    for raw in raw_bodies:
        body = _publication(raw)
        if body is None or any("level" in r and r["level"] not in BY_LEVEL
                               for r in body["assessment"].get("requirements", [])):
            result.append(raw)  # one of the deliberately malformed bodies: as it was
            continue
        _enrich(rng, body, research_seen)
        research_seen += _is_research(body)
        publications.append(body)
        result.append(body)
    _batched(publications)
    return [json.dumps(item).encode() if isinstance(item, dict) else item for item in result]


def ensure_baseline_publication(session: Session, *, sla_days: int,
                                now: datetime | None = None) -> None:
    """A care home registered this year publishes for the first time: its baseline, levels 0
    and 1 with an improvement plan (001: acceptable for an initial baseline assessment)."""
    now = now or datetime.now(UTC)
    if organisations.find_by_ods(session, BASELINE.ods_code) is None:
        organisations.register_organisation(session, actor=SYSTEM_ACTOR, details=BASELINE)
        session.commit()
    start = now.year if now.month > 3 else now.year - 1
    rng = random.Random(SEED)
    requirements = [{"id": rid, "level": level, "comment": _comment(rng, {"level": level})}
                    for rid, level in BASELINE_LEVELS]
    requirements.append({"id": "209", "not_relevant": True, "comment": NOT_RELEVANT["209"]})
    plan = [{"requirement": rid, "action": action, "owner": "Registered Manager",
             "target_date": f"{start + 1}-03-31"} for rid, action in BASELINE_PLAN]
    published = (now - timedelta(days=2)).replace(hour=11, minute=0, second=0, microsecond=0)
    body = {"notification_id": "IGT-DEMO-BASELINE-1",
            "published_at": published.isoformat().replace("+00:00", "Z"),
            "organisation": {"ods_code": BASELINE.ods_code, "name": BASELINE.name,
                             "org_type": BASELINE.org_type, "postcode": BASELINE.postcode},
            "assessment": {"toolkit_version": 13 + start - 2015,
                           "reporting_year": f"{start}/{(start + 1) % 100:02d}",
                           "requirements": requirements, "improvement_plan": plan,
                           "covers": [{"kind": "organisation", "name": BASELINE.name,
                                       "ods_code": BASELINE.ods_code}]},
            "applications": [{"type": "N3", "reference": "IGSOC-60060"}]}
    import_records(session, [(1, json.dumps(body).encode())], sla_days=sla_days, backdate=True)
