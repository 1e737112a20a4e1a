"""Request throttling (Flask-Limiter), stored in the same Redis as the jobs."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def login_key() -> str:
    """Throttle log-in attempts per address and per e-mail tried."""
    email = (request.form.get("email") or "").strip().lower()
    return f"{get_remote_address()}|{email}"


limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
