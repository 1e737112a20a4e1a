"""The annual compliance report: download, send once a year, the public Publications page."""


def init_app(_app) -> None:
    """Register what writes the report's e-mails (their attachments) when they are sent."""
    from backoffice.compliance import sending

    sending.register_composers()
