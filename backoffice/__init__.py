"""IG Toolkit review back office: the application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

PACKAGE_ROOT = Path(__file__).resolve().parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the web application; nothing is built at import time."""
    from backoffice import admin, compliance, helpdesk, letters, mail, models
    from backoffice.cli import register_commands
    from backoffice.config import load_settings
    from backoffice.core import display, errors, headers, inputs, logs, vocabulary
    from backoffice.core.redis import limiter_storage_uri
    from backoffice.core.sessions import CookieSessionInterface
    from backoffice.extensions import csrf, db, limiter, login_manager, migrate

    app = Flask(__name__, template_folder=str(PACKAGE_ROOT / "templates"),
                static_folder=str(PACKAGE_ROOT / "static"),
                instance_path=os.environ.get("BACKOFFICE_INSTANCE_PATH")
                or str(Path.cwd() / "instance"))
    settings = load_settings(app.instance_path, overrides)
    app.extensions["settings"] = settings
    app.config.update(_flask_config(settings))
    app.session_interface = CookieSessionInterface()
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,
                                x_proto=settings.trusted_proxies,
                                x_host=settings.trusted_proxies,
                                x_port=settings.trusted_proxies)
    app.config["RATELIMIT_STORAGE_URI"] = (
        limiter_storage_uri(settings.redis_url) if settings.redis_url else "memory://")
    inputs.init_app(app)
    vocabulary.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "users.login"
    login_manager.login_message = "Log in to see that page."
    errors.init_app(app)
    headers.init_app(app)
    display.init_app(app)
    _register_blueprints(app)
    admin.init_app(app)
    mail.init_app(app)
    letters.init_app(app)
    helpdesk.init_app(app)
    compliance.init_app(app)
    register_commands(app)
    logs.configure(logging.INFO)
    models.load_all()
    return app


def _flask_config(settings) -> dict:
    return {
        "SECRET_KEY": settings.secret_key,
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not settings.development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not settings.development,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "TRUSTED_HOSTS": [h.strip() for h in settings.trusted_hosts.split(",") if h.strip()]
        or None,
        # Redis down: count in this process's memory (logged) rather than fail the request
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
    }


def _register_blueprints(app: Flask) -> None:
    from backoffice.api.views import bp as api
    from backoffice.compliance.public import bp as publications
    from backoffice.health import bp as health
    from backoffice.helpdesk.account_views import bp as account
    from backoffice.helpdesk.views import bp as helpdesk
    from backoffice.notifications.api import bp as notifications_api
    from backoffice.portal.views import bp as portal
    from backoffice.reports.views import bp as reports
    from backoffice.reviews.views import bp as replies
    from backoffice.users.twofactor_views import bp as two_factor
    from backoffice.users.views import bp as users

    for blueprint in (users, two_factor, health, portal, reports, publications,
                      notifications_api, api, helpdesk, replies, account):
        app.register_blueprint(blueprint)
