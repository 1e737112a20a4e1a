"""The signed-cookie session, opened only for a request that brings the cookie."""

from __future__ import annotations

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's own, but a request without the session cookie (the toolkit's notifications,
    API clients, a first visit) gets an empty session without building the signing
    serializer: the same session, less work on every such request."""

    def open_session(self, app, request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
