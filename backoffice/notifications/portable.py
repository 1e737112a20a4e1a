"""Carrying out a plan through the SQLAlchemy ORM, on any database (SQLite's path).

The same rows as ``writing.CopyWriter`` from the same values (``writing.case_values``,
``reason_values``, ``assessment_values``); the audit rows are the session listener's.
Nothing is flushed here: the caller flushes (or, as the demo's history does, first
changes what it was given).
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from backoffice.cases.models import Assessment, Case, CaseReason
from backoffice.cases.publications import PublicationYear, YearPublished, merged
from backoffice.core.audit import TOOLKIT_ACTOR, set_actor
from backoffice.notifications.engine import Item, Plan, PlannedCase
from backoffice.notifications.models import Notification, NotificationStatus
from backoffice.notifications.writing import (
    ASSESSMENT_JSON,
    assessment_values,
    case_values,
    number_cases,
    reason_values,
)
from backoffice.organisations.models import Organisation
from backoffice.reviews.models import Finding, PlanDecision

_SET_BY_RELATIONSHIP = ("id", "case_id", "notification_pk", "organisation_id")


def _without_keys(values: dict) -> dict:
    return {key: value for key, value in values.items() if key not in _SET_BY_RELATIONSHIP}


class PortableWriter:
    def __init__(self, session: Session):
        self.session = session

    def write(self, plan: Plan) -> None:
        set_actor(self.session, TOOLKIT_ACTOR)
        number_cases(self.session, plan.opened)
        written = {id(case): self._new_case(case, plan) for case in plan.opened}
        for case in plan.joined.values():
            written[id(case)] = self._joined_case(case, plan)
        for item in plan.items:
            self._notification(item, written.get(id(item.case)))
        for year in plan.years:
            self._year(year)

    def _year(self, year: YearPublished) -> None:
        """The organisation's year merged with its row (``publications.merged``), as the
        COPY writer does; a row added earlier in the transaction and not flushed counts."""
        row = next((obj for obj in self.session.new if isinstance(obj, PublicationYear)
                    and (obj.organisation_id, obj.reporting_year) == year.key), None)
        if row is None:
            row = self.session.scalar(select(PublicationYear).where(
                PublicationYear.organisation_id == year.organisation_id,
                PublicationYear.reporting_year == year.reporting_year))
        if row is None:
            row = PublicationYear(**year.values())
            self.session.add(row)
            return
        for key, value in merged(YearPublished.of(row), year).values().items():
            setattr(row, key, value)

    def _organisation(self, organisation_id: int) -> Organisation:
        return self.session.get(Organisation, organisation_id)

    def _new_case(self, planned: PlannedCase, plan: Plan) -> Case:
        case = Case(**_without_keys(case_values(planned, plan.now)),
                    organisation=self._organisation(planned.organisation_id))
        self._add_reasons(case, planned)
        self.session.add(case)
        return case

    def _joined_case(self, planned: PlannedCase, plan: Plan) -> Case:
        """Flagged republished (unless a head-office batch's branch), and a new version (a
        page showing it before is stale); the findings and plan decisions on what a newer
        assessment changed set aside."""
        case = self.session.get(Case, planned.id)
        case.republished = case.republished or planned.republished
        case.updated_at = plan.now
        flag_modified(case, "updated_at")  # a new version even when the clock reads the same
        self._add_reasons(case, planned)
        for finding in planned.set_aside:
            self.session.get(Finding, finding.id).changed_from = finding.changed_from
        for decision in planned.decisions_set_aside:
            self.session.get(PlanDecision, decision.id).changed_from = decision.changed_from
        return case

    @staticmethod
    def _add_reasons(case: Case, planned: PlannedCase) -> None:
        case.reasons.extend(CaseReason(**_without_keys(values))
                            for values in reason_values(planned))

    def _notification(self, item: Item, case: Case | None) -> None:
        notification = item.notification or self.session.get(Notification, item.pk)
        notification.status = item.status
        notification.processed_at = item.processed_at
        if item.status != NotificationStatus.PROCESSED:
            return
        organisation = self._organisation(item.organisation_id)
        notification.organisation, notification.case = organisation, case
        values = assessment_values(item)
        values.update((key, json.loads(values[key])) for key in ASSESSMENT_JSON)
        self.session.add(Assessment(**_without_keys(values), notification=notification,
                                    organisation=organisation, case=case))
