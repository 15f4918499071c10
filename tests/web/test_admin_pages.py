"""The admin manages users, their roles and organisations; nobody else may."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from app.persistence import queries
from app.services import users
from app.services.runtime import Runtime
from tests.intruder import intrude
from tests.web.helpers import post, sign_in


def test_the_admin_creates_a_user_limited_to_an_organisation_who_can_then_sign_in(client: FlaskClient,
                                                                                    rt: Runtime) -> None:
    sign_in(client, "admin")
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "reception" in listing and "Cán bộ tiếp công dân" in listing and "Toàn tỉnh" in listing
    response = post(client, "/admin/users/new", {"username": "giamdoc_snn", "full_name": "Giám đốc Sở NN&PTNT",
                                                 "roles": ["resolver"], "organisation": "Sở Nông nghiệp và PTNT",
                                                 "is_active": "on", "password": "matkhau-dai"}, token_from="/admin/users")
    assert response.status_code == 302
    created = users.authenticate_password(rt, "giamdoc_snn", "matkhau-dai")
    assert created.roles == {"resolver"} and created.organisation == "Sở Nông nghiệp và PTNT"
    assert sign_in(client, "giamdoc_snn", "matkhau-dai").headers["Location"] == "/inbox"


def test_bad_user_data_is_refused_beside_each_field_and_kept(client: FlaskClient) -> None:
    sign_in(client, "admin")
    response = post(client, "/admin/users/new", {"username": "Ng Van A", "full_name": "", "password": "123"},
                    token_from="/admin/users")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tên đăng nhập gồm 3–64 ký tự" in page and "Chưa nhập «Họ và tên»." in page
    assert "Chọn ít nhất một vai trò." in page and "Mật khẩu cần từ 8 đến 200 ký tự." in page
    assert 'value="Ng Van A"' in page


def test_the_admin_changes_roles_organisation_and_deactivates(client: FlaskClient, rt: Runtime) -> None:
    clerk = users.authenticate_password(rt, "clerk", "demo")
    sign_in(client, "admin")
    form = client.get(f"/admin/users/{clerk.user_id}").get_data(as_text=True)
    assert 'value="clerk" checked' in form
    response = post(client, f"/admin/users/{clerk.user_id}", {"full_name": "Văn thư Sở Tài chính",
                                                               "roles": ["clerk", "reception"],
                                                               "organisation": "Sở Tài chính"},
                    token_from="/admin/users")
    assert response.status_code == 302
    assert "Văn thư Sở Tài chính" in client.get("/admin/users").get_data(as_text=True)
    assert sign_in(client, "clerk").status_code == 401  # deactivated: no "is_active" ticked
    assert client.get("/inbox").status_code == 302


def test_the_admin_cannot_lock_themself_out(client: FlaskClient, rt: Runtime) -> None:
    me = users.authenticate_password(rt, "admin", "demo")
    sign_in(client, "admin")
    refused = post(client, f"/admin/users/{me.user_id}", {"full_name": "Quản trị", "roles": ["auditor"],
                                                          "is_active": "on"}, token_from="/admin/users")
    assert refused.status_code == 403 and "Không thể tự bỏ vai trò quản trị" in refused.get_data(as_text=True)


def test_only_the_admin_manages_users(client: FlaskClient) -> None:
    for user in ("reception", "auditor", "inspectorate"):
        sign_in(client, user)
        assert client.get("/admin/users").status_code == 403
        assert client.get("/admin/users/1").status_code == 403
        assert post(client, "/admin/users/new", {"username": "x"}).status_code == 403


def test_every_account_change_is_in_a_hash_chained_log_the_auditor_reads(client: FlaskClient, rt: Runtime,
                                                                        owner_url: str) -> None:
    clerk = users.authenticate_password(rt, "clerk", "demo")
    sign_in(client, "admin")
    post(client, "/admin/users/new", {"username": "thanhtra_2", "full_name": "Thanh tra viên 2", "roles": ["verifier"],
                                      "is_active": "on", "password": "matkhau-dai"}, token_from="/admin/users")
    post(client, f"/admin/users/{clerk.user_id}", {"full_name": "Văn thư (demo)", "roles": ["clerk", "resolver"],
                                                   "is_active": "on", "password": "mat-khau-moi"},
         token_from="/admin/users")
    unchanged = post(client, f"/admin/users/{clerk.user_id}", {"full_name": "Văn thư (demo)",
                                                               "roles": ["clerk", "resolver"], "is_active": "on"},
                     token_from="/admin/users")
    assert unchanged.status_code == 302
    with rt.db.reading() as session:
        events = list(queries.account_events(session))
    changes = [e for e in events if e.action in {"user_created", "user_changed"}]
    demo, mine = changes[:-2], changes[-2:]
    assert {e.action for e in demo} == {"user_created"} and {e.actor for e in demo} == {"setup"}
    assert [(e.actor, e.action, e.username) for e in mine] == [("admin", "user_created", "thanhtra_2"),
                                                               ("admin", "user_changed", "clerk")]
    change = json.loads(mine[1].data)
    change_request = change.pop("request_id")  # the request that saved the form (its log line has the same id)
    assert change == {"roles": [["clerk"], ["clerk", "resolver"]], "password_reset": True}  # no hash, no no-op
    ended = events[events.index(mine[1]) + 1]  # the reset ended the clerk's sessions and tokens, in the log too
    ended_data = json.loads(ended.data)
    assert ended_data.pop("request_id") == change_request  # written by the same request as the change
    assert (ended.action, ended.username, ended_data) == ("password_reset", "clerk", {"sessions_ended": 0,
                                                                                      "tokens_revoked": 0})
    assert [e.action for e in events if e.username == "admin"][:2] == ["user_created", "signed_in"]
    assert "scrypt" not in "".join(e.data for e in events) and "pbkdf2" not in "".join(e.data for e in events)

    sign_in(client, "auditor")
    page = client.get("/admin/log").get_data(as_text=True)
    assert "✔ Kiểm tra toàn vẹn: chuỗi" in page and "Đặt lại mật khẩu" in page and "thanhtra_2" in page
    assert "Vai trò:\n        Văn thư → Văn thư; Người có thẩm quyền giải quyết lần hai" in page
    intrude(owner_url, ("UPDATE account_events SET data = :data WHERE seq = :seq",  # behind the application's back
                        {"data": mine[0].data.replace("verifier", "admin"), "seq": mine[0].seq}))
    page = client.get("/admin/log").get_data(as_text=True)
    assert "✘ Kiểm tra toàn vẹn thất bại" in page and f"Sự kiện {mine[0].seq}: nội dung sự kiện đã bị thay đổi" in page
    sign_in(client, "reception")
    assert client.get("/admin/log").status_code == 403
