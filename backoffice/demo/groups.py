"""The demo's applications as the approval groups see them: the HSCIC services besides N3
that go through the IGSoC process (Choose and Book, E-Referrals, NHS Mail), a local
authority's PCMD data (DAAG's to advise on), and a version 12 assessment, whose requirements
read as version 12 stated them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.demo.notifications import REQUIREMENT_IDS
from backoffice.notifications.importing import import_records
from backoffice.organisations import services as organisations
from backoffice.organisations.services import AdministratorDetails, OrganisationDetails

# (ODS code, name, type, application type, reference, toolkit version, reporting year)
EXAMPLES = (
    ("8K950", "Primrose Care Home, Exeter", "Voluntary Sector", "NHS_MAIL", "IGSOC-77120",
     None, None),
    ("FX950", "Riverside Pharmacy, Leeds", "Community Pharmacy", "E_REFERRALS", "IGSOC-77121",
     None, None),
    ("M8950", "Castle Medical Centre, York", "GP Practice", "CHOOSE_AND_BOOK", "IGSOC-77122",
     None, None),
    ("E06000950", "Westshire County Council (Public Health)", "Local Authority", "PCMD",
     "PCMD-2015-0950", 12, "2014/15"),
)
LOWER_LEVELS = {"201": 1, "203": 1}  # the version 13 changes show up on the case page


def _organisation(ods_code: str, name: str, org_type: str) -> OrganisationDetails:
    local = ods_code.lower()
    return OrganisationDetails(
        ods_code=ods_code, name=name, org_type=org_type, postcode="EX1 1AA",
        address="1 Market Street",
        administrators=[AdministratorDetails(name="IG Lead", email=f"ig.lead@{local}.example.org")])


def _body(number: int, example: tuple, published: datetime) -> dict:
    ods_code, name, org_type, kind, reference, version, year = example
    start = published.year if published.month > 3 else published.year - 1
    requirements = [{"id": rid, "level": LOWER_LEVELS.get(rid, 2)} for rid in REQUIREMENT_IDS]
    plan = [{"requirement": rid, "action": "Rewrite the leaflet and sharing guidance",
             "owner": "IG Lead", "target_date": f"{start + 2}-03-31"} for rid in LOWER_LEVELS]
    return {"notification_id": f"IGT-DEMO-GROUPS-{number}",
            "published_at": published.isoformat().replace("+00:00", "Z"),
            "organisation": {"ods_code": ods_code, "name": name, "org_type": org_type,
                             "postcode": "EX1 1AA"},
            "assessment": {"toolkit_version": version or 13 + start - 2015,
                           "reporting_year": year or f"{start}/{(start + 1) % 100:02d}",
                           "requirements": requirements, "improvement_plan": plan,
                           "covers": []},
            "applications": [{"type": kind, "reference": reference}]}


def ensure_group_examples(session: Session, *, sla_days: int,
                          now: datetime | None = None) -> None:
    """Register the example organisations and import their publications; safe to rerun
    (a notification already imported is skipped)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    for ods_code, name, org_type, *_ in EXAMPLES:
        if organisations.find_by_ods(session, ods_code) is None:
            organisations.register_organisation(session, actor=SYSTEM_ACTOR,
                                                details=_organisation(ods_code, name, org_type))
    session.commit()
    records = [(number, json.dumps(_body(number, example, now - timedelta(days=number))).encode())
               for number, example in enumerate(EXAMPLES, start=1)]
    import_records(session, records, sla_days=sla_days, backdate=True)
