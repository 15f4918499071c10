"""The catalogue over the API: every role reads it, only the admin changes it, same rules as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.roles import ROLES
from tests.conftest import basic
from tests.services.test_case_numbers import plan

URL = "/api/organisations"
NEW = {"code": "so_ngoai_vu", "name": "Sở Ngoại vụ", "parent": "ubnd_tinh", "valid_from": "2020-01-01"}


def _create(client: FlaskClient, body: dict[str, Any], user: str = "admin") -> Any:
    return client.post(URL, json=body, headers=basic(user))


def test_the_admin_adds_changes_ends_and_deletes_an_entry(client: FlaskClient) -> None:
    created = _create(client, NEW)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body == {"id": body["id"], "code": "so_ngoai_vu", "name": "Sở Ngoại vụ", "parent": "ubnd_tinh",
                    "valid_from": "2020-01-01", "valid_to": None, "status": "current"}
    item = f"{URL}/{body['id']}"
    changed = client.put(item, json={"name": "Sở Ngoại vụ tỉnh", "parent": "ubnd_tinh", "valid_to": "2021-02-16"},
                         headers=basic("admin"))
    assert changed.status_code == 200 and changed.get_json()["status"] == "ended"
    assert changed.get_json()["valid_from"] is None  # PUT replaces the whole entry
    current = client.get(f"{URL}?current=true", headers=basic("reception")).get_json()
    assert "so_ngoai_vu" not in {e["code"] for e in current} and "ubnd_tinh" in {e["code"] for e in current}
    assert client.delete(item, headers=basic("admin")).status_code == 204
    assert client.get(item, headers=basic("admin")).status_code == 404


def test_an_entry_in_use_answers_409_when_deleted(client: FlaskClient) -> None:
    ubnd = next(e for e in client.get(URL, headers=basic("admin")).get_json() if e["code"] == "ubnd_tinh")
    refused = client.delete(f"{URL}/{ubnd['id']}", headers=basic("admin"))
    assert refused.status_code == 409 and "ghi ngày kết thúc" in refused.get_json()["message"]


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"admin"}))
def test_every_other_role_reads_and_is_refused_changes_whatever_it_sends(client: FlaskClient, role: str) -> None:
    listing = client.get(URL, headers=basic(role))
    assert listing.status_code == 200 and {e["code"] for e in listing.get_json()} >= {"ubnd_tinh", "thanh_tra_tinh"}
    ubnd = next(e for e in listing.get_json() if e["code"] == "ubnd_tinh")
    assert client.get(f"{URL}/{ubnd['id']}", headers=basic(role)).status_code == 200
    for body in (NEW, {}, {"code": "x\x00", "name": 5}):
        refused = _create(client, body, role)
        assert refused.status_code == 403, refused.get_json()
        assert refused.get_json()["message"] == "Chỉ quản trị mới quản lý danh mục cơ quan."
    assert client.put(f"{URL}/{ubnd['id']}", json={"name": "Đổi tên"}, headers=basic(role)).status_code == 403
    assert client.delete(f"{URL}/{ubnd['id']}", headers=basic(role)).status_code == 403
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize(("body", "status", "field"), [
    ({**NEW, "name": "Sở\x00X"}, 400, "name"),  # refused by the JSON parser, naming the field
    ({**NEW, "name": "x" * 301}, 400, "name"),
    ({**NEW, "code": "x" * 101}, 400, "code"),
    ({**NEW, "code": "x" * 100_000}, 400, "code"),
    ({**NEW, "name": "=1+1"}, 400, "name"),
    ({**NEW, "parent": "khong_co"}, 400, "parent"),
    ({**NEW, "valid_to": "2019-12-31"}, 400, "valid_to"),
    ({**NEW, "valid_to": "31/12/2019"}, 400, "valid_to"),
    ({**NEW, "code": "ubnd_tinh"}, 400, "code"),
])
def test_bad_entries_are_refused_naming_the_field(client: FlaskClient, body: dict[str, Any], status: int,
                                                  field: str) -> None:
    refused = _create(client, body)
    assert refused.status_code == status, refused.get_json()
    assert field in refused.get_json()["fields"]


def test_a_parent_that_would_make_a_cycle_is_refused(client: FlaskClient) -> None:
    top = _create(client, {"code": "a", "name": "Cơ quan A"}).get_json()
    _create(client, {"code": "b", "name": "Cơ quan B", "parent": "a"})
    cycle = client.put(f"{URL}/{top['id']}", json={"name": "Cơ quan A", "parent": "b"}, headers=basic("admin"))
    assert cycle.status_code == 400 and "parent" in cycle.get_json()["fields"]


def test_a_plan_started_over_the_api_names_catalogue_entries(client: FlaskClient) -> None:
    data = plan()
    data["units"][0]["organisation"] = "khong_co"
    url = "/api/processes/na_session_reception/instances"
    refused = client.post(url, json={"data": data}, headers=basic("inspectorate"))
    assert refused.status_code == 422
    assert refused.get_json()["fields"] == {"units.0.organisation": "Chọn cơ quan trong danh mục cơ quan."}
    data["units"][0]["organisation"] = "so_tai_chinh"
    started = client.post(url, json={"data": data}, headers=basic("inspectorate"))
    assert started.status_code == 201 and started.get_json()["case_number"] == "TCD-2021-000001"
