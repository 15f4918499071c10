"""The session cookie keeps the expiry it got at sign-in, whichever page rewrites it later.

Flask re-sends the cookie whenever the session changes (a flashed message, a CSRF token) with a
fresh ``now + lifetime``; here its expiry is the moment fixed at sign-in (``until``), so a browser
drops it when the server-side session ends (``app.services.sessions`` is what enforces it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

UNTIL = "until"


class FixedExpiryCookie(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """No cookie (every API call): the empty session, without building the signer to read nothing."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        until = session.get(UNTIL)
        if isinstance(until, int):
            return datetime.fromtimestamp(until, UTC)
        return super().get_expiration_time(app, session)
