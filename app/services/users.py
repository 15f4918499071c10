"""User accounts: creating them, the demo users, and what the account log keeps of them.

Passwords are hashed with scrypt (slow on purpose), so scripts should trade a password for a
bearer token once (``app.services.sessions``): only the token's SHA-256 is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.security import generate_password_hash

from app.errors import InvalidInput
from app.persistence import audit, queries
from app.persistence.models import User, UserRole
from app.roles import ROLES
from app.services import sessions
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.sessions import principal_of

DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo credential, disabled with DEMO_USERS=0


def authenticate_password(rt: Runtime, username: str, password: str) -> Principal:
    """Who a user name and password are (scripts, the CLI and tests); throttled like every sign-in."""
    return sessions.check_password(rt, username, password, sessions.Client(surface="direct"))


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
        audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor=actor, action="user_created", username=username,
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
                audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor="setup", action="user_changed",
                                           username=user.username, data={"is_active": [True, False]})
                sessions.end_everything(session, rt.audit_keys, user, "deactivated", actor="setup", now=rt.now())
        return len(users)
