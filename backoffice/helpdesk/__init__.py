"""Helpdesk tickets (the public contact form, phone calls, the queue) and the invitations of
Organisation Administrators."""


def init_app(_app) -> None:
    """The set-password e-mail gets its link when it is sent (never stored)."""
    from flask import current_app

    from backoffice.helpdesk import invitations
    from backoffice.mail import delivery

    def compose(session, message):
        settings = current_app.extensions["settings"]
        return invitations.compose_set_password(session, message,
                                                secret_key=settings.secret_key,
                                                site_url=settings.site_url)

    delivery.COMPOSERS[invitations.SET_PASSWORD_KIND] = compose
