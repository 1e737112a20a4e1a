"""Receiving notifications (store first), validating them, and processing them into cases.

One path for the webhook, the bulk importer, the RQ job and the sweeper. The
database is the guard against doubles: a notification_id is stored once (a
partial unique index), an assessment once per notification, and an
organisation has at most one open case.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import services as cases
from backoffice.cases.models import Assessment, Case, ReviewRule
from backoffice.core.audit import TOOLKIT_ACTOR, Actor, record_event, set_actor
from backoffice.core.db import utcnow
from backoffice.core.errors import Conflict, NotFound
from backoffice.notifications.models import (
    FINAL_STATUSES,
    Notification,
    NotificationStatus,
)
from backoffice.notifications.schemas import NotificationIn, field_errors
from backoffice.organisations.models import Organisation
from backoffice.organisations.services import find_by_ods
from backoffice.reviews import rules
from backoffice.reviews.findings import set_aside_what_changed
from backoffice.reviews.guards import latest_assessment

log = logging.getLogger(__name__)
NOTIFICATION_ID_MAX = 64
PENDING_STATUSES = ("received", NotificationStatus.ACCEPTED.value)  # stored, not processed
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-IGT-Timestamp", "X-IGT-Signature",
                "X-Forwarded-For")


@dataclass
class Receipt:
    """What the webhook answers: an HTTP status and a JSON body."""

    status_code: int
    body: dict[str, Any]


def answer(notification: Notification) -> dict[str, Any]:
    body: dict[str, Any] = {
        "notification_id": notification.notification_id,
        "status": notification.status,
        "case_reference": notification.case.reference if notification.case else None,
    }
    if notification.errors:
        body["errors"] = notification.errors
    return body


def _json_object(raw_body: bytes) -> dict | None:
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def storable(value: Any) -> str | None:
    """Text that the database can keep: no NUL, no lone surrogate, no padding."""
    if not isinstance(value, str) or "\x00" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value.strip() or None


def _short_text(value: Any, limit: int) -> str | None:
    text = storable(value)
    return text[:limit] if text else None


def identity(payload: dict | None) -> dict[str, str | None]:
    """What can be read of the sender's identity even from a malformed body."""
    payload = payload or {}
    organisation = payload.get("organisation")
    organisation = organisation if isinstance(organisation, dict) else {}
    notification_id = storable(payload.get("notification_id"))
    if notification_id is not None and len(notification_id) > NOTIFICATION_ID_MAX:
        notification_id = None
    ods_code = storable(organisation.get("ods_code"))
    return {"notification_id": notification_id,
            "ods_code": ods_code.upper()[:10] if ods_code else None,
            "organisation_name": _short_text(organisation.get("name"), 255)}


@dataclass
class Checked:
    """A body checked against the contract once: its JSON, the model or the errors."""

    payload: dict | None
    model: NotificationIn | None
    errors: list[dict[str, str]]


NOT_AN_OBJECT = [{"field": "body", "message": "the body is not a JSON object"}]


def check(raw_body: bytes) -> Checked:
    payload = _json_object(raw_body)
    if payload is None:
        return Checked(None, None, NOT_AN_OBJECT)
    try:
        return Checked(payload, NotificationIn.model_validate(payload), [])
    except ValidationError as error:
        return Checked(payload, None, field_errors(error))


def identity_of(raw_body: bytes) -> dict[str, str | None]:
    return identity(_json_object(raw_body))


def find_notification(session: Session, notification_id: str) -> Notification | None:
    """The one counted notification with this id (rejected and conflicting copies aside)."""
    return known_notifications(session, [notification_id]).get(notification_id)


def known_notifications(session: Session, notification_ids: Iterable[str]) -> dict:
    """The counted notifications with these ids, by id, in one query."""
    wanted = sorted({nid for nid in notification_ids if nid})
    if not wanted:
        return {}
    query = select(Notification).where(
        Notification.notification_id.in_(wanted),
        Notification.status.not_in([NotificationStatus.REJECTED, NotificationStatus.CONFLICT]))
    return {n.notification_id: n for n in session.scalars(query)}


def repeat_receipt(session: Session, raw_body: bytes) -> Receipt | None:
    """A repeat of a known notification with the same body gets the first answer again."""
    notification_id = identity_of(raw_body)["notification_id"]
    known = find_notification(session, notification_id) if notification_id else None
    if known is not None and known.body_sha256 == hashlib.sha256(raw_body).hexdigest():
        return Receipt(200, answer(known))
    return None


def new_notification(raw_body: bytes, headers: dict[str, str], source: str, *,
                     checked: Checked | None = None,
                     conflicts_with: str | None = None) -> Notification:
    """A stored request, already marked accepted, rejected (with errors) or conflicting."""
    checked = checked or check(raw_body)
    if conflicts_with:
        status = NotificationStatus.CONFLICT
        errors = [{"field": "notification_id", "message": "this notification_id was received "
                   f"before with a different body ({conflicts_with})"}]
    else:
        status = NotificationStatus.ACCEPTED if checked.model else NotificationStatus.REJECTED
        errors = checked.errors
    return Notification(
        raw_body=raw_body, body_sha256=hashlib.sha256(raw_body).hexdigest(), source=source,
        status=status, errors=errors, received_at=utcnow(),
        headers={k: v for k, v in headers.items() if k in KEPT_HEADERS},
        **identity(checked.payload))


def store(session: Session, *, raw_body: bytes, headers: dict[str, str],
          source: str) -> Notification:
    """Keep the request verbatim with its headers and time of receipt, before anything else."""
    notification_id = identity_of(raw_body)["notification_id"]
    known = find_notification(session, notification_id) if notification_id else None
    notification = new_notification(
        raw_body, headers, source,
        conflicts_with=f"notification #{known.id}" if known is not None else None)
    session.add(notification)
    session.flush()
    return notification


def validate(notification: Notification) -> NotificationIn | None:
    """Check the stored body against the contract; a bad one is marked rejected with reasons."""
    checked = check(notification.raw_body)
    if checked.model is None:
        notification.status = NotificationStatus.REJECTED
        notification.errors = checked.errors
        return None
    notification.status = NotificationStatus.ACCEPTED
    return checked.model


def receipt_for(notification: Notification) -> Receipt:
    if notification.status == NotificationStatus.CONFLICT:
        return Receipt(409, answer(notification))
    if notification.status == NotificationStatus.REJECTED:
        invalid_json = notification.errors and notification.errors[0]["field"] == "body"
        return Receipt(400 if invalid_json else 422, answer(notification))
    return Receipt(202, answer(notification))


class Lookups:
    """How processing finds organisations, open cases, rules and new case references.

    This one asks the database each time; the bulk importer's ``BatchLookups``
    loads a whole batch at once. Processing is the same either way.
    """

    def __init__(self, session: Session):
        self.session = session
        self._rules: list[ReviewRule] | None = None
        self._latest: dict[Case, Assessment | None] = {}

    def rules(self) -> list[ReviewRule]:
        if self._rules is None:
            self._rules = cases.active_rules(self.session)
        return self._rules

    def organisation(self, ods_code: str) -> Organisation | None:
        return find_by_ods(self.session, ods_code)

    def open_case(self, organisation_id: int) -> Case | None:
        return cases.find_open_case(self.session, organisation_id)

    def new_reference(self, year: int) -> str:
        return cases.allocate_references(self.session, year)[0]

    def opened(self, case: Case) -> None:
        """A case was opened; later publications in the same batch join it."""

    def latest_assessment(self, case: Case) -> Assessment | None:
        """The assessment the case's review reads, this batch's not yet flushed included."""
        if case not in self._latest:
            self._latest[case] = latest_assessment(self.session, case)
        return self._latest[case]

    def assessed(self, case: Case, assessment: Assessment) -> None:
        """An assessment joined the case (the review reads it if it is the newer)."""
        latest = self.latest_assessment(case) if case.id is not None else None
        if latest is None or rules.supersedes(assessment.published_at, latest.published_at):
            self._latest[case] = assessment


def _organisation_for(lookups: Lookups, notification: Notification,
                      parsed: NotificationIn) -> Organisation | None:
    if notification.organisation_id is not None:
        return notification.organisation
    return lookups.organisation(parsed.organisation.ods_code.upper())


def _record_assessment(notification: Notification, organisation: Organisation,
                       parsed: NotificationIn) -> Assessment:
    assessment = parsed.assessment
    return Assessment(
        notification=notification, organisation=organisation,
        toolkit_version=assessment.toolkit_version, reporting_year=assessment.reporting_year,
        published_at=parsed.published_at,
        requirements=[r.model_dump(exclude_none=True) for r in assessment.requirements],
        improvement_plan=[p.model_dump(mode="json") for p in assessment.improvement_plan],
        covers=[c.model_dump(exclude_none=True) for c in assessment.covers],
        applications=[a.model_dump() for a in parsed.applications])


def _case_for(session: Session, lookups: Lookups, organisation: Organisation,
              parsed: NotificationIn, assessment: Assessment, sla_days: int,
              now: datetime) -> Case:
    case = lookups.open_case(organisation.id)
    if case is not None:
        cases.attach_publication(case, parsed.applications)
        _set_aside_what_changed(session, lookups, case, assessment)
        return case
    case = cases.open_case(session, organisation=organisation, applications=parsed.applications,
                           opened_at=now, sla_days=sla_days,
                           reference=lookups.new_reference(now.year))
    lookups.opened(case)
    return case


def _set_aside_what_changed(session: Session, lookups: Lookups, case: Case,
                            assessment: Assessment) -> None:
    """A newer assessment joining the case: the findings on requirements it changed, and the
    decisions on plan items it changed, no longer count (each change audited, as the toolkit)."""
    before = lookups.latest_assessment(case)
    if before is not None:
        set_aside_what_changed(session, case=case, before=before, after=assessment)


def process(session: Session, notification: Notification, *, sla_days: int,
            lookups: Lookups | None = None, now: datetime | None = None,
            parsed: NotificationIn | None = None) -> None:
    """Record the assessment and open (or join) the organisation's case where review is due."""
    if notification.status in FINAL_STATUSES:
        return
    parsed = parsed or validate(notification)
    if parsed is None:
        return
    set_actor(session, TOOLKIT_ACTOR)
    lookups = lookups or Lookups(session)
    with session.no_autoflush:
        _process(session, notification, parsed, lookups, sla_days, now or utcnow())


def _process(session: Session, notification: Notification, parsed: NotificationIn,
             lookups: Lookups, sla_days: int, now: datetime) -> None:
    organisation = _organisation_for(lookups, notification, parsed)
    if organisation is None:
        notification.status = NotificationStatus.UNMATCHED
        return
    notification.organisation = organisation
    assessment = _record_assessment(notification, organisation, parsed)
    session.add(assessment)
    if cases.needs_review(lookups.rules, organisation=organisation,
                          applications=parsed.applications,
                          toolkit_version=parsed.assessment.toolkit_version):
        case = _case_for(session, lookups, organisation, parsed, assessment, sla_days, now)
        lookups.assessed(case, assessment)
        assessment.case = case
        notification.case = case
    notification.status = NotificationStatus.PROCESSED
    notification.processed_at = now


def lock_pending(session: Session, notification_pk: int) -> Notification | None:
    """The notification, locked for processing, or None when there is nothing to do."""
    query = select(Notification).where(Notification.id == notification_pk).with_for_update()
    notification = session.scalar(query)
    if notification is None or notification.status in FINAL_STATUSES:
        return None
    if notification.status == NotificationStatus.UNMATCHED and not notification.organisation_id:
        return None
    return notification


def lock_pending_batch(session: Session, *, after_id: int, limit: int) -> list[Notification]:
    """The next accepted notifications after ``after_id``, locked; those locked by another
    processor are skipped (it processes them)."""
    query = (select(Notification)
             .where(Notification.status.in_(PENDING_STATUSES), Notification.id > after_id)
             .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True))
    return list(session.scalars(query))


def pending_ids(session: Session, *, older_than: datetime, limit: int,
                after_id: int = 0) -> list[int]:
    """Notifications stored but not processed: what a crash or a Redis outage left behind."""
    query = (select(Notification.id)
             .where(Notification.status.in_(PENDING_STATUSES),
                    Notification.received_at <= older_than, Notification.id > after_id)
             .order_by(Notification.id).limit(limit))
    return list(session.scalars(query))


def unmatched_for(session: Session, ods_code: str) -> list[Notification]:
    query = (select(Notification).where(Notification.status == NotificationStatus.UNMATCHED,
                                        Notification.ods_code == ods_code)
             .order_by(Notification.id))
    return list(session.scalars(query))


def registered_since_unmatched(session: Session) -> list[Organisation]:
    """Organisations registered after some of their notifications arrived unmatched."""
    query = select(Organisation).where(Organisation.ods_code.in_(
        select(Notification.ods_code).where(
            Notification.status == NotificationStatus.UNMATCHED)))
    return list(session.scalars(query))


def get_unmatched(session: Session, notification_pk: int) -> Notification:
    notification = session.get(Notification, notification_pk)
    if notification is None:
        raise NotFound(f"no notification {notification_pk}")
    if notification.status != NotificationStatus.UNMATCHED:
        raise Conflict(f"{notification} is {notification.status}, not waiting for an organisation")
    return notification


def link_to_organisation(session: Session, *, actor: Actor, notification: Notification,
                         organisation: Organisation, sla_days: int) -> None:
    """The helpdesk names the organisation of an unmatched notification; processing resumes."""
    set_actor(session, actor)
    notification.organisation = organisation
    notification.status = NotificationStatus.ACCEPTED
    record_event(session, actor, "link", "notifications", notification.id, str(notification),
                 {"organisation": [None, organisation.ods_code]})
    process(session, notification, sla_days=sla_days)
