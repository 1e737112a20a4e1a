"""The case page and the reviewer's actions on it, as POST views calling the review services."""

from __future__ import annotations

from io import BytesIO

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.db import get_or_not_found, utcnow
from backoffice.core.errors import InvalidInput
from backoffice.core.inputs import accepts_uploads, fits_an_id
from backoffice.core.permissions import Permission
from backoffice.core.transactions import (
    DEFAULT_ATTEMPTS,
    commit_and_tell,
    commit_or_refusal,
    commit_with_retries,
)
from backoffice.core.vocabulary import Outcome
from backoffice.extensions import db
from backoffice.reviews import forms, replies, timeline
from backoffice.reviews.documents import MAX_REPLY_BYTES, DocumentsRefused, checked_documents
from backoffice.reviews.findings import record_findings
from backoffice.reviews.guards import REVIEWER_ROLES, StaleCase, latest_assessment
from backoffice.reviews.information import information_received, request_information
from backoffice.reviews.models import ReplyDocument
from backoffice.reviews.outcomes import (
    OutcomeRefused,
    record_outcome,
    reopen,
    send_back,
    sign_off,
)
from backoffice.reviews.taking import assign_cases, take_case, take_next_case
from backoffice.reviews.views import case_page_url
from backoffice.users.models import User

# Saved views every unassigned case is in: taking from them filters nothing.
TAKE_FROM_ANY_VIEW = ("", "all", "unassigned")


def _case(case_id: int) -> Case:
    return get_or_not_found(db.session, Case, case_id)


class ReviewActions:
    """Mixed into the case view: /review/<id> and the POST actions on it."""

    endpoint_permissions = {
        "take_next_view": Permission.WORK_CASES,
        "take_view": Permission.WORK_CASES,
        "findings_view": Permission.WORK_CASES,
        "request_information_view": Permission.WORK_CASES,
        "information_received_view": Permission.WORK_CASES,
        "attach_reply_view": Permission.WORK_CASES,
        "reply_document_view": Permission.VIEW_CASES,
        "outcome_view": Permission.WORK_CASES,
        "sign_off_view": Permission.SIGN_OFF,
        "reopen_view": Permission.TRIAGE_CASES,
        "assign_view": Permission.TRIAGE_CASES,
    }

    def filters_on_screen(self):
        """The queue's filters and saved view as the take-next form carried them (its URL
        has the page's query string): a condition on cases, or None when there are none."""
        filters = self._get_list_filter_args() or []
        if not filters and self.current_view() in TAKE_FROM_ANY_VIEW:
            return None
        query = self._saved(db.session.query(Case))
        query, _, _, _ = self._apply_filters(query, None, {}, {}, filters)
        return Case.id.in_(query.with_entities(Case.id).statement.correlate(None))

    def _back(self, case: Case):
        return redirect(url_for(".review_view", case_id=case.id))

    def _run(self, case: Case, work, done: str):
        """Call a service, commit, and say what happened — or why the rules refused it."""
        commit_and_tell(work, done)
        return self._back(case)

    def _page(self, case: Case, status: int = 200, **shown):
        """The case page; ``shown``: what a refused form had entered, to show it again."""
        parts = [part(db.session, case) for part in getattr(self, "page_parts", ())]
        return self.render("reviews/case.html", **timeline.page_context(
            db.session, case, sla_days=current_app.extensions["settings"].review_sla_days,
            parts=parts, **shown)), status

    @expose("/review/<int:case_id>")
    def review_view(self, case_id: int):
        return self._page(_case(case_id))

    @expose("/take-next/", methods=["POST"])
    def take_next_view(self):
        if not forms.ActionForm().validate_on_submit():
            flash("The form expired; try again.", "error")
            return redirect(url_for(".index_view"))
        reviewer = db.session.get(User, current_user.id)
        only = self.filters_on_screen()
        case = commit_with_retries(db.session, lambda: take_next_case(
            db.session, actor=self.actor(), reviewer=reviewer, only=only))
        if case is None:
            flash("No unassigned case matches the filters on screen: clear them to take the "
                  "next of all." if only is not None else
                  "There is no unassigned case left to take.", "info")
            return redirect(url_for(".index_view", **request.args))
        flash(timeline.taken_message(case, utcnow().date())
              + (" (the most urgent matching the filters on screen)" if only is not None
                 else ""), "success")
        return self._back(case)

    @expose("/take/<int:case_id>", methods=["POST"])
    def take_view(self, case_id: int):
        case = _case(case_id)
        if not forms.ActionForm().validate_on_submit():
            return self._expired(case)
        reviewer = db.session.get(User, current_user.id)
        commit_or_refusal(lambda: take_case(
            db.session, actor=self.actor(), reviewer=reviewer, case=case),
            lambda taken: timeline.taken_message(taken, utcnow().date()),
            attempts=DEFAULT_ATTEMPTS)
        return self._back(case)

    @expose("/findings/<int:case_id>", methods=["POST"])
    def findings_view(self, case_id: int):
        case = _case(case_id)
        form = forms.ActionForm()
        if not form.validate_on_submit():
            return self._expired(case)
        assessment = latest_assessment(db.session, case)
        ids = [item["id"] for item in assessment.requirements] if assessment else []
        plan_count = len(assessment.improvement_plan) if assessment else 0

        def save():
            record_findings(
                db.session, actor=self.actor(), case=case,
                findings=forms.findings_from(request.form, ids),
                plan_decisions=forms.plan_decisions_from(request.form, plan_count),
                expected_version=form.seen_version())

        refused = commit_or_refusal(save, "Findings saved.")
        if refused is None:
            return self._back(case)
        # stale: the case as it is now, with what was typed kept to check and save again
        seen = None if isinstance(refused, StaleCase) else form.seen_version()
        return self._page(case, refused.status, entered=forms.entered_findings(
            request.form, ids, plan_count, refused, seen))

    @expose("/request-information/<int:case_id>", methods=["POST"])
    def request_information_view(self, case_id: int):
        case = _case(case_id)
        form = forms.MessageForm()
        if not form.validate_on_submit():
            flash("Write what the organisation should send.", "error")
            return self._back(case)
        recipients = [a.email for a in case.organisation.administrators]
        return self._run(case, lambda: request_information(
            db.session, actor=self.actor(), case=case, message=form.message.data,
            recipients=recipients, site_url=request.url_root),
            "Information requested; the SLA clock is stopped until it arrives.")

    @expose("/information-received/<int:case_id>", methods=["POST"])
    def information_received_view(self, case_id: int):
        case = _case(case_id)
        if not forms.ActionForm().validate_on_submit():
            return self._expired(case)
        due_before = case.due_date
        commit_or_refusal(
            lambda: information_received(db.session, actor=self.actor(), case=case),
            lambda paused: timeline.resumed_message(paused, due_before, case.due_date))
        return self._back(case)

    @expose("/attach-reply/<int:case_id>", methods=["POST"])
    @accepts_uploads(MAX_REPLY_BYTES)
    def attach_reply_view(self, case_id: int):
        case = _case(case_id)
        form = forms.AttachReplyForm()
        if not form.validate_on_submit():
            if "csrf_token" in form.errors:
                return self._expired(case)
            return self._page(case, 422, reply_form=form)
        due_before = case.due_date

        def attach():
            return replies.attach_reply(
                db.session, actor=self.actor(), case=case, channel=form.channel.data,
                case_url=case_page_url(case.id),
                received_on=form.received_on.data, reply=replies.ReplyInput(
                    from_name=form.from_name.data or "", message=form.message.data or "",
                    documents=checked_documents(form.uploads())))

        refused = commit_or_refusal(attach, lambda stored: timeline.reply_attached_message(
            stored, due_before, case.due_date), form=form, refusals=(DocumentsRefused,
                                                                     InvalidInput))
        if refused is None:
            return self._back(case)
        return self._page(case, refused.status, reply_form=form)

    @expose("/reply-document/<int:document_id>")
    def reply_document_view(self, document_id: int):
        document = get_or_not_found(db.session, ReplyDocument, document_id, what="document")
        return send_file(BytesIO(document.content), mimetype=document.content_type,
                         as_attachment=True, download_name=document.filename,
                         etag=document.sha256, max_age=0)

    @expose("/outcome/<int:case_id>", methods=["POST"])
    def outcome_view(self, case_id: int):
        case = _case(case_id)
        form = forms.OutcomeForm()
        if not form.validate_on_submit():
            if "csrf_token" in form.errors:
                return self._expired(case)
            flash("Choose an outcome.", "error")
            return self._page(case, 422, outcome_form=form, outcome_error="Choose an outcome.")
        outcome = Outcome(form.outcome.data)
        refused = commit_or_refusal(lambda: record_outcome(
            db.session, actor=self.actor(), case=case, outcome=outcome,
            reasons=form.reasons.data or "", plan_accepted=form.plan_accepted.data,
            expected_version=form.seen_version()), timeline.outcome_recorded(case, outcome),
            form=form)  # an outcome refused by the rules is shown once, beside the form
        if refused is None or isinstance(refused, StaleCase):
            return self._back(case)
        return self._page(case, refused.status, outcome_form=form,
                          outcome_error=refused.message,
                          outcome_refusal=refused if isinstance(refused, OutcomeRefused)
                          else None)

    @expose("/sign-off/<int:case_id>", methods=["POST"])
    def sign_off_view(self, case_id: int):
        case = _case(case_id)
        form = forms.SignOffForm()
        if not form.validate_on_submit():
            flash("Choose to sign off or send back.", "error")
            return self._back(case)
        signer = db.session.get(User, current_user.id)
        if form.decision.data == "approve":
            return self._run(case, lambda: sign_off(
                db.session, actor=self.actor(), case=case, signer=signer,
                comment=form.comment.data or ""),
                "Signed off; the letters are due. The outcome is on the public report now.")
        return self._run(case, lambda: send_back(
            db.session, actor=self.actor(), case=case, signer=signer,
            comment=form.comment.data or ""), "Sent back to the reviewer.")

    @expose("/reopen/<int:case_id>", methods=["POST"])
    def reopen_view(self, case_id: int):
        case = _case(case_id)
        form = forms.ReasonForm()
        if not form.validate_on_submit():
            flash("Say why the case is reopened.", "error")
            return self._back(case)
        return self._run(case, lambda: reopen(
            db.session, actor=self.actor(), case=case, reason=form.reason.data,
            sla_days=current_app.extensions["settings"].review_sla_days),
            "Case reopened: each approval group that had a letter is sent a notice.")

    def _expired(self, case: Case):
        flash("The form expired; try again.", "error")
        return self._back(case)

    @expose("/assign/", methods=["GET", "POST"])
    def assign_view(self):
        form = forms.AssignForm(ids=request.args.get("ids", ""))
        form.reviewer.choices = [(u.id, f"{u} ({u.role_label})") for u in db.session.scalars(
            select(User).where(User.active, User.role.in_(REVIEWER_ROLES))
            .order_by(User.name))]
        ids = [int(i) for i in (form.ids.data or "").split(",") if fits_an_id(i)]
        chosen = list(db.session.scalars(select(Case).where(Case.id.in_(ids))))
        if form.validate_on_submit():
            reviewer = db.session.get(User, form.reviewer.data)
            if commit_and_tell(lambda: assign_cases(
                    db.session, actor=self.actor(), cases=chosen, reviewer=reviewer),
                    lambda count: f"{count} case(s) assigned to {reviewer}."):
                return redirect(url_for(".index_view"))
        return self.render("reviews/assign.html", form=form, cases=chosen)
