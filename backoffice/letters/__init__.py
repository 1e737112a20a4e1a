"""Outcome letters: Word templates, generation, SMTP delivery, case closure."""


def init_app(_app) -> None:
    """Register the listener that asks for letter jobs after each commit."""
    from backoffice.letters import dispatch  # noqa: F401
