"""The helpdesk's ticket queue and ticket page, as POST views calling the ticket services."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from backoffice.cases.services import cases_of
from backoffice.core.admin_views import StaffModelView
from backoffice.core.audit import AuditEvent
from backoffice.core.display import when
from backoffice.core.errors import ServiceError
from backoffice.core.permissions import Permission, user_may
from backoffice.core.transactions import commit_and_tell, commit_once, show_refusal
from backoffice.exemptions.models import Exemption
from backoffice.extensions import db
from backoffice.helpdesk import forms, services
from backoffice.helpdesk.invitation_admin import EmailTemplateView, InvitationView
from backoffice.helpdesk.mail import HelpdeskContact
from backoffice.helpdesk.models import Channel, Ticket, TicketCategory, TicketStatus
from backoffice.users.models import User

SAVED_VIEWS = (
    ("Unresolved", ""), ("My tickets", "mine"), ("Unassigned", "unassigned"), ("New", "new"),
    ("Waiting for the customer", "waiting"), ("Resolved", "resolved"), ("All", "all"),
)
TRAIL_LIMIT = 100


def saved_view_filter(name: str):
    """The condition behind each saved view of the queue (default: unresolved)."""
    unresolved = Ticket.status != TicketStatus.RESOLVED.value
    return {
        "": unresolved,
        "mine": (Ticket.assigned_to_id == current_user.id) & unresolved,
        "unassigned": Ticket.assigned_to_id.is_(None) & unresolved,
        "new": Ticket.status == TicketStatus.NEW.value,
        "waiting": Ticket.status == TicketStatus.WAITING.value,
        "resolved": Ticket.status == TicketStatus.RESOLVED.value,
    }.get(name)


def _reference(view, context, ticket, name) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url_for(".ticket_view", ticket_id=ticket.id),
                                               ticket.reference)


def _sender(view, context, ticket, name) -> Markup:
    return Markup('{}<br><small class="text-muted">{}</small>').format(ticket.name,
                                                                       ticket.email)


def _organisation(view, context, ticket, name) -> str:
    return str(ticket.organisation) if ticket.organisation else ticket.organisation_name


def _settings():
    return current_app.extensions["settings"]


def contact() -> HelpdeskContact:
    return HelpdeskContact.of(_settings())


def _age(view, context, ticket, name) -> Markup:
    """Working hours within opening hours; a ticket unanswered past the SLA says so."""
    settings = _settings()
    label = services.age_label(ticket, settings.opening_hours)
    if not ticket.is_resolved and services.over_sla(ticket, settings.opening_hours,
                                                    settings.helpdesk_sla_hours):
        return Markup('{} <span class="badge badge-danger" data-testid="over-sla">over SLA'
                      '</span>').format(label)
    return Markup("{}").format(label)


def _channel(view, context, ticket, name) -> Markup:
    if ticket.is_phone_call:
        return Markup('<span class="badge badge-secondary" title="{}">phone</span>').format(
            ticket.phone)
    return Markup("")


def ticket_trail(ticket: Ticket) -> list[AuditEvent]:
    """The audit rows of the ticket and of every message in its thread, newest first."""
    message_ids = [str(m.id) for m in ticket.messages]
    query = (select(AuditEvent).where(or_(
        (AuditEvent.entity_type == "tickets") & (AuditEvent.entity_id == str(ticket.id)),
        (AuditEvent.entity_type == "ticket_messages") & AuditEvent.entity_id.in_(message_ids)))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(TRAIL_LIMIT))
    return list(db.session.scalars(query))


class TicketAdmin(StaffModelView):
    """The ticket queue: unresolved first by age, saved views, filters and search."""

    permission = Permission.MANAGE_TICKETS
    can_create = False
    can_edit = False
    can_view_details = False
    list_template = "helpdesk/queue.html"
    column_list = ("reference", "channel", "status", "category", "name", "organisation",
                   "assigned_to", "created_at", "last_activity_at")
    column_default_sort = [("created_at", False)]
    column_searchable_list = ("reference", "email", "ods_code")
    named_filter_urls = True
    column_filters = ("status", "channel", "category", "organisation.ods_code",
                      "assigned_to.email",
                      filters.DateTimeBetweenFilter(Ticket.created_at, "Opened"))
    column_labels = {"name": "From", "assigned_to": "Assignee",
                     "created_at": "Age (working hours)", "channel": "Channel",
                     "last_activity_at": "Last activity", "organisation.ods_code": "ODS code",
                     "assigned_to.email": "Assignee"}
    column_choices = {"status": [(s.value, s.label) for s in TicketStatus],
                      "category": [(c.value, c.label) for c in TicketCategory],
                      "channel": [(c.value, c.label) for c in Channel]}
    column_formatters = {
        "reference": _reference, "name": _sender, "created_at": _age, "channel": _channel,
        "organisation": _organisation,
        "last_activity_at": lambda v, c, m, p: when(m.last_activity_at),
    }

    def render(self, template, **kwargs):
        kwargs.setdefault("opening_hours", _settings().opening_hours.label)
        return super().render(template, **kwargs)

    def search_placeholder(self) -> str:
        return "Reference, e-mail, ODS code or words in the messages"

    def saved_views(self):
        return [(label, {"view": key} if key else {}) for label, key in SAVED_VIEWS]

    def _saved(self, query):
        name = request.args.get("view", "")
        if not name and request.args.get("search"):
            name = "all"  # a search looks at resolved tickets too
        condition = saved_view_filter(name)
        return query if condition is None else query.filter(condition)

    def get_query(self):
        return self._saved(super().get_query()).options(
            joinedload(Ticket.organisation), joinedload(Ticket.assigned_to),
            selectinload(Ticket.messages))  # the SLA reads each ticket's first reply

    def get_count_query(self):
        return self._saved(super().get_count_query())

    def _apply_search(self, query, count_query, joins, count_joins, search):
        condition = services.search_condition(search)
        if count_query is not None:
            count_query = count_query.filter(condition)
        return query.filter(condition), count_query, joins, count_joins

    # The ticket page ----------------------------------------------------------------------

    def _back(self, ticket: Ticket):
        return redirect(url_for(".ticket_view", ticket_id=ticket.id))

    def _run(self, ticket: Ticket, form, work, done: str):
        """Check the form, call a service, commit, and say what happened — or why not."""
        if not form.validate_on_submit():
            errors = [e for field_errors in form.errors.values() for e in field_errors]
            flash(" ".join(errors) or "The form expired; try again.", "error")
            return self._back(ticket)
        commit_and_tell(work, done)
        return self._back(ticket)

    def _link_form(self, ticket: Ticket) -> forms.LinkForm:
        form = forms.LinkForm()
        exemptions = [] if ticket.organisation_id is None else db.session.scalars(
            select(Exemption).where(Exemption.organisation_id == ticket.organisation_id)
            .order_by(Exemption.toolkit_version.desc(), Exemption.requirement_id))
        form.exemption_id.choices = [("", "—")] + [(str(e.id), f"#{e.id}: {e}")
                                                   for e in exemptions]
        return form

    def _assign_form(self) -> forms.AssignForm:
        form = forms.AssignForm()
        form.officer.choices = [(u.id, f"{u} ({u.role_label})")
                                for u in services.helpdesk_officers(db.session)]
        return form

    @expose("/ticket/<int:ticket_id>")
    def ticket_view(self, ticket_id: int):
        ticket = services.get_ticket(db.session, ticket_id)
        settings = _settings()
        return self.render(
            "helpdesk/ticket.html", ticket=ticket,
            age=services.age_label(ticket, settings.opening_hours),
            over_sla=not ticket.is_resolved and services.over_sla(
                ticket, settings.opening_hours, settings.helpdesk_sla_hours),
            sla_hours=settings.helpdesk_sla_hours,
            action_form=forms.ActionForm(), assign_form=self._assign_form(),
            reply_form=forms.MessageForm(prefix="reply"),
            note_form=forms.MessageForm(prefix="note"), link_form=self._link_form(ticket),
            reason_form=forms.ReasonForm(), trail=ticket_trail(ticket),
            may_view_cases=user_may(current_user, Permission.VIEW_CASES),
            open_cases=cases_of(db.session, ticket.organisation_id, open_only=True)
            if ticket.organisation_id else [])

    @expose("/phone", methods=["GET", "POST"])
    def phone_view(self):
        """A phone call becomes a ticket, the officer's own and open."""
        form = forms.PhoneTicketForm()
        if form.validate_on_submit():
            try:
                ticket = commit_once(lambda: services.create_phone_ticket(
                    db.session, actor=self.actor(), name=form.name.data,
                    phone=form.phone.data, email=form.email.data or "",
                    category=form.category.data, summary=form.summary.data,
                    ods_code=form.ods_code.data or "",
                    organisation_name=form.organisation_name.data or "", contact=contact()))
            except ServiceError as error:
                show_refusal(error, form)
            else:
                flash(f"{ticket.reference} opened for the call from {ticket.name}; it is "
                      "yours.", "success")
                return self._back(ticket)
        return self.render("helpdesk/phone.html", form=form,
                           phone=_settings().helpdesk_phone)

    @expose("/take/<int:ticket_id>", methods=["POST"])
    def take_view(self, ticket_id: int):
        ticket = services.get_ticket(db.session, ticket_id)
        officer = db.session.get(User, current_user.id)
        return self._run(ticket, forms.ActionForm(), lambda: services.take(
            db.session, actor=self.actor(), ticket=ticket, officer=officer),
            f"{ticket.reference} is yours.")

    @expose("/assign/<int:ticket_id>", methods=["POST"])
    def assign_view(self, ticket_id: int):
        ticket = services.get_ticket(db.session, ticket_id)
        form = self._assign_form()
        officer = db.session.get(User, form.officer.data) if form.officer.data else None
        return self._run(ticket, form, lambda: services.assign(
            db.session, actor=self.actor(), ticket=ticket, officer=officer),
            f"{ticket.reference} assigned to {officer}.")

    @expose("/reply/<int:ticket_id>", methods=["POST"])
    def reply_view(self, ticket_id: int):
        ticket = services.get_ticket(db.session, ticket_id)
        form = forms.MessageForm(prefix="reply")
        return self._run(ticket, form, lambda: services.reply(
            db.session, actor=self.actor(), ticket=ticket, body=form.body.data),
            f"Reply queued for e-mail to {ticket.email}; the ticket waits for the customer.")

    @expose("/note/<int:ticket_id>", methods=["POST"])
    def note_view(self, ticket_id: int):
        ticket = services.get_ticket(db.session, ticket_id)
        form = forms.MessageForm(prefix="note")
        return self._run(ticket, form, lambda: services.add_note(
            db.session, actor=self.actor(), ticket=ticket, body=form.body.data),
            "Note added (not e-mailed).")

    @expose("/link/<int:ticket_id>", methods=["POST"])
    def link_view(self, ticket_id: int):
        ticket = services.get_ticket(db.session, ticket_id)
        form = self._link_form(ticket)
        return self._run(ticket, form, lambda: services.link(
            db.session, actor=self.actor(), ticket=ticket, ods_code=form.ods_code.data or "",
            case_reference=form.case_reference.data or "",
            exemption_id=form.exemption_id.data or ""), "Links saved.")

    @expose("/resolve/<int:ticket_id>", methods=["POST"])
    def resolve_view(self, ticket_id: int):
        ticket = services.get_ticket(db.session, ticket_id)
        return self._run(ticket, forms.ActionForm(), lambda: services.resolve(
            db.session, actor=self.actor(), ticket=ticket), f"{ticket.reference} resolved.")

    @expose("/reopen/<int:ticket_id>", methods=["POST"])
    def reopen_view(self, ticket_id: int):
        ticket = services.get_ticket(db.session, ticket_id)
        form = forms.ReasonForm()
        return self._run(ticket, form, lambda: services.reopen(
            db.session, actor=self.actor(), ticket=ticket, reason=form.reason.data),
            f"{ticket.reference} reopened.")


def screens() -> list:
    """The helpdesk's tickets, the invitations of Organisation Administrators and the
    wording of those e-mails, as the staff area lists them."""
    return [TicketAdmin(Ticket, db, name="Tickets", endpoint="ticket", category="Helpdesk"),
            InvitationView(name="Administrator invitations", endpoint="invitation",
                           category="Helpdesk"),
            EmailTemplateView(name="E-mail templates", endpoint="email_template",
                              category="Helpdesk")]
