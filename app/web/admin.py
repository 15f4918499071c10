"""The admin's pages: users, their roles and the organisation each is limited to."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.errors import InvalidInput
from app.roles import ROLES
from app.services import admin
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp


def _change() -> admin.UserChange:
    form = request.form
    return admin.UserChange(
        full_name=form.get("full_name", ""), roles=frozenset(r for r in form.getlist("roles") if r in ROLES),
        organisation=form.get("organisation") or None, is_active=bool(form.get("is_active")),
        password=form.get("password") or None,
    )


def _user_form(user: Any, values: dict[str, Any], errors: dict[str, str], status: int = 200,
               message: str | None = None) -> Any:
    return render_template("admin_user.html", user=user, values=values, errors=errors, message=message,
                           organisations=admin.organisations(runtime(), principal())), status


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


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
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


ACCOUNT_ACTIONS = {"user_created": "Tạo tài khoản", "user_changed": "Thay đổi tài khoản"}
ACCOUNT_FIELDS = {"full_name": "Họ tên", "roles": "Vai trò", "organisation": "Cơ quan", "is_active": "Hoạt động",
                  "demo": "Tài khoản demo", "password_reset": "Đặt lại mật khẩu"}


@bp.route("/admin/log")
@login_required
def admin_log() -> Any:
    events, check = admin.account_log(runtime(), principal())
    rows = [(event, json.loads(event.data)) for event in events]
    return render_template("admin_log.html", rows=rows, check=check, actions=ACCOUNT_ACTIONS, fields=ACCOUNT_FIELDS)
