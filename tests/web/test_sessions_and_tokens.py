"""Sessions and tokens end when they should, and repeated wrong passwords are throttled.

Every setting is tested by its effect (a replayed cookie, a token after a reset, the answer to the
sixth wrong password), never by reading the configuration.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.clock import FrozenClock
from app.persistence import queries
from app.services import sessions, users
from app.services.runtime import Runtime
from tests.conftest import TEST_CONFIG, basic
from tests.web.helpers import csrf_token, post, sign_in


def _bearer(client: FlaskClient, user: str = "reception", **body: Any) -> str:
    response = client.post("/api/auth/tokens", json={"name": "script", **body}, headers=basic(user))
    assert response.status_code == 201, response.get_json()
    token: str = response.get_json()["token"]
    return token


def _me(client: FlaskClient, token: str) -> int:
    return client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/inbox").status_code == 200


def _actions(rt: Runtime, username: str) -> list[str]:
    with rt.db.reading() as session:
        return [e.action for e in queries.account_events(session) if e.username == username]


def test_a_session_ends_eight_hours_after_sign_in_whatever_the_activity(client: FlaskClient,
                                                                          clock: FrozenClock) -> None:
    signed = sign_in(client, "reception")
    cookie = signed.headers["Set-Cookie"]
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=8))) < timedelta(minutes=2)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    start = clock.now()
    for minutes in range(30, 8 * 60, 30):  # a page every half hour: never idle
        clock.set(start + timedelta(minutes=minutes))
        page = client.get("/inbox")
        assert page.status_code == 200
        renewed = page.headers.get("Set-Cookie")  # a flashed message rewrites the cookie, never its expiry
        assert renewed is None or f"Expires={cookie.split('Expires=')[1].split(';')[0]}" in renewed
    clock.set(start + timedelta(hours=8, seconds=1))
    ended = client.get("/inbox", follow_redirects=True).get_data(as_text=True)
    assert "Phiên đăng nhập đã hết hạn" in ended and 'name="password"' in ended


def test_a_session_idle_for_an_hour_ends(client: FlaskClient, clock: FrozenClock) -> None:
    sign_in(client, "reception")
    clock.set(clock.now() + timedelta(minutes=59))
    assert _signed_in(client)
    clock.set(clock.now() + timedelta(minutes=61))
    assert "lâu không thao tác" in client.get("/inbox", follow_redirects=True).get_data(as_text=True)


def test_sign_out_ends_every_session_and_token_even_a_copied_cookie(app: Flask, client: FlaskClient,
                                                                     rt: Runtime) -> None:
    token = _bearer(client)
    sign_in(client, "reception")
    other_device = app.test_client()
    sign_in(other_device, "reception")
    stolen = client.get_cookie("khieunai_session")
    assert stolen is not None and _signed_in(client) and _signed_in(other_device)
    post(client, "/logout")
    thief = app.test_client()
    thief.set_cookie("khieunai_session", stolen.value)
    assert thief.get("/inbox").status_code == 302
    assert not _signed_in(other_device)
    assert _me(client, token) == 401
    assert _actions(rt, "reception")[-1] == "signed_out"


@pytest.mark.parametrize(("change", "reason"), [
    ({"password": "mat-khau-moi-123"}, "password_reset"),
    ({"is_active": ""}, "deactivated"),
    ({"roles": ["reception", "clerk"]}, "roles_changed"),
    ({"organisation": "Sở Tài chính"}, "roles_changed"),
])
def test_an_admin_change_ends_the_users_sessions_and_tokens_at_once(app: Flask, client: FlaskClient, rt: Runtime,
                                                                     change: dict[str, Any], reason: str) -> None:
    token = _bearer(client)
    officer = app.test_client()
    sign_in(officer, "reception")
    assert _signed_in(officer) and _me(client, token) == 200
    reception = users.authenticate_password(rt, "reception", "demo")
    sign_in(client, "admin")
    form = {"full_name": "Cán bộ tiếp công dân (demo)", "roles": ["reception"], "is_active": "on", **change}
    assert post(client, f"/admin/users/{reception.user_id}", form, token_from="/admin/users").status_code == 302
    assert not _signed_in(officer)
    assert _me(client, token) == 401
    assert reason in _actions(rt, "reception")


def test_a_change_of_name_only_keeps_the_session(app: Flask, client: FlaskClient, rt: Runtime) -> None:
    officer = app.test_client()
    sign_in(officer, "reception")
    reception = users.authenticate_password(rt, "reception", "demo")
    sign_in(client, "admin")
    form = {"full_name": "Nguyễn Thị Tiếp Dân", "roles": ["reception"], "is_active": "on"}
    assert post(client, f"/admin/users/{reception.user_id}", form, token_from="/admin/users").status_code == 302
    assert _signed_in(officer)


def test_tokens_expire_are_listed_and_revoked_by_their_owner_or_the_admin(client: FlaskClient,
                                                                         clock: FrozenClock, rt: Runtime) -> None:
    short = _bearer(client, days=1)
    kept = _bearer(client)
    listed = client.get("/api/auth/tokens", headers=basic("reception")).get_json()
    assert [t["active"] for t in listed] == [True, True] and "token" not in listed[0]
    clock.set(clock.now() + timedelta(days=1, seconds=1))
    assert _me(client, short) == 401 and _me(client, kept) == 200
    kept_id = client.get("/api/auth/tokens", headers=basic("reception")).get_json()[0]["id"]
    assert client.delete(f"/api/auth/tokens/{kept_id}", headers=basic("clerk")).status_code == 404  # not theirs
    assert client.get("/api/auth/tokens?user=reception", headers=basic("clerk")).status_code == 403
    assert client.get("/api/auth/tokens?user=reception", headers=basic("admin")).status_code == 200
    assert client.delete(f"/api/auth/tokens/{kept_id}", headers=basic("admin")).status_code == 204
    assert _me(client, kept) == 401
    assert client.delete(f"/api/auth/tokens/{kept_id}", headers=basic("reception")).status_code == 204  # again: no-op
    assert _actions(rt, "reception").count("token_revoked") == 1
    too_long = client.post("/api/auth/tokens", json={"days": 31}, headers=basic("reception"))
    assert too_long.status_code == 400 and "days" in too_long.get_json()["fields"]


def test_the_owner_revokes_a_token_from_the_account_page(client: FlaskClient) -> None:
    sign_in(client, "reception")
    page = post(client, "/account/tokens", {"name": "đồng bộ", "days": "7"}, token_from="/account")
    html = page.get_data(as_text=True)
    token = html.split('<code class="token">')[1].split("</code>")[0]
    assert _me(client, token) == 200 and "chỉ hiển thị một lần" in html
    token_id = client.get("/api/auth/tokens", headers={"Authorization": f"Bearer {token}"}).get_json()[0]["id"]
    assert post(client, f"/account/tokens/{token_id}/revoke", token_from="/account").status_code == 302
    assert _me(client, token) == 401
    refused = post(client, "/account/tokens", {"name": "x", "days": "999"}, token_from="/account")
    assert refused.status_code == 400 and "từ 1 đến 30 ngày" in refused.get_data(as_text=True)


@pytest.mark.parametrize("username", ["resolver", "khong-ton-tai"])
def test_five_wrong_passwords_lock_the_name_known_or_not(client: FlaskClient, rt: Runtime, clock: FrozenClock,
                                                        username: str) -> None:
    answers = [client.post("/api/auth/tokens", headers=basic(username, "sai")).status_code for _ in range(5)]
    assert answers == [401] * 5
    locked = client.post("/api/auth/tokens", headers=basic(username, "demo"))
    assert locked.status_code == 429 and locked.get_json()["error"] == "too_many_attempts"
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert _actions(rt, username).count("sign_in_failed") == 5 and "account_locked" in _actions(rt, username)
    clock.set(clock.now() + timedelta(minutes=15, seconds=1))
    expected = 201 if username == "resolver" else 401
    assert client.post("/api/auth/tokens", headers=basic(username, "demo")).status_code == expected


def test_the_admin_sees_a_lock_and_lifts_it(client: FlaskClient, rt: Runtime) -> None:
    for _ in range(5):
        sign_in(client, "clerk", "sai")
    refused = sign_in(client, "clerk")
    assert refused.status_code == 429 and "thử lại sau" in refused.get_data(as_text=True)
    clerk_id = next(u.id for u in users_list(rt) if u.username == "clerk")
    sign_in(client, "admin")
    page = client.get(f"/admin/users/{clerk_id}").get_data(as_text=True)
    assert 'id="locked"' in page and "Tạm khóa đăng nhập đến" in page
    assert post(client, f"/admin/users/{clerk_id}/unlock", token_from="/admin/users").status_code == 302
    assert sign_in(client, "clerk").status_code == 302
    log = client.get("/admin/log")
    assert log.status_code == 403  # the clerk is signed in now
    assert "account_unlocked" in _actions(rt, "clerk")


def users_list(rt: Runtime) -> list[Any]:
    with rt.db.reading() as session:
        return list(queries.all_users(session))


def test_unknown_and_known_names_cost_the_same_password_work(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = sessions.check_password_hash
    monkeypatch.setattr(sessions, "check_password_hash", lambda h, p: checked.append(h.split("$")[0]) or real(h, p))
    for name in ("resolver", "khong-co-ai"):
        with pytest.raises(Exception, match="Sai tên đăng nhập"):
            sessions.check_password(rt, name, "sai", sessions.Client())
    assert checked == ["pbkdf2:sha256:1000", "pbkdf2:sha256:1000"]  # one hash of the configured cost each


def test_failed_sign_ins_from_one_address_are_throttled_whatever_the_name(db_url: str, clock: FrozenClock,
                                                                          tmp_path: Path) -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": db_url, "CLOCK": clock, "INSTANCE_DIR": str(tmp_path),
                      "RATELIMIT_SIGN_IN_ADDRESS": "3 per 10 minutes"})
    client = app.test_client()
    answers = [client.get("/api/auth/me", headers=basic(f"ai-do-{n}", "sai")).status_code for n in range(3)]
    assert answers == [401, 401, 401]
    page = sign_in(client, "reception")  # even the right password, from this address, must wait
    assert page.status_code == 429 and "quá nhiều lần đăng nhập sai từ máy này" in page.get_data(as_text=True)
    api = client.get("/api/auth/me", headers=basic("reception"))
    assert api.status_code == 429 and api.get_json()["error"] == "too_many_attempts"
    app.extensions["runtime"].db.dispose()


def test_request_bodies_are_bounded_with_a_clear_answer(client: FlaskClient) -> None:
    big_json = client.post("/api/processes/complaint_second_level/instances", headers=basic("reception"),
                           data=b'{"data": "' + b"a" * (3 * 1024 * 1024) + b'"}', content_type="application/json")
    assert big_json.status_code == 413 and big_json.get_json()["error"] == "payload_too_large"
    sign_in(client, "reception")
    big_form = post(client, "/cases/new/complaint_second_level", {"content": "a" * (33 * 1024 * 1024)})
    assert big_form.status_code == 413 and "quá lớn" in big_form.get_data(as_text=True)


def test_after_sign_in_next_must_be_a_plain_path_on_this_site(client: FlaskClient) -> None:
    for target in ("/inbox\r\nX-Injected: 1", "//evil.example/", "https://evil.example/", "/\\evil"):
        response = client.post("/login", data={"username": "reception", "password": "demo", "next": target,
                                               "csrf_token": csrf_token(client)})
        client.delete_cookie("khieunai_session")
        assert response.headers["Location"] == "/inbox", target
