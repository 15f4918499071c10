"""Sign-in with a session cookie, sign-out, and the checks every page runs first."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from app.errors import NotAuthenticated, TooManyAttempts
from app.ratelimit import web_sign_in
from app.read_log import read_logger
from app.services import sessions
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.web.blueprint import bp, csrf
from app.web.cookie import UNTIL

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; font-src 'self' data:; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'self'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["runtime"]
    return rt


def current_principal() -> Principal | None:
    principal: Principal | None = g.get("web_principal")
    return principal


def principal() -> Principal:
    """The signed-in officer; pages behind ``login_required`` always have one."""
    found = current_principal()
    if found is None:
        raise NotAuthenticated()
    return found


logs_read = read_logger(principal)  # under ``login_required``: record the read of a case once the view answered


def client() -> sessions.Client:
    return sessions.Client(request.remote_addr or "", request.headers.get("User-Agent", ""), "web")


@bp.before_request
def _load_user() -> Any:
    """CSRF on every form post, then who is signed in: the server-side session, checked on every page."""
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        csrf.protect()
    token = session.get("sid")
    if isinstance(token, str):
        try:
            g.web_principal = sessions.resume(runtime(), token)
        except NotAuthenticated as error:
            session.clear()
            flash(error.message, "error")
    return None


@bp.after_request
def _headers(response: Any) -> Any:
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_principal() is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None, default: str = "web.inbox") -> str:
    """Only a path on this site: never an absolute or scheme-relative URL (open redirect), no control characters."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and target.isprintable():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for(default)


@bp.route("/login", methods=["GET", "POST"])
@web_sign_in
def login() -> Any:
    if request.method == "GET":
        if current_principal() is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    try:
        signed = sessions.sign_in(runtime(), username, request.form.get("password", ""), client())
    except (NotAuthenticated, TooManyAttempts) as error:
        return render_template("login.html", next=request.form.get("next", ""), username=username,
                               error=error.message), error.status
    session.clear()
    session.permanent = True
    session["sid"] = signed.session_token
    session[UNTIL] = int(time.time() + current_app.permanent_session_lifetime.total_seconds())
    flash(f"Xin chào {signed.principal.full_name}.", "ok")
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out here and everywhere: every session and API token of the user ends."""
    token = session.get("sid")
    if isinstance(token, str):
        sessions.sign_out(runtime(), token, client())
    session.clear()
    flash("Bạn đã đăng xuất khỏi mọi phiên đăng nhập; các mã truy cập API của bạn cũng đã bị thu hồi.", "ok")
    return redirect(url_for("web.login"))
