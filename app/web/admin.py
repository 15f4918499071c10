"""The admin's pages: users, their roles and the organisation each is limited to (picked from the catalogue)."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.errors import InvalidInput
from app.persistence.queries import Page
from app.roles import ROLES
from app.services import admin, casefile, sessions
from app.services.admin import ACCOUNT_ACTIONS, ACCOUNT_FIELDS, ACCOUNT_HIDDEN
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp
from app.web.filters import org_name, vn_date, vn_datetime
from app.web.params import page_number


def _change() -> admin.UserChange:
    form = request.form
    return admin.UserChange(
        full_name=form.get("full_name", ""), roles=frozenset(r for r in form.getlist("roles") if r in ROLES),
        organisation=form.get("organisation") or None, is_active=bool(form.get("is_active")),
        password=form.get("password") or None,
    )


def _user_form(user: Any, values: dict[str, Any], errors: dict[str, str], status: int = 200,
               message: str | None = None) -> Any:
    rt, who = runtime(), principal()
    context: dict[str, Any] = {}
    if user is not None:
        context = {"sessions": sessions.list_sessions(rt, who, user.username),
                   "tokens": sessions.list_tokens(rt, who, user.username),
                   "locked_until": sessions.locked_until(rt, who, user.username), "now": rt.now()}
    held = user.organisation if user is not None else None
    return render_template("admin_user.html", user=user, values=values, errors=errors, message=message,
                           organisations=admin.organisation_choices(rt, who, held), **context), status


@bp.route("/admin/users")
@login_required
def admin_users() -> Any:
    return render_template("admin_users.html", users=admin.list_users(runtime(), principal()))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def admin_new_user() -> Any:
    if request.method == "GET":
        return _user_form(None, {"is_active": True, "roles": set()}, {})
    change = _change()
    username = request.form.get("username", "").strip()
    values = {"username": username, "full_name": change.full_name, "roles": change.roles,
              "organisation": change.organisation or "", "is_active": change.is_active}
    try:
        admin.create_user(runtime(), principal(), username, change)
    except InvalidInput as error:
        return _user_form(None, values, error.fields, 422, error.message)
    flash(f"Đã tạo người dùng {username}.", "ok")
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@login_required
def admin_user(user_id: int) -> Any:
    user = admin.get_user(runtime(), principal(), user_id)
    if request.method == "GET":
        return _user_form(user, {"full_name": user.full_name, "roles": user.role_ids,
                                 "organisation": user.organisation or "", "is_active": user.is_active}, {})
    change = _change()
    values = {"full_name": change.full_name, "roles": change.roles, "organisation": change.organisation or "",
              "is_active": change.is_active}
    try:
        admin.update_user(runtime(), principal(), user_id, change)
    except InvalidInput as error:
        return _user_form(user, values, error.fields, 422, error.message)
    flash(f"Đã lưu người dùng {user.username}.", "ok")
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/users/<id:user_id>/unlock", methods=["POST"])
@login_required
def admin_unlock(user_id: int) -> Any:
    user = admin.get_user(runtime(), principal(), user_id)
    sessions.unlock(runtime(), principal(), user.username)
    flash(f"Đã mở khóa đăng nhập cho {user.username}.", "ok")
    return redirect(url_for("web.admin_user", user_id=user_id))


@bp.route("/admin/users/<id:user_id>/end-sessions", methods=["POST"])
@login_required
def admin_end_sessions(user_id: int) -> Any:
    ended, revoked = sessions.end_all_for(runtime(), principal(), user_id)
    flash(f"Đã kết thúc {ended} phiên đăng nhập và thu hồi {revoked} mã truy cập.", "ok")
    return redirect(url_for("web.admin_user", user_id=user_id))


SURFACES = {"web": "Trang web", "api": "API", "direct": "Dòng lệnh"}


def _readable(key: str, value: Any) -> Any:
    """A logged value as an officer reads it: channels named, moments as dd/mm/yyyy hh:mm."""
    if key == "surface":
        return SURFACES.get(str(value), str(value))
    if key == "roles":  # a list of roles, or [before, after] lists: shown by their Vietnamese names
        return [_readable(key, v) if isinstance(v, list) else ROLES.get(str(v), str(v)) for v in value] \
            if isinstance(value, list) else value
    if key in {"until", "expires_at", "before"} and isinstance(value, str):
        return vn_datetime(value)
    if key in {"organisation", "parent", "code"}:  # a code, or [before, after] codes: shown by their names
        return [_named(v) for v in value] if isinstance(value, list) else _named(value)
    if key in {"valid_from", "valid_to"}:
        return [vn_date(v) if v else None for v in value] if isinstance(value, list) else vn_date(value)
    if key == "deployments" and isinstance(value, list):  # the deployments sealed at once: each by name and version
        return [f"«{d.get('name') or d.get('process_id')}» phiên bản {d.get('version')}" if isinstance(d, dict) else d
                for d in value]
    return value


def _named(code: Any) -> Any:
    return org_name(code) if isinstance(code, str) and code else code


ACTORS = {"-": "Chưa đăng nhập", **casefile.NON_PERSONS}
LOG_PAGE = 50


@bp.route("/admin/log")
@login_required
def admin_log() -> Any:
    events, check = admin.account_log(runtime(), principal())  # the whole log is checked; a page of it is shown
    pages = max(1, -(-len(events) // LOG_PAGE))
    number = min(page_number(request.args.get("page")), pages)
    shown = events[(number - 1) * LOG_PAGE:number * LOG_PAGE]
    rows = [(event, {k: _readable(k, v) for k, v in json.loads(event.data).items() if k not in ACCOUNT_HIDDEN})
            for event in shown]
    return render_template("admin_log.html", rows=rows, check=check, actions=ACCOUNT_ACTIONS, fields=ACCOUNT_FIELDS,
                           actors=ACTORS, page=Page(shown, len(events), number, LOG_PAGE), pages=pages)
