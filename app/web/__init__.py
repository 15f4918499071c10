"""The officers' web pages, in Vietnamese: sign-in, inbox, task forms, cases, dashboard, reception plans, users.

Pages call the services, exactly as the JSON API does. The signed cookie (HttpOnly, SameSite=Lax,
Secure when ``SESSION_COOKIE_SECURE`` is set) carries only the id of a server-side session
(``app.services.sessions``), and every form carries a CSRF token (Flask-WTF). CSRF checking is
switched on for this blueprint only, so the JSON API, which authenticates each request with Basic
or Bearer credentials and never with the cookie, is exempt by construction. The cookie and CSRF
settings are in ``app.config``.
"""

from __future__ import annotations

from flask import Flask

from app.web import (
    accesses,
    account,
    admin,
    analyst,
    audit,
    auth,
    calendar_page,
    cases,
    documents,
    errors,
    escalations,
    filters,
    integrity,
    notes,
    organisations,
    views,
)
from app.web.blueprint import bp, csrf
from app.web.cookie import FixedExpiryCookie

__all__ = ["accesses", "account", "admin", "analyst", "audit", "auth", "calendar_page", "cases", "documents",
           "escalations", "init_app", "integrity", "notes", "organisations", "views"]


def init_app(app: Flask) -> None:
    app.session_interface = FixedExpiryCookie()
    csrf.init_app(app)
    filters.register(app)
    errors.register(app)
    app.register_blueprint(bp)
