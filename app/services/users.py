"""Users, passwords and API tokens.

Passwords are hashed with scrypt (slow on purpose), so scripts should trade a password for a
bearer token once: only the token's SHA-256 is stored and checking it costs one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import InvalidInput, NotAuthenticated
from app.persistence import audit, queries
from app.persistence.models import ApiToken, User, UserRole
from app.roles import ROLES
from app.services.principal import Principal
from app.services.runtime import Runtime

DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo credential, disabled with DEMO_USERS=0


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.username, user.full_name, frozenset(user.role_ids), user.organisation)


def authenticate_password(rt: Runtime, username: str, password: str) -> Principal:
    with rt.db.reading() as session:
        user = queries.user_by_username(session, username)
        if user is None or not user.is_active or not check_password_hash(user.password_hash, password):
            raise NotAuthenticated("Sai tên đăng nhập hoặc mật khẩu.")
        return principal_of(user)


def authenticate_token(rt: Runtime, token: str) -> Principal:
    with rt.db.reading() as session:
        user = queries.user_by_token_hash(session, _sha256(token))
        if user is None or not user.is_active:
            raise NotAuthenticated("Mã truy cập không hợp lệ hoặc đã bị thu hồi.")
        return principal_of(user)


def issue_token(rt: Runtime, principal: Principal, name: str) -> str:
    """Create a bearer token; the plain value is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    with rt.db.writing() as session:
        session.add(ApiToken(user_id=principal.user_id, name=name[:100] or "api", token_sha256=_sha256(token),
                             created_at=rt.now()))
    return token


def create_user(rt: Runtime, username: str, full_name: str, password: str, roles: Iterable[str],
                organisation: str | None = None, demo: bool = False, *, actor: str = "system") -> Principal:
    """Create an account and write it into the account log; ``actor`` is who asked (a user, or the CLI)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise InvalidInput(f"Vai trò không tồn tại: {', '.join(sorted(unknown))}")
    with rt.db.writing() as session:
        if queries.user_by_username(session, username) is not None:
            raise InvalidInput(f"Tên đăng nhập «{username}» đã tồn tại.")
        user = User(username=username, full_name=full_name, organisation=organisation, is_active=True,
                    is_demo=demo, created_at=rt.now(),
                    password_hash=generate_password_hash(password, method=rt.password_method),
                    roles=[UserRole(role=r) for r in sorted(set(roles))])
        session.add(user)
        session.flush()
        audit.append_account_event(session, at=rt.now(), actor=actor, action="user_created", username=username,
                                   data=account_facts(user))
        return principal_of(user)


def account_facts(user: User) -> dict[str, Any]:
    """What the account log keeps of a user: never the password hash."""
    return {"full_name": user.full_name, "roles": sorted(user.role_ids), "organisation": user.organisation,
            "is_active": user.is_active, "demo": user.is_demo}


def ensure_demo_users(rt: Runtime) -> list[str]:
    """One user per role, user name = role id, password ``demo``; existing users are kept."""
    created = []
    for role, title in ROLES.items():
        with rt.db.reading() as session:
            exists = queries.user_by_username(session, role) is not None
        if not exists:
            create_user(rt, role, f"{title} (demo)", DEMO_PASSWORD, [role], demo=True, actor="setup")
            created.append(role)
    return created


def disable_demo_users(rt: Runtime) -> int:
    with rt.db.writing() as session:
        users = [u for u in (queries.user_by_username(session, r) for r in ROLES) if u is not None and u.is_demo]
        for user in users:
            if user.is_active:
                user.is_active = False
                audit.append_account_event(session, at=rt.now(), actor="setup", action="user_changed",
                                           username=user.username, data={"is_active": [True, False]})
        return len(users)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def principal_by_id(rt: Runtime, user_id: int) -> Principal:
    """The signed-in user of a web session, read again on every request so a deactivation bites at once."""
    with rt.db.reading() as session:
        user = queries.user_by_id(session, user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("Phiên đăng nhập không còn hiệu lực; hãy đăng nhập lại.")
        return principal_of(user)
