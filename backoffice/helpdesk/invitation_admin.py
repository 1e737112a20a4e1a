"""Staff screens: invite an Organisation Administrator, and edit the wording of those e-mails."""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from backoffice.core.admin_views import StaffView
from backoffice.core.audit import Actor
from backoffice.core.permissions import Permission
from backoffice.core.transactions import commit_and_tell, commit_or_refusal
from backoffice.extensions import db
from backoffice.helpdesk import emailtemplates, invitations
from backoffice.helpdesk.forms import EmailTemplateForm, InviteForm
from backoffice.helpdesk.mail import HelpdeskContact
from backoffice.helpdesk.models import AdministratorInvitation, InvitationWay
from backoffice.organisations.models import OrganisationAdministrator

RECENT = 50
DONT_SEND = ""


def contact() -> HelpdeskContact:
    return HelpdeskContact.of(current_app.extensions["settings"])


class AdministratorInvitations:
    """What the organisations register needs from invitations (it sits below the helpdesk):
    the choice on its form, sending, and each administrator's state in words."""

    choices = [(w.value, w.label) for w in InvitationWay] + [(DONT_SEND, "Nothing for now")]
    default = InvitationWay.LOG_IN_DETAILS.value

    def send(self, session: Session, *, actor: Actor,
             administrators: list[OrganisationAdministrator], way: str) -> None:
        if way == DONT_SEND:
            return
        for administrator in administrators:
            invitations.invite(session, actor=actor, administrator=administrator, way=way,
                               contact=contact())

    def state(self, session: Session, administrator: OrganisationAdministrator) -> str:
        return invitations.invitation_state(
            invitations.latest_invitation(session, administrator.id))


class InvitationView(StaffView):
    """Invitations sent lately, and the form that sends one."""

    permission = Permission.MANAGE_ORGANISATIONS

    @expose("/")
    def index(self):
        rows = list(db.session.scalars(
            select(AdministratorInvitation).options(
                joinedload(AdministratorInvitation.administrator)
                .joinedload(OrganisationAdministrator.organisation),
                joinedload(AdministratorInvitation.created_by))
            .order_by(AdministratorInvitation.id.desc()).limit(RECENT)))
        return self.render("helpdesk/invitations.html", rows=rows,
                           state=invitations.invitation_state)

    @expose("/send/<int:administrator_id>", methods=["GET", "POST"])
    def send_view(self, administrator_id: int):
        administrator = invitations.get_administrator(db.session, administrator_id)
        form = InviteForm()
        if form.validate_on_submit() and commit_and_tell(
                lambda: invitations.invite(db.session, actor=self.actor(),
                                           administrator=administrator, way=form.way.data,
                                           contact=contact()),
                lambda invitation: f"Sent to {administrator.email}: {invitation.way_label}.",
                form=form):
            return redirect(url_for("organisation.details_view",
                                    id=administrator.organisation_id))
        latest = invitations.latest_invitation(db.session, administrator.id)
        return self.render("helpdesk/invite.html", administrator=administrator, form=form,
                           state=invitations.invitation_state(latest))


class EmailTemplateView(StaffView):
    """The wording of the invitation e-mails: defaults, edited by admins and the helpdesk."""

    permission = Permission.MANAGE_EMAIL_TEMPLATES

    @expose("/")
    def index(self):
        return self.render("helpdesk/email_templates.html",
                           wordings=emailtemplates.every_wording(db.session))

    @expose("/edit/<key>", methods=["GET", "POST"])
    def edit_view(self, key: str):
        current = emailtemplates.wording(db.session, key)
        form = EmailTemplateForm(data={"subject": current.subject, "body": current.body}
                                 if request.method == "GET" else None)
        if form.validate_on_submit() and commit_and_tell(
                lambda: emailtemplates.save(db.session, actor=self.actor(), key=key,
                                            subject=form.subject.data, body=form.body.data),
                f"{current.title}: saved; the next e-mail uses it.", form=form):
            return redirect(url_for(".index"))
        return self.render("helpdesk/email_template.html", wording=current, form=form,
                           default=emailtemplates.DEFAULTS[key])

    @expose("/reset/<key>", methods=["POST"])
    def reset_view(self, key: str):
        """(CSRF is checked for every POST by CSRFProtect.)"""
        commit_or_refusal(lambda: emailtemplates.reset(db.session, actor=self.actor(),
                                                       key=key),
                          "Back to the default wording.")
        return redirect(url_for(".index"))
