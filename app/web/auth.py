"""Sign-in with a session cookie, sign-out, and the checks every page runs first."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from app.errors import NotAuthenticated
from app.services import users
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.web.blueprint import bp, csrf

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


@bp.before_request
def _load_user() -> Any:
    """CSRF on every form post, then who is signed in (read again each time: a deactivation bites at once)."""
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        csrf.protect()
    user_id = session.get("uid")
    if isinstance(user_id, int):
        try:
            g.web_principal = users.principal_by_id(runtime(), user_id)
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
    """Only a path on this site: never an absolute or scheme-relative URL (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for(default)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        if current_principal() is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    try:
        found = users.authenticate_password(runtime(), username, request.form.get("password", ""))
    except NotAuthenticated as error:
        return render_template("login.html", next=request.form.get("next", ""), username=username,
                               error=error.message), 401
    session.clear()
    session.permanent = True
    session["uid"] = found.user_id
    flash(f"Xin chào {found.full_name}.", "ok")
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    flash("Bạn đã đăng xuất.", "ok")
    return redirect(url_for("web.login"))
