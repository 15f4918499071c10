"""The officers' web pages, in Vietnamese: sign-in, inbox, task forms, cases, dashboard, reception plans, users.

Pages call the services, exactly as the JSON API does. The session is Flask's signed cookie
(HttpOnly, SameSite=Lax, Secure when ``SESSION_COOKIE_SECURE`` is set) and every form carries a
CSRF token (Flask-WTF). CSRF checking is switched on for this blueprint only, so the JSON API,
which authenticates each request with Basic or Bearer credentials and never with the cookie, is
exempt by construction, including any API blueprint added later.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from app.web import admin, auth, cases, errors, filters, plans, views
from app.web.blueprint import bp, csrf

__all__ = ["admin", "auth", "cases", "init_app", "plans", "views"]


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in the web blueprint only
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a long form may stay open for a working day
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=8))
    app.config.setdefault("SESSION_REFRESH_EACH_REQUEST", False)  # a session lasts a working day from sign-in
    app.config.setdefault("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_NAME="khieunai_session")
    csrf.init_app(app)
    filters.register(app)
    errors.register(app)
    app.register_blueprint(bp)
