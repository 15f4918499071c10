"""User management for the admin: accounts, roles and organisations (Quản trị người dùng).

Roles are the lanes of the diagrams (``app.roles``); an organisation is the unit a role is
limited to (a department's resolver sees only that department's cases), a code of the organisation
catalogue (``app.services.organisations``) as the diagrams route cases (``handling_organisation``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.security import generate_password_hash

from app.errors import Forbidden, InvalidInput, NotFound
from app.persistence import audit, queries
from app.persistence.models import AccountEvent, User, UserRole
from app.roles import ROLES
from app.services import access, integrity, organisations, sessions, users
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.text import has_control

USERNAME = re.compile(r"[a-z0-9_.-]{3,64}")
MIN_PASSWORD = 8
MAX_PASSWORD = 200


@dataclass(frozen=True)
class UserChange:
    full_name: str
    roles: frozenset[str]
    organisation: str | None
    is_active: bool
    password: str | None = None


def _require_admin(principal: Principal) -> None:
    access.require(principal, Right.MANAGE_USERS)


def list_users(rt: Runtime, principal: Principal) -> list[User]:
    _require_admin(principal)
    with rt.db.reading() as session:
        return list(queries.all_users(session))


def get_user(rt: Runtime, principal: Principal, user_id: int) -> User:
    _require_admin(principal)
    with rt.db.reading() as session:
        user = queries.user_by_id(session, user_id)
        if user is None:
            raise NotFound("Không có người dùng này.")
        return user


def organisation_choices(rt: Runtime, principal: Principal, held: str | None = None) -> list[tuple[str, str]]:
    """The organisations a user may be limited to (current catalogue entries), and the one they hold."""
    _require_admin(principal)
    return organisations.choices(rt, keep=held)


def _check_organisation(rt: Runtime, change: UserChange, held: str | None) -> dict[str, str]:
    code = (change.organisation or "").strip() or None
    with rt.db.reading() as session:
        problem = organisations.assignable_problem(session, code, rt.today(), held)
    return {"organisation": problem} if problem else {}


def _check(change: UserChange) -> dict[str, str]:
    fields: dict[str, str] = {}
    if not change.full_name.strip():
        fields["full_name"] = "Chưa nhập «Họ và tên»."
    elif len(change.full_name) > 200 or has_control(change.full_name):
        fields["full_name"] = "«Họ và tên» dài quá 200 ký tự hoặc chứa ký tự điều khiển."
    if change.organisation is not None and (len(change.organisation) > 100 or has_control(change.organisation)):
        fields["organisation"] = "«Cơ quan» dài quá 100 ký tự hoặc chứa ký tự điều khiển."
    if not change.roles:
        fields["roles"] = "Chọn ít nhất một vai trò."
    elif set(change.roles) - set(ROLES):
        fields["roles"] = "Có vai trò không tồn tại."
    if change.password is not None and not MIN_PASSWORD <= len(change.password) <= MAX_PASSWORD:
        fields["password"] = f"Mật khẩu cần từ {MIN_PASSWORD} đến {MAX_PASSWORD} ký tự."
    return fields


def create_user(rt: Runtime, principal: Principal, username: str, change: UserChange) -> Principal:
    _require_admin(principal)
    fields = {**_check_organisation(rt, change, None), **_check(change)}
    if not USERNAME.fullmatch(username):
        fields["username"] = "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang."
    if change.password is None:
        fields["password"] = "Chưa nhập «Mật khẩu»."  # noqa: S105 - a message, not a password
    if fields:
        raise InvalidInput("Thông tin người dùng chưa hợp lệ.", fields=fields)
    return users.create_user(rt, username, change.full_name.strip(), change.password or "", change.roles,
                             (change.organisation or "").strip() or None, actor=principal.username)


def update_user(rt: Runtime, principal: Principal, user_id: int, change: UserChange) -> User:
    """Change a user's name, roles, organisation, activity or password; an admin cannot lock themself out."""
    _require_admin(principal)
    held = get_user(rt, principal, user_id).organisation
    fields = {**_check_organisation(rt, change, held), **_check(change)}
    if fields:
        raise InvalidInput("Thông tin người dùng chưa hợp lệ.", fields=fields)
    if user_id == principal.user_id and (not change.roles & access.ROLE_RIGHTS[Right.MANAGE_USERS] or not change.is_active):
        raise Forbidden("Không thể tự bỏ vai trò quản trị hoặc tự khóa tài khoản của mình.")
    with rt.db.writing() as session:
        user = queries.user_by_id(session, user_id)
        if user is None:
            raise NotFound("Không có người dùng này.")
        before = users.account_facts(user)
        user.full_name = change.full_name.strip()
        user.organisation = (change.organisation or "").strip() or None
        user.is_active = change.is_active
        _set_roles(user, change.roles)
        if change.password:
            user.password_hash = generate_password_hash(change.password, method=rt.password_method)
        session.flush()
        after = users.account_facts(user)
        changed: dict[str, Any] = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if change.password:
            changed["password_reset"] = True
        if changed:
            audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor=principal.username, action="user_changed",
                                       username=user.username, data=changed)
        reason = _ending_reason(changed)
        if reason is not None:
            sessions.end_everything(session, rt.audit_keys, user, reason, actor=principal.username, now=rt.now())
        return user


def _ending_reason(changed: dict[str, Any]) -> str | None:
    """A change after which the user's open sessions and tokens must not go on (they carry old rights)."""
    if "is_active" in changed and not changed["is_active"][1]:
        return "deactivated"
    if "password_reset" in changed:
        return "password_reset"
    if "roles" in changed or "organisation" in changed:
        return "roles_changed"
    return None


def account_log(rt: Runtime, principal: Principal) -> tuple[list[AccountEvent], audit.ChainCheck]:
    """Every change to every account, newest first, with the chain check (admins and auditors)."""
    access.require(principal, Right.READ_ACCOUNT_LOG)
    with rt.db.reading() as session:
        events, check = integrity.account_log_check(rt, session)
    return list(reversed(events)), check


def _set_roles(user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    user.roles = [r for r in user.roles if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - user.role_ids)
    ]


# the account log as officers read it: each act and each recorded field by its Vietnamese name (pages, audit search)
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
    "process_deployed": "Triển khai phiên bản quy trình",
    "deployments_sealed": "Niêm phong các phiên bản quy trình triển khai trước khi có nhật ký triển khai",
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
    "request_id": "Mã yêu cầu",  # the request that wrote it: the same id is in the server's log line
    "deployment": "Bản triển khai số", "version": "Phiên bản", "content_hash": "Mã băm nội dung",
    "deployments": "Các phiên bản quy trình",
}
ACCOUNT_HIDDEN = frozenset({"process_id"})  # a diagram's code, beside its Vietnamese name (``name``): not shown
