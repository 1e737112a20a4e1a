"""The reviewers' queue (the case list, with the case page and its actions mixed in)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import flash, g, redirect, request, url_for
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import (
    BaseSQLAFilter,
    FilterEqual,
    FilterInList,
    FilterLike,
)
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import Text, cast, exists, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from backoffice.cases.models import Assessment, Case, CaseReason
from backoffice.core.admin_views import StaffModelView
from backoffice.core.display import CASE_STATUS_LABELS, day
from backoffice.core.inputs import fits_an_id
from backoffice.core.keyset import CURSOR_ARG, KeysetPaging
from backoffice.core.permissions import Permission, user_may
from backoffice.core.vocabulary import (
    FLAG_LABELS,
    ORGANISATION_CATEGORY,
    ApplicationType,
    ApprovalGroup,
    CaseFlag,
    CaseStatus,
    Outcome,
    flag_label,
)
from backoffice.core.workingdays import working_days_between
from backoffice.extensions import db
from backoffice.reviews import followup
from backoffice.reviews.actions import ReviewActions
from backoffice.reviews.covers import BASELINE, COVER_FLAGS
from backoffice.reviews.taking import reviewers
from backoffice.reviews.timeline import PagePart, PagePartSource


def _reasons(view, context, case, name) -> Markup:
    items = (Markup("<li>{} {} → <strong>{}</strong></li>").format(
        r.application_type, r.reference, r.approval_group) for r in case.reasons)
    return Markup('<ul class="list-unstyled mb-0">') + Markup("").join(items) + Markup("</ul>")


def _due(view, context, case, name) -> Markup:
    text = day(case.due_date)
    if case.clock_paused:
        return Markup('{} <small class="text-muted">(clock paused)</small>').format(text)
    if case.is_overdue(date.today()):
        return Markup('<span class="text-danger font-weight-bold">{} (overdue)</span>').format(
            text)
    if case.is_open:
        left = working_days_between(date.today(), case.due_date)
        return Markup("{} <small class=\"text-muted\">({} working days left)</small>").format(
            text, left)
    return escape(text)


SAVED_VIEWS = (
    ("Open", ""), ("My cases", "mine"), ("Unassigned", "unassigned"), ("Overdue", "overdue"),
    ("Awaiting information", "awaiting_information"), ("Awaiting sign-off", "awaiting_sign_off"),
    ("All, closed too", "all"),
)
# What each saved view but All leaves out, as an empty page explains it.
VIEW_SCOPES = {
    "": "open cases", "mine": "your open cases", "unassigned": "unassigned cases",
    "overdue": "open cases past their due date, the clock running",
    "awaiting_information": "cases awaiting information",
    "awaiting_sign_off": "cases awaiting sign-off",
}


def _flags(view, context, case, name) -> Markup:
    """The case's flags (its latest assessment's), as badges; read for the page at once."""
    flags = getattr(g, "case_flags", {}).get(case.id, [])
    return Markup(" ").join(
        Markup('<span class="badge {}" data-flag="{}">{}</span>').format(
            "badge-info" if flag == BASELINE else "badge-warning", flag, flag_label(flag))
        for flag in flags)


def _latest_of_its_case():
    """An assessment that is its case's latest (no later one of the same case)."""
    later = aliased(Assessment)
    return ~exists().where(
        later.case_id == Assessment.case_id,
        (later.published_at > Assessment.published_at)
        | ((later.published_at == Assessment.published_at) & (later.id > Assessment.id)))


def flags_of_cases(case_ids: list[int]) -> dict[int, list[str]]:
    """Each case's latest assessment's flags, in one query."""
    if not case_ids:
        return {}
    rows = db.session.execute(select(Assessment.case_id, Assessment.flags).where(
        Assessment.case_id.in_(case_ids)).order_by(
        Assessment.case_id, Assessment.published_at, Assessment.id))
    return {case_id: list(flags or []) for case_id, flags in rows}  # the latest wins


def flag_options() -> list[tuple[str, str]]:
    """The covers' and the baseline's flags first, then the calendar's."""
    first = [*COVER_FLAGS, BASELINE]
    return [(flag, flag_label(flag)) for flag in first + [
        flag.value for flag in FLAG_LABELS if flag.value not in first
        and flag is not CaseFlag.REPUBLISHED]]  # the case's own column and filter


class FlagFilter(BaseSQLAFilter):
    """Cases whose latest assessment carries this flag (e.g. "Reference not in covers")."""

    def __init__(self):
        super().__init__(Case.id, "Flag", options=flag_options())

    def apply(self, query, value, alias=None):
        # the flags are a JSON list of plain words: its text names each in quotes
        flagged = select(Assessment.case_id).where(
            cast(Assessment.flags, Text).like(f'%"{value}"%'), _latest_of_its_case())
        return query.filter(Case.id.in_(flagged))

    def validate(self, value) -> bool:
        return value in dict(flag_options())

    def operation(self) -> str:
        return "is"


def _reference(view, context, case, name) -> Markup:
    url = url_for(".review_view", case_id=case.id)
    return Markup('<a href="{}">{}</a>').format(url, case.reference)


def names_statuses(flt) -> bool:
    """A status filter that says which statuses to list (equals, contains, in list), where
    "not equal" and the like only narrow the list."""
    return (type(flt) in (FilterEqual, FilterLike, FilterInList)
            and flt.column is Case.__table__.c.status)


def saved_view_filter(name: str):
    """The condition behind each saved view of the queue."""
    today = date.today()
    return {
        "": Case.open_condition(),
        "mine": (Case.assigned_to_id == current_user.id) & Case.open_condition(),
        "unassigned": Case.status == CaseStatus.UNASSIGNED,
        "overdue": Case.overdue(today),
        "awaiting_information": Case.status == CaseStatus.AWAITING_INFORMATION,
        "awaiting_sign_off": Case.status == CaseStatus.AWAITING_SIGN_OFF,
    }.get(name)


class ToolkitVersionFilter(BaseSQLAFilter):
    """Cases with an assessment of this toolkit version (a subquery: no duplicated rows)."""

    def apply(self, query, value, alias=None):
        versions = select(Assessment.case_id).where(Assessment.toolkit_version == int(value))
        return query.filter(Case.id.in_(versions))

    def validate(self, value) -> bool:
        return fits_an_id(value)

    def operation(self) -> str:
        return "equals"


class ReasonFilter(BaseSQLAFilter):
    """Cases with a reason of this approval group or application type (no duplicated rows).

    The filter's own column is ``Case.id`` so that Flask-Admin joins nothing; the
    reasons are matched in a subquery.
    """

    def __init__(self, reason_column, name: str, options):
        super().__init__(Case.id, name, options=options)
        self.reason_column = reason_column

    def apply(self, query, value, alias=None):
        reasons = select(CaseReason.case_id).where(self.reason_column == value)
        return query.filter(Case.id.in_(reasons))

    def operation(self) -> str:
        return "equals"


NOBODY = "nobody"  # the Reviewer filter's value for the cases nobody holds


class ReviewerFilter(BaseSQLAFilter):
    """Cases assigned to this reviewer, or to nobody; the reviewers offered are read for each
    page (``CaseAdmin._get_filter_groups``), so someone added since start-up is there."""

    def __init__(self):
        super().__init__(Case.assigned_to_id, "Reviewer")

    def reviewer_options(self) -> list[tuple[str, str]]:
        return [(NOBODY, "nobody")] + [
            (str(user.id), str(user) if user.active else f"{user} (deactivated)")
            for user in reviewers(db.session)]

    def apply(self, query, value, alias=None):
        if value == NOBODY:
            return query.filter(Case.assigned_to_id.is_(None))
        return query.filter(Case.assigned_to_id == int(value))

    def validate(self, value) -> bool:
        return value == NOBODY or fits_an_id(value)

    def operation(self) -> str:
        return "is"


class PlanNotAchievedFilter(BaseSQLAFilter):
    """Cases whose publication follows up an earlier accepted improvement-plan item whose
    requirement is still below level 2."""

    def __init__(self):
        super().__init__(Case.id, "Earlier plan items", options=(
            ("not_achieved", "not achieved"),))

    def apply(self, query, value, alias=None):
        return query.filter(followup.not_achieved_condition())

    def operation(self) -> str:
        return "are"


def case_page_follow_ups(session, case: Case) -> PagePart:
    """The case page's improvement-plan follow-up panel (``reviews/_plan_follow_up.html``)."""
    return PagePart(context={"follow_ups": followup.follow_ups_of(session, case)})


def _reason_filters() -> list[ReasonFilter]:
    groups = [(group.value, group.value) for group in ApprovalGroup]
    types = [(kind.value, kind.value) for kind in ApplicationType]
    return [ReasonFilter(CaseReason.approval_group, "Approval group", options=groups),
            ReasonFilter(CaseReason.application_type, "Application type", options=types)]


class CaseAdmin(KeysetPaging, ReviewActions, StaffModelView):
    """The reviewers' queue: most urgent first, saved views, take next, bulk assignment."""

    permission = Permission.VIEW_CASES
    can_create = False
    can_edit = False
    can_view_details = False
    list_template = "reviews/queue.html"
    column_list = ("reference", "organisation", "reasons", "status", "opened_at", "due_date",
                   "republished", "flags", "assigned_to")
    count_cap = 1_000  # "1,000+ cases": exact totals are the dashboard's job
    column_sortable_list = ("reference", "status", "opened_at", "due_date")
    keyset_sorts = {None: (Case.due_date, Case.opened_at), "due_date": (Case.due_date,
                                                                       Case.opened_at),
                    "opened_at": (Case.opened_at,), "reference": (Case.reference,),
                    "status": (Case.status, Case.due_date, Case.opened_at)}
    column_searchable_list = ("reference", "organisation.ods_code", "organisation.name")
    column_filters = ("status", *_reason_filters(), ReviewerFilter(), "due_date",
                      "republished", "organisation.org_type",
                      ToolkitVersionFilter(Case.id, "Toolkit version"), FlagFilter(),
                      PlanNotAchievedFilter())
    column_labels = {"organisation.org_type": ORGANISATION_CATEGORY, "assigned_to": "Reviewer"}
    column_formatters = {"reasons": _reasons, "due_date": _due, "reference": _reference,
                         "flags": _flags,
                         "opened_at": lambda v, c, m, p: day(m.opened_at)}
    column_choices = {"status": [(s.value, CASE_STATUS_LABELS[s.value]) for s in CaseStatus],
                      "outcome": [(o.value, o.label) for o in Outcome]}
    column_details_list = ("reference", "organisation", "reasons", "status", "opened_at",
                           "due_date", "republished", "assigned_to", "outcome", "closed_at")
    column_formatters_detail = {"reasons": _reasons, "due_date": _due}

    def __init__(self, *args, page_parts: Sequence[PagePartSource] = (), **kwargs):
        """``page_parts``: what other features add to the case page (see timeline.PagePart)."""
        super().__init__(*args, **kwargs)
        self.page_parts = tuple(page_parts)

    def _get_filter_groups(self):
        """The filters as the page offers them, with the reviewers as they are now."""
        groups = super()._get_filter_groups()
        for item in groups.get("Reviewer", ()):
            item["options"] = self._filters[item["index"]].reviewer_options()
        return groups

    def search_placeholder(self) -> str:
        return "Reference, ODS code or organisation name"

    def saved_views(self):
        return [(label, {"view": key} if key else {}) for label, key in SAVED_VIEWS]

    def current_view(self) -> str:
        """The saved view listed: the one asked for, except that in Open a status filter
        naming the statuses to list decides, closed ones too ("Status equals closed")."""
        name = request.args.get("view", "")
        if not name and self._statuses_named():
            return "all"
        return name

    def _statuses_named(self) -> bool:
        found = (self._filter_args.get(arg.partition("_")[2]) for arg in request.args
                 if arg.startswith("flt"))
        return any(item is not None and names_statuses(item[1]) for item in found)

    def _saved(self, query):
        condition = saved_view_filter(self.current_view())
        return query if condition is None else query.filter(condition)

    def get_empty_list_message(self):
        """Nothing in a saved view that leaves cases out: say what it leaves out, and offer
        the same search and filters over all cases."""
        view = self.current_view()
        narrowed = any(arg == "search" or arg.startswith("flt") for arg in request.args)
        if view not in VIEW_SCOPES or not narrowed:
            return super().get_empty_list_message()
        label = next(label for label, key in SAVED_VIEWS if key == view)
        args = {k: v for k, v in request.args.items(multi=True)
                if k not in (CURSOR_ARG, "page", "view")}
        return Markup('No case in {label} matches: {label} lists {scope} only. '
                      '<a href="{url}">Look in All, closed too</a>.').format(
            label=label, scope=VIEW_SCOPES[view],
            url=url_for(".index_view", view="all", **args))

    def get_query(self):
        return self._saved(super().get_query()).options(
            joinedload(Case.organisation), joinedload(Case.assigned_to),
            selectinload(Case.reasons))

    def count_base_query(self):
        return self._saved(super().count_base_query())

    def get_list(self, *args, **kwargs):
        """The page of cases, and their flags read at once (one query, not one per row)."""
        count, cases = super().get_list(*args, **kwargs)
        g.case_flags = flags_of_cases([case.id for case in cases])
        return count, cases

    @action("assign", "Assign to a reviewer…")
    def action_assign(self, ids):
        if not user_may(current_user, Permission.TRIAGE_CASES):
            flash("Only a senior reviewer assigns cases.", "error")
            return redirect(url_for(".index_view"))
        return redirect(url_for(".assign_view", ids=",".join(ids)))

    def is_action_allowed(self, name):
        if name == "assign":
            return user_may(current_user, Permission.TRIAGE_CASES)
        return super().is_action_allowed(name)


def screens(*, page_parts: Sequence[PagePartSource] = ()) -> list:
    """The reviewers' queue and case page; ``page_parts``: what other features add to it."""
    return [CaseAdmin(Case, db, name="Cases", endpoint="case", category="Reviews",
                      page_parts=page_parts)]
