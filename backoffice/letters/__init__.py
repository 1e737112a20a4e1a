"""Outcome letters: Word templates, generation, SMTP delivery, case closure."""


def init_app(_app) -> None:
    """Register the listener that asks for letter jobs after each commit, and the writer of
    the information request e-mail's body."""
    from backoffice.letters import (
        dispatch,  # noqa: F401
        requests_mail,
    )
    from backoffice.mail import delivery

    delivery.COMPOSERS[requests_mail.INFORMATION_REQUEST] = requests_mail.information_request
