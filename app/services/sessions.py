"""Signing in and staying signed in: web sessions, API tokens, and the throttle on failed sign-ins.

Sessions and tokens live in the database, not only in a signed cookie, so that ending them is
real: signing out, a password reset, a deactivation or a change of roles or organisation ends
every session and revokes every token of that user at once, whatever copy of a cookie or token
someone kept. A session ends ``session_hours`` after sign-in whatever the activity, and earlier
after ``session_idle_minutes`` without a page; a token ends at its expiry.

Failed sign-ins are counted per user name, known or not, in the database (so the count holds
across every worker and node and the admin can lift a lock); an unknown name costs the same
password-hash work as a known one, so the answer's timing does not tell which names exist. Every
sign-in, failure, lock, sign-out and token issue or revocation goes into the account log.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound, TooManyAttempts
from app.persistence import audit, queries
from app.persistence.audit import KeyRing
from app.persistence.models import ApiToken, SignInThrottle, User, UserSession
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.text import has_control, unfit

SEEN_EVERY = timedelta(seconds=60)  # how often a session's last activity is written (not on every page)
BAD_CREDENTIALS = "Sai tên đăng nhập hoặc mật khẩu."
ENDED = {
    "signed_out": "Bạn đã đăng xuất; hãy đăng nhập lại.",
    "password_reset": "Mật khẩu đã được đặt lại; hãy đăng nhập lại.",
    "deactivated": "Tài khoản đã bị khóa.",
    "roles_changed": "Vai trò hoặc cơ quan của bạn vừa thay đổi; hãy đăng nhập lại.",
    "ended_by_admin": "Quản trị đã kết thúc phiên đăng nhập này; hãy đăng nhập lại.",
    "expired": "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.",
    "idle": "Phiên đăng nhập đã hết hạn vì lâu không thao tác; hãy đăng nhập lại.",
}
_DUMMY_HASHES: dict[str, str] = {}


@dataclass(frozen=True)
class Client:
    """Where a request comes from, for the account log and the session list."""

    address: str = ""
    user_agent: str = ""
    surface: str = "web"  # web | api


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    session_token: str  # the cookie's value; only its SHA-256 is stored


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    value: str  # shown once, never stored


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.username, user.full_name, frozenset(user.role_ids), user.organisation)


def _principal(row: Any) -> Principal:
    """From ``queries.PRINCIPAL_COLUMNS``: the account and its roles came in one statement."""
    return Principal(row.id, row.username, row.full_name, frozenset((row.role_list or "").split()), row.organisation)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _plain(text: str, limit: int = 64) -> str:
    """A typed user name as the log may keep it: no control characters, bounded."""
    return "".join(c for c in text if unicodedata.category(c)[0] != "C")[:limit]


# -- passwords, throttled ----------------------------------------------------------------------

def check_password(rt: Runtime, username: str, password: str, client: Client) -> Principal:
    """The user whose name and password these are, or NotAuthenticated / TooManyAttempts (429).

    The same work is done whether the name exists or not, and whether it is locked or not.
    """
    name, now = _plain(username.strip().lower()), rt.now()
    with rt.db.reading() as session:
        user = queries.user_by_username(session, username) if not has_control(username) else None
        throttle = session.get(SignInThrottle, name)
        principal = principal_of(user) if user is not None else None
        stored_hash = user.password_hash if user is not None else _dummy_hash(rt.password_method)
        active = user is not None and user.is_active
    matches = check_password_hash(stored_hash, password)
    locked_until = throttle.locked_until if throttle is not None else None
    if locked_until is not None and locked_until > now:
        _record_refusal(rt, username, client)
        raise _too_many(locked_until, now)
    if matches and active and principal is not None:
        if throttle is not None:
            _clear_throttle(rt, name)
        return principal
    _record_failure(rt, name, username, known=user is not None, client=client)
    raise NotAuthenticated(BAD_CREDENTIALS)


def _dummy_hash(method: str) -> str:
    """A hash of the configured cost for names that do not exist, computed once per process."""
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


def _too_many(until: datetime, now: datetime) -> TooManyAttempts:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return TooManyAttempts(f"Đăng nhập sai quá nhiều lần với tên này; hãy thử lại sau {minutes} phút "
                           "hoặc liên hệ quản trị.", details={"retry_after": int((until - now).total_seconds())})


def _record_failure(rt: Runtime, name: str, typed: str, *, known: bool, client: Client) -> None:
    settings, now = rt.security, rt.now()
    with rt.db.writing() as session:
        # the account log's own lock serialises every writer of the throttle too (PostgreSQL)
        audit.append_account_event(session, rt.audit_keys, at=now, actor="-", action="sign_in_failed",
                                   username=_plain(typed) or "?",
                                   data={"known_user": known, "client": client.address, "surface": client.surface})
        row = session.get(SignInThrottle, name)
        window_start = now - timedelta(minutes=settings.failure_window_minutes)
        if row is None:
            row = SignInThrottle(name=name, failures=0, first_failed_at=now)
            session.add(row)
        elif row.first_failed_at < window_start and (row.locked_until is None or row.locked_until <= now):
            row.failures, row.first_failed_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= settings.max_failures and (row.locked_until is None or row.locked_until <= now):
            row.locked_until = now + timedelta(minutes=settings.lock_minutes)
            audit.append_account_event(session, rt.audit_keys, at=now, actor="system", action="account_locked",
                                       username=_plain(typed) or "?",
                                       data={"failures": row.failures, "until": row.locked_until.isoformat()})


def _record_refusal(rt: Runtime, typed: str, client: Client) -> None:
    """An attempt on a locked name: refused without a verdict on the password, and logged."""
    with rt.db.writing() as session:
        audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor="-", action="sign_in_refused",
                                   username=_plain(typed) or "?", data={"client": client.address,
                                                                        "surface": client.surface})


def _clear_throttle(rt: Runtime, name: str) -> None:
    with rt.db.writing() as session:
        row = session.get(SignInThrottle, name)
        if row is not None:
            session.delete(row)


def locked_until(rt: Runtime, principal: Principal, username: str) -> datetime | None:
    """When the lock on a user name ends, if it is locked now (for the admin's user list)."""
    access.require(principal, Right.MANAGE_USERS)
    with rt.db.reading() as session:
        row = session.get(SignInThrottle, _plain(username.lower()))
    now = rt.now()
    return row.locked_until if row is not None and row.locked_until and row.locked_until > now else None


def unlock(rt: Runtime, principal: Principal, username: str) -> None:
    """The admin lifts a lock (and forgets the failures) before it ends by itself."""
    access.require(principal, Right.MANAGE_USERS)
    with rt.db.writing() as session:
        row = session.get(SignInThrottle, _plain(username.lower()))
        if row is None:
            return
        session.delete(row)
        audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor=principal.username, action="account_unlocked",
                                   username=_plain(username), data={"failures": row.failures})


# -- web sessions -------------------------------------------------------------------------------

def sign_in(rt: Runtime, username: str, password: str, client: Client) -> SignedIn:
    principal = check_password(rt, username, password, client)
    token, now = secrets.token_urlsafe(32), rt.now()
    with rt.db.writing() as session:
        row = UserSession(user_id=principal.user_id, token_sha256=_sha256(token), created_at=now,
                          expires_at=now + timedelta(hours=rt.security.session_hours), last_seen_at=now,
                          client_address=client.address[:64], user_agent=_plain(client.user_agent, 200))
        session.add(row)
        session.flush()
        audit.append_account_event(session, rt.audit_keys, at=now, actor=principal.username, action="signed_in",
                                   username=principal.username,
                                   data={"session": row.id, "client": client.address, "surface": client.surface})
    return SignedIn(principal, token)


def resume(rt: Runtime, token: str) -> Principal:
    """The officer a session cookie belongs to, while the session lasts (checked on every page)."""
    now = rt.now()
    with rt.db.reading() as session:
        found = session.execute(select(UserSession, *queries.PRINCIPAL_COLUMNS)
                                .join(User, User.id == UserSession.user_id)
                                .where(UserSession.token_sha256 == _sha256(token))).first()
        if found is None:
            raise NotAuthenticated("Phiên đăng nhập không còn hiệu lực; hãy đăng nhập lại.")
        row, principal, active = found[0], _principal(found), found.is_active
    if row.ended_at is not None:
        raise NotAuthenticated(ENDED.get(row.end_reason or "", ENDED["expired"]))
    reason = ("expired" if now >= row.expires_at else
              "idle" if now - row.last_seen_at > timedelta(minutes=rt.security.session_idle_minutes) else
              None if active else "deactivated")
    if reason is not None:
        _end_session_row(rt, row.id, principal.username, reason, now)
        raise NotAuthenticated(ENDED[reason])
    if now - row.last_seen_at >= SEEN_EVERY:
        with rt.db.writing() as session:
            session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    return principal


def _end_session_row(rt: Runtime, session_id: int, username: str, reason: str, now: datetime) -> None:
    """A session that ran out (its 8 hours, or idle): ended once, and logged once."""
    with rt.db.writing() as session:
        ended = session.scalars(update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                                .values(ended_at=now, end_reason=reason).returning(UserSession.id)).all()
        if ended:
            audit.append_account_event(session, rt.audit_keys, at=now, actor="system", action=f"session_{reason}",
                                       username=username, data={"session": session_id})


def sign_out(rt: Runtime, token: str, client: Client | None = None) -> None:
    """End this session and every other session and token of the same user (a sign-out is meant everywhere)."""
    with rt.db.writing() as session:
        row = session.scalar(select(UserSession).where(UserSession.token_sha256 == _sha256(token)))
        if row is None:
            return
        user = queries.user_by_id(session, row.user_id)
        if user is not None:
            end_everything(session, rt.audit_keys, user, "signed_out", actor=user.username, now=rt.now(),
                           client=client)


def end_everything(session: Session, keys: KeyRing, user: User, reason: str, *, actor: str,
                   now: datetime, client: Client | None = None) -> tuple[int, int]:
    """End every open session and revoke every live token of a user, in the caller's transaction; logged."""
    ended = session.scalars(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                            .values(ended_at=now, end_reason=reason).returning(UserSession.id)).all()
    revoked = session.scalars(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=now, revoked_by=actor, revoke_reason=reason)
                              .returning(ApiToken.id)).all()
    audit.append_account_event(session, keys, at=now, actor=actor, action=reason, username=user.username,
                               data={"sessions_ended": len(ended), "tokens_revoked": len(revoked),
                                     **({"client": client.address} if client else {})})
    return len(ended), len(revoked)


def end_all_for(rt: Runtime, principal: Principal, user_id: int) -> tuple[int, int]:
    """The admin ends every session and token of a user (a lost laptop, a suspected leak)."""
    access.require(principal, Right.MANAGE_USERS)
    with rt.db.writing() as session:
        user = queries.user_by_id(session, user_id)
        if user is None:
            raise NotFound("Không có người dùng này.")
        return end_everything(session, rt.audit_keys, user, "ended_by_admin", actor=principal.username, now=rt.now())


def list_sessions(rt: Runtime, principal: Principal, username: str | None = None) -> list[UserSession]:
    """Open sessions of the caller, or (for the admin) of any user, newest first."""
    with rt.db.reading() as session:
        user = _owner(session, principal, username)
        now = rt.now()
        rows = session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                         UserSession.ended_at.is_(None),
                                                         UserSession.expires_at > now)
                               .order_by(UserSession.created_at.desc())).all()
        return list(rows)


def session_id(rt: Runtime, token: object) -> int | None:
    """The id of the session a cookie carries (to mark "this device" in the list)."""
    if not isinstance(token, str):
        return None
    with rt.db.reading() as session:
        found: int | None = session.scalar(select(UserSession.id).where(UserSession.token_sha256 == _sha256(token)))
        return found


def end_session(rt: Runtime, principal: Principal, session_id: int) -> int:
    """End one session: its owner, or the admin; returns the owner's user id."""
    with rt.db.writing() as session:
        row = session.get(UserSession, session_id)
        user = queries.user_by_id(session, row.user_id) if row is not None else None
        if row is None or user is None or not _may_manage(principal, user):
            raise NotFound("Không có phiên đăng nhập này.")
        if row.ended_at is None:
            now = rt.now()
            row.ended_at, row.end_reason = now, "ended_by_admin" if user.id != principal.user_id else "signed_out"
            audit.append_account_event(session, rt.audit_keys, at=now, actor=principal.username, action="session_ended",
                                       username=user.username, data={"session": row.id})
        return user.id


# -- API tokens ---------------------------------------------------------------------------------

def issue_token(rt: Runtime, principal: Principal, name: str, days: int | None = None,
                client: Client | None = None, *, by_password: bool = True) -> IssuedToken:
    """A bearer token for scripts, living at most ``token_days``; the plain value is returned once.

    Only a password (or a session signed in with one) gets a token: a token minting tokens would
    outlive its own expiry for as long as whoever holds it likes.
    """
    if not by_password:
        raise Forbidden("Mã truy cập mới chỉ được cấp khi xác thực bằng mật khẩu, không bằng một mã truy cập khác.")
    longest = rt.security.token_days
    days = longest if days is None else days
    if not 1 <= days <= longest:
        raise InvalidInput("Thời hạn của mã truy cập không hợp lệ.",
                           fields={"days": f"Thời hạn là từ 1 đến {longest} ngày."})
    reason = unfit(name)  # refused, not silently dropped: the officer sees what was wrong with the name
    if reason:
        raise InvalidInput("Tên mã truy cập không hợp lệ.", fields={"name": reason})
    label = _plain(name.strip(), 100) or "api"
    value, now = secrets.token_urlsafe(32), rt.now()
    with rt.db.writing() as session:
        token = ApiToken(user_id=principal.user_id, name=label, token_sha256=_sha256(value), created_at=now,
                         expires_at=now + timedelta(days=days))
        session.add(token)
        session.flush()
        audit.append_account_event(session, rt.audit_keys, at=now, actor=principal.username, action="token_issued",
                                   username=principal.username,
                                   data={"token": token.id, "name": label, "expires_at": token.expires_at.isoformat(),
                                         "client": client.address if client else ""})
        return IssuedToken(token, value)


def authenticate_token(rt: Runtime, value: str) -> Principal:
    with rt.db.single_statement() as connection:
        user = queries.principal_by_token(connection, _sha256(value), rt.now())
    if user is None or not user.is_active:
        raise NotAuthenticated("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
    return _principal(user)


def list_tokens(rt: Runtime, principal: Principal, username: str | None = None) -> list[ApiToken]:
    """The caller's tokens (or, for the admin, any user's), newest first, with their state."""
    with rt.db.reading() as session:
        user = _owner(session, principal, username)
        return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                    .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all())


def revoke_token(rt: Runtime, principal: Principal, token_id: int) -> ApiToken:
    """Revoke one token: its owner, or the admin; revoking twice changes nothing."""
    with rt.db.writing() as session:
        token = session.get(ApiToken, token_id)
        user = queries.user_by_id(session, token.user_id) if token is not None else None
        if token is None or user is None or not _may_manage(principal, user):
            raise NotFound("Không có mã truy cập này.")
        if token.revoked_at is None:
            now = rt.now()
            token.revoked_at, token.revoked_by, token.revoke_reason = now, principal.username, "revoked"
            audit.append_account_event(session, rt.audit_keys, at=now, actor=principal.username, action="token_revoked",
                                       username=user.username, data={"token": token.id, "name": token.name})
        return token


def _may_manage(principal: Principal, user: User) -> bool:
    return user.id == principal.user_id or access.can(principal, Right.MANAGE_USERS)


def _owner(session: Session, principal: Principal, username: str | None) -> User:
    if username is None or username == principal.username:
        user = queries.user_by_id(session, principal.user_id)
    else:
        if not access.can(principal, Right.MANAGE_USERS):
            raise Forbidden("Chỉ quản trị mới xem phiên đăng nhập và mã truy cập của người khác.")
        user = queries.user_by_username(session, username)
    if user is None:
        raise NotFound("Không có người dùng này.")
    return user
