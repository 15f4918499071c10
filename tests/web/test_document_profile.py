"""The admin sets a body's abbreviation, header and signer, through the API and the page alike; no one else may."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.persistence.models import AccountEvent, DocumentIssuer, Organisation
from app.services.runtime import Runtime
from tests.conftest import basic
from tests.web.helpers import post, sign_in


def _profile(**changes: Any) -> dict[str, Any]:
    return {"symbol": "SNN-MT", "name": "Sở Nông nghiệp và Môi trường tỉnh Gia Lai", "upper_line": "UBND tỉnh Gia Lai",
            "lower_line": "Sở Nông nghiệp và Môi trường", "place": "Gia Lai",
            "head": "Giám đốc Sở Nông nghiệp và Môi trường", "signer_name": "Lê Thị Hạnh",
            "signer_title": "Phó Giám đốc", "signer_authority": "KT. Giám đốc", **changes}


def _entry(rt: Runtime, code: str = "so_nong_nghiep_moi_truong") -> int:
    with rt.db.reading() as session:
        return int(session.scalar(select(Organisation.id).where(Organisation.code == code)))


def _kept(rt: Runtime) -> tuple[int, int]:
    with rt.db.reading() as session:
        return (int(session.scalar(select(func.count()).select_from(DocumentIssuer))),
                int(session.scalar(select(func.count()).select_from(AccountEvent)
                                   .where(AccountEvent.action.startswith("organisation_")))))


def test_the_admin_sets_a_bodys_profile_through_the_api_and_reads_it_back(client: FlaskClient, rt: Runtime) -> None:
    url = f"/api/organisations/{_entry(rt)}/documents"
    changed = client.put(url, json=_profile(), headers=basic("admin"))
    assert changed.status_code == 200 and changed.get_json()["symbol"] == "SNN-MT"
    assert client.get(url, headers=basic("admin")).get_json() == _profile()
    with rt.db.reading() as session:
        logged = session.scalars(select(AccountEvent.action).where(AccountEvent.actor == "admin")).all()
    assert logged == ["organisation_symbol_set", "organisation_header_set"]


@pytest.mark.parametrize(("field", "value", "words"), [
    ("symbol", "ubnd", "chữ cái tiếng Việt viết hoa"),
    ("symbol", "=HYPERLINK(\"x\")", "chữ cái tiếng Việt viết hoa"),
    ("name", "", "Chưa nhập «Tên cơ quan»"),
    ("place", "Gia\x00Lai", "ký tự điều khiển"),
    ("signer_name", "Lê\u202eThị", "ký tự điều khiển"),
    ("head", "x" * 301, "dài quá 300 ký tự"),
])
def test_a_bad_profile_is_refused_in_vietnamese_by_the_api_and_the_page_and_nothing_is_kept(
        client: FlaskClient, rt: Runtime, field: str, value: str, words: str) -> None:
    entry, before = _entry(rt), _kept(rt)
    refused = client.put(f"/api/organisations/{entry}/documents", json=_profile(**{field: value}),
                         headers=basic("admin"))
    assert refused.status_code == 400 and words in refused.get_json()["fields"][field]
    sign_in(client, "admin")
    page = post(client, f"/admin/organisations/{entry}/documents", _profile(**{field: value}))
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and words in text
    assert 'value="Lê Thị Hạnh"' in text or field == "signer_name"  # what was typed survives the error
    assert _kept(rt) == before


@pytest.mark.parametrize("role", ["resolver", "auditor", "analyst", "reception"])
def test_no_one_but_the_admin_reads_or_sets_a_profile(client: FlaskClient, rt: Runtime, role: str) -> None:
    entry, before = _entry(rt), _kept(rt)
    assert client.get(f"/api/organisations/{entry}/documents", headers=basic(role)).status_code == 403
    assert client.put(f"/api/organisations/{entry}/documents", json=_profile(), headers=basic(role)).status_code == 403
    sign_in(client, role)
    assert post(client, f"/admin/organisations/{entry}/documents", _profile()).status_code == 403
    assert _kept(rt) == before


@pytest.mark.parametrize("bad", ["0", "-1", "2147483648", "١٢", "01", "99999"])
def test_an_id_that_is_no_organisation_is_404_on_both_surfaces(client: FlaskClient, rt: Runtime, bad: str) -> None:
    assert client.get(f"/api/organisations/{bad}/documents", headers=basic("admin")).status_code == 404
    sign_in(client, "admin")
    assert post(client, f"/admin/organisations/{bad}/documents", _profile()).status_code == 404


def test_the_admin_page_shows_the_profile_form_with_the_seeded_values(client: FlaskClient, rt: Runtime) -> None:
    sign_in(client, "admin")
    page = client.get(f"/admin/organisations/{_entry(rt, 'ubnd_tinh')}").get_data(as_text=True)
    assert "Văn bản của cơ quan" in page and 'value="UBND"' in page and "Ủy ban nhân dân tỉnh Gia Lai" in page

