"""The edges' shared handling: each step in its own transaction, so nothing received is lost."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.db import utcnow
from backoffice.core.errors import InvalidInput
from backoffice.core.jobs import enqueue_after_commit
from backoffice.notifications import services
from backoffice.notifications.models import Notification, NotificationStatus
from backoffice.organisations.services import find_by_ods, normalise_ods_code

log = logging.getLogger(__name__)
PROCESS_JOB = "backoffice.notifications.jobs.process_notification"
SWEEP_BATCH = 500


def sla_days() -> int:
    return current_app.extensions["settings"].review_sla_days


def receive(session: Session, *, raw_body: bytes, headers: dict[str, str], source: str,
            first_try: bool = True) -> services.Receipt:
    """Store the request with its checked status (committed), then process it at once.

    Two commits: the stored row first, so that whatever happens next it is kept;
    then the processing, whose failure leaves the row for the job and the sweeper.
    """
    checked = services.check(raw_body)
    notification_id = services.identity(checked.payload)["notification_id"]
    known = services.find_notification(session, notification_id) if notification_id else None
    sha = hashlib.sha256(raw_body).hexdigest()
    if known is not None and known.body_sha256 == sha:
        return services.Receipt(200, services.answer(known))
    notification = services.new_notification(
        raw_body, headers, source, checked=checked,
        conflicts_with=f"notification #{known.id}" if known is not None else None)
    session.add(notification)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if not first_try:
            raise
        # the same notification_id arrived at the same moment: answer as a repeat
        return receive(session, raw_body=raw_body, headers=headers, source=source,
                       first_try=False)
    if notification.status == NotificationStatus.ACCEPTED:
        return process_now_or_later(session, notification, checked.model)
    return services.receipt_for(notification)


def process_now_or_later(session: Session, notification: Notification,
                         parsed=None) -> services.Receipt:
    """Process in this transaction; on any failure leave it for the job and the sweeper."""
    notification_pk = notification.id
    try:
        services.process(session, notification, sla_days=sla_days(), parsed=parsed)
        session.flush()
        receipt = services.receipt_for(notification)
        session.commit()
        return receipt
    except Exception:  # the row is stored; the job or the sweeper will finish it
        session.rollback()
        log.exception("processing failed; queued for retry",
                      extra={"notification": notification_pk})
        enqueue_after_commit(session, PROCESS_JOB, notification_pk,
                             job_id=f"process-notification-{notification_pk}")
        session.commit()
        return services.receipt_for(session.get(Notification, notification_pk))


def process_one(session: Session, notification_pk: int) -> None:
    """Process one stored notification exactly once, in its own transaction."""
    notification = services.lock_pending(session, notification_pk)
    if notification is None:
        session.rollback()
        return
    services.process(session, notification, sla_days=sla_days())
    session.commit()


def sweep(session: Session, *, grace_seconds: int = 0, limit: int = SWEEP_BATCH) -> int:
    """Process whatever was stored but not processed; returns how many were swept.

    One that fails is logged and left for the next sweep; the others go on.
    """
    swept = _resume_registered(session)
    after_id = 0
    while True:
        older_than = utcnow() - timedelta(seconds=grace_seconds)
        ids = services.pending_ids(session, older_than=older_than, after_id=after_id,
                                   limit=limit)
        session.rollback()
        if not ids:
            return swept
        for notification_pk in ids:
            swept += _sweep_one(session, notification_pk)
        after_id = ids[-1]


def _sweep_one(session: Session, notification_pk: int) -> int:
    for _ in range(2):  # a second try when another process opened the case first
        try:
            process_one(session, notification_pk)
            return 1
        except IntegrityError:
            session.rollback()
        except Exception:  # left for the next sweep; the others go on
            session.rollback()
            log.exception("sweep could not process a notification",
                          extra={"notification": notification_pk})
            return 0
    return 0


def _resume_registered(session: Session) -> int:
    """Unmatched notifications whose organisation has since been registered (e.g. by import)."""
    resumed = 0
    for organisation in services.registered_since_unmatched(session):
        resumed += resume_for(session, actor=SYSTEM_ACTOR, organisation=organisation)
        session.commit()
    return resumed


def link(session: Session, *, actor, notification_pk: int, ods_code: str) -> Notification:
    """Link an unmatched notification to a registered organisation; its case opens."""
    notification = services.get_unmatched(session, notification_pk)
    organisation = find_by_ods(session, normalise_ods_code(ods_code))
    if organisation is None:
        raise InvalidInput(f"no organisation with ODS code {ods_code.upper()} is registered; "
                           "register it first", field="ods_code")
    services.link_to_organisation(session, actor=actor, notification=notification,
                                  organisation=organisation, sla_days=sla_days())
    return notification


def resume_for(session: Session, *, actor, organisation) -> int:
    """After registering an organisation, its waiting notifications are processed."""
    waiting = services.unmatched_for(session, organisation.ods_code)
    for notification in waiting:
        services.link_to_organisation(session, actor=actor, notification=notification,
                                      organisation=organisation, sla_days=sla_days())
    return len(waiting)
