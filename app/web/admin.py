"""The admin's pages: users, their roles and the organisation each is limited to (picked from the catalogue)."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.errors import InvalidInput
from app.persistence.queries import Page
from app.roles import ROLES
from app.services import admin, casefile, sessions
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


ACCOUNT_ACTIONS = {
    "user_created": "Tạo tài khoản", "user_changed": "Thay đổi tài khoản", "signed_in": "Đăng nhập",
    "sign_in_failed": "Đăng nhập không thành công", "account_locked": "Tạm khóa do đăng nhập sai nhiều lần",
    "account_unlocked": "Mở khóa đăng nhập", "signed_out": "Đăng xuất (mọi phiên, mọi mã truy cập)",
    "password_reset": "Kết thúc phiên và mã truy cập do đặt lại mật khẩu",
    "deactivated": "Kết thúc phiên và mã truy cập do khóa tài khoản",
    "roles_changed": "Kết thúc phiên và mã truy cập do đổi vai trò hoặc cơ quan",
    "ended_by_admin": "Quản trị kết thúc mọi phiên và mã truy cập", "session_ended": "Kết thúc một phiên đăng nhập",
    "token_issued": "Cấp mã truy cập API", "token_revoked": "Thu hồi mã truy cập API",
    "sign_in_refused": "Từ chối đăng nhập (tên đang bị tạm khóa)", "session_expired": "Phiên hết hạn (8 giờ)",
    "session_idle": "Phiên hết hạn do lâu không thao tác", "checkpoint_signed": "Ký bản chốt nhật ký",
    "audit_rekeyed": "Niêm phong nhật ký cũ bằng khóa kiểm toán",
    "organisation_created": "Thêm cơ quan vào danh mục", "organisation_changed": "Sửa cơ quan trong danh mục",
    "organisation_deleted": "Xóa cơ quan khỏi danh mục",
    "organisation_symbol_set": "Đặt ký hiệu văn bản của cơ quan",
    "organisation_header_set": "Đặt tiêu đề và người ký văn bản của cơ quan",
    "access_log_pruned": "Xóa lượt xem hồ sơ quá thời hạn lưu",
}
ACCOUNT_FIELDS = {
    "full_name": "Họ tên", "roles": "Vai trò", "organisation": "Cơ quan", "is_active": "Hoạt động",
    "demo": "Tài khoản demo", "password_reset": "Đặt lại mật khẩu", "known_user": "Tên đăng nhập có tồn tại",
    "client": "Địa chỉ máy", "surface": "Kênh", "session": "Phiên số", "failures": "Số lần sai",
    "until": "Khóa đến", "sessions_ended": "Số phiên đã kết thúc", "tokens_revoked": "Số mã truy cập đã thu hồi",
    "token": "Mã truy cập số", "name": "Tên", "expires_at": "Hết hạn", "checkpoint": "Bản chốt số",
    "chains": "Số chuỗi", "mac": "Mã xác thực", "legacy_events": "Số sự kiện cũ", "legacy_head": "Mã băm cuối",
    "accounts_before_log": "Tài khoản có trước nhật ký",
    "code": "Cơ quan", "parent": "Cơ quan cấp trên", "valid_from": "Hoạt động từ ngày",
    "valid_to": "Hoạt động đến hết ngày", "kind": "Ký hiệu", "symbol": "Giá trị",
    "before": "Xóa lượt xem trước", "cases": "Số hồ sơ", "events": "Số lượt xem đã xóa",
    "broken": "Hồ sơ để nguyên (chuỗi lượt xem bị phá)",
}
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
    rows = [(event, {k: _readable(k, v) for k, v in json.loads(event.data).items()}) for event in shown]
    return render_template("admin_log.html", rows=rows, check=check, actions=ACCOUNT_ACTIONS, fields=ACCOUNT_FIELDS,
                           actors=ACTORS, page=Page(shown, len(events), number, LOG_PAGE), pages=pages)
