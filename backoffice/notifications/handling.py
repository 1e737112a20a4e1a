"""The edges' shared handling: each step in its own transaction, so nothing received is lost."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.core.audit import SYSTEM_ACTOR, Actor, record_event, set_actor
from backoffice.core.db import utcnow
from backoffice.core.errors import InvalidInput
from backoffice.notifications import batch, receiving, services, wakeup
from backoffice.notifications.models import Notification, NotificationStatus
from backoffice.organisations.models import Organisation
from backoffice.organisations.services import find_by_ods, normalise_ods_code

log = logging.getLogger(__name__)
SWEEP_BATCH = 500
PENDING_BATCH = 200


def sla_days() -> int:
    return current_app.extensions["settings"].review_sla_days


def receive(session: Session, *, raw_body: bytes, headers: dict[str, str],
            source: str) -> services.Receipt:
    """Store the request (committed) and answer; the worker processes it.

    A new, valid notification is one INSERT that commits by itself, then the worker
    is woken; repeats, conflicts and rejected bodies are stored and answered as before.
    """
    checked = batch.parse(raw_body)
    if checked.model is None:
        return _receive_known_or_rejected(session, raw_body, headers, source, checked)
    row = receiving.accepted_row(raw_body, headers, source, checked)
    if receiving.insert_new(current_app, row) is None:  # its notification_id is known
        return _receive_known_or_rejected(session, raw_body, headers, source,
                                          services.check(raw_body))
    wakeup.wake_worker(current_app)  # stored and committed: the worker takes it from here
    return receiving.accepted_answer(row["notification_id"])


def _receive_known_or_rejected(session: Session, raw_body: bytes, headers: dict[str, str],
                               source: str, checked: services.Checked) -> services.Receipt:
    """A repeat (200, the notification as it stands), a conflicting body (409) or a rejected
    one (400/422), each stored but the repeat. ``checked`` carries the body's JSON."""
    notification_id = services.identity(checked.payload)["notification_id"]
    known = services.find_notification(session, notification_id) if notification_id else None
    if known is not None and known.body_sha256 == hashlib.sha256(raw_body).hexdigest():
        receipt = services.Receipt(200, services.answer(known))
        session.rollback()
        return receipt
    notification = services.new_notification(
        raw_body, headers, source, checked=checked,
        conflicts_with=f"notification #{known.id}" if known is not None else None)
    session.add(notification)
    session.flush()
    receipt = services.receipt_for(notification)
    session.commit()
    return receipt


def process_pending(session: Session, *, batch_size: int = PENDING_BATCH) -> int:
    """Process every stored, accepted notification, batch by batch; returns how many."""
    done = after_id = 0
    while locked := services.lock_pending_batch(session, after_id=after_id, limit=batch_size):
        after_id = locked[-1].id
        done += _process_locked(session, locked)
    session.rollback()
    return done


def _process_locked(session: Session, locked: list[Notification]) -> int:
    """A locked batch in one transaction; if that fails, each notification on its own."""
    pks = [notification.id for notification in locked]
    try:
        process_batch(session, locked)
        session.commit()
        return len(pks)
    except Exception:  # one bad notification must not hold up the others
        session.rollback()
        log.warning("a batch failed; processing its notifications one by one",
                    exc_info=True, extra={"notifications": len(pks)})
        return sum(_sweep_one(session, pk) for pk in pks)


def process_batch(session: Session, notifications: list[Notification]) -> None:
    """Record the assessments and open or join the cases of locked notifications (no commit)."""
    batch.process_stored(session, notifications, sla_days=sla_days())


def process_one(session: Session, notification_pk: int) -> bool:
    """Process one stored notification exactly once, in its own transaction; False when
    there was nothing to do (processed already, by this or another worker)."""
    notification = services.lock_pending(session, notification_pk)
    if notification is None:
        session.rollback()
        return False
    process_batch(session, [notification])
    session.commit()
    return True


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
            return int(process_one(session, notification_pk))
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
    link_to_organisation(session, actor=actor, notification=notification,
                         organisation=organisation)
    return notification


def resume_for(session: Session, *, actor, organisation,
               registered_from: int | None = None) -> int:
    """After registering an organisation, its waiting notifications are processed, and so is
    the notification it was registered from, whatever ODS code that one sent."""
    waiting = services.unmatched_for(session, organisation.ods_code)
    if registered_from is not None and registered_from not in {n.id for n in waiting}:
        waiting = sorted([*waiting, services.get_unmatched(session, registered_from)],
                         key=lambda notification: notification.id)
    for notification in waiting:
        link_to_organisation(session, actor=actor, notification=notification,
                             organisation=organisation)
    return len(waiting)


def link_to_organisation(session: Session, *, actor: Actor, notification: Notification,
                         organisation: Organisation) -> None:
    """The helpdesk names the organisation of an unmatched notification; processing resumes
    (no commit)."""
    set_actor(session, actor)
    notification.organisation = organisation
    notification.status = NotificationStatus.ACCEPTED
    record_event(session, actor, "link", "notifications", notification.id, str(notification),
                 {"organisation": [None, organisation.ods_code]})
    session.flush()
    process_batch(session, [notification])
