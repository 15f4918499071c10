"""Sign-in with a session cookie, CSRF on every form, sign-out, and Vietnamese error pages."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.services import admin, users
from app.services.runtime import Runtime
from tests.conftest import basic
from tests.web.helpers import csrf_token, post, sign_in


def test_pages_send_an_anonymous_visitor_to_the_sign_in_page(client: FlaskClient) -> None:
    response = client.get("/inbox?q=KN2")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/inbox?q%3DKN2"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Đăng nhập" in page and '<label for="username">Tên đăng nhập</label>' in page


def test_sign_in_sets_a_hardened_session_cookie_and_goes_where_asked(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post("/login", data={"username": "resolver", "password": "demo", "csrf_token": token,
                                           "next": "/dashboard"})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("khieunai_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Việc cần làm" in client.get("/inbox").get_data(as_text=True)


def test_a_wrong_password_is_refused_in_vietnamese(client: FlaskClient) -> None:
    response = sign_in(client, "resolver", "sai")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302


def test_next_never_leaves_the_site(client: FlaskClient) -> None:
    token = csrf_token(client)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/login", data={"username": "clerk", "password": "demo", "csrf_token": token,
                                               "next": target})
        assert response.headers["Location"] == "/inbox", target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
        token = csrf_token(client)


def test_a_form_posted_without_its_csrf_token_is_refused(client: FlaskClient) -> None:
    refused = client.post("/login", data={"username": "resolver", "password": "demo"})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    sign_in(client, "resolver")
    refused = client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 400 and "Hãy tải lại trang" in refused.get_data(as_text=True)
    assert client.get("/inbox").status_code == 200  # still signed in


def test_the_json_api_is_not_subject_to_csrf(client: FlaskClient) -> None:
    response = client.post("/api/auth/tokens", json={"name": "script"}, headers=basic("resolver"))
    assert response.status_code == 201


def test_sign_out_ends_the_session(client: FlaskClient) -> None:
    sign_in(client, "clerk")
    response = post(client, "/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/inbox").status_code == 302


def test_a_deactivated_user_is_signed_out_on_the_next_page(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "verifier")
    assert client.get("/inbox").status_code == 200
    head = users.authenticate_password(rt, "admin", "demo")
    verifier = users.authenticate_password(rt, "verifier", "demo")
    admin.update_user(rt, head, verifier.user_id, admin.UserChange("Cán bộ xác minh", frozenset({"verifier"}), None,
                                                                    is_active=False))
    response = client.get("/inbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_unknown_pages_are_vietnamese_pages_but_unknown_api_paths_stay_json(client: FlaskClient) -> None:
    page = client.get("/khong-co")
    assert page.status_code == 404 and "Không tìm thấy" in page.get_data(as_text=True)
    api = client.get("/api/nowhere", headers=basic("auditor"))
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
    sign_in(client, "auditor")
    missing = client.get("/cases/999999")
    assert missing.status_code == 404 and "Không tìm thấy hồ sơ" in missing.get_data(as_text=True)


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
