"""Request throttling (Flask-Limiter), stored in the same Redis as the jobs."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def login_account_key() -> str:
    """Failed log-ins are counted per account tried, from wherever they come."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def login_address_key() -> str:
    """…and per client address, whichever accounts it tries."""
    return f"address:{get_remote_address()}"


def login_failed(response) -> bool:
    """Only a refused password counts: staff logging in many times are not a flood."""
    return response.status_code == 401


limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
