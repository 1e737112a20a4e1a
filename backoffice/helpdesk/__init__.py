"""Helpdesk tickets (the public contact form, phone calls, the queue) and the invitations of
Organisation Administrators."""


def init_app(app) -> None:
    """The set-password e-mail gets its link when it is sent (never stored); templates may
    write a ticket's age in working hours (``ticket_age``)."""
    from flask import current_app

    from backoffice.helpdesk import invitations, services
    from backoffice.mail import delivery

    def ticket_age(ticket) -> str:
        return services.age_label(ticket, current_app.extensions["settings"].opening_hours)

    app.jinja_env.globals["ticket_age"] = ticket_age

    def compose(session, message):
        settings = current_app.extensions["settings"]
        return invitations.compose_set_password(session, message,
                                                secret_key=settings.secret_key,
                                                site_url=settings.site_url)

    delivery.COMPOSERS[invitations.SET_PASSWORD_KIND] = compose
