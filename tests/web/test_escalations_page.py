"""The escalations page: passed deadlines by their Vietnamese names, filters, acknowledgement with a note, the count."""

from __future__ import annotations

import html
import json
import re

from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from app.clock import FrozenClock
from app.persistence.models import AuditEvent, Escalation
from app.services import cases, timers, users
from app.services.runtime import Runtime
from tests import cases as payloads
from tests.conftest import basic, vn
from tests.web.helpers import post, sign_in, start_case

ORG_A, ORG_B = "Sở Tài chính", "Sở Nông nghiệp và PTNT"
PASSWORD = "matkhau-123"
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\d{4}-\d{2}-\d{2}|\bNone\b|\bnull\b|\{\{|\{%|object at 0x")


def visible(page: str) -> str:
    """The text a person reads in the page's main part (no tags, no attribute values, no scripts)."""
    main = page.split('<main id="main"', 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style|template)\b.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def _complainant(number: int) -> dict[str, str]:
    """A different person each time (the same one twice would be a duplicate petition)."""
    return {"full_name": f"Trần Thị B{number}", "address": f"Thôn {number}, xã Ia Mơ, huyện Chư Prông",
            "id_number": f"06401234560{number}"}


def _department_case(rt: Runtime, department: str, number: int) -> int:
    first = {**payloads.petition()["first_decision"], "issuer_level": "department_unit_head",
             "issuer": "Chi cục trưởng", "department": department, "number": f"{number}/QĐ-STC"}
    reception = users.authenticate_password(rt, "reception", "demo")
    petition = payloads.petition(first_decision=first, submitted_to="department_head",
                                 complainant=_complainant(number))
    return cases.start_case(rt, reception, "complaint_second_level", petition).instance.id


def _overdue_world(rt: Runtime, clock: FrozenClock) -> dict[str, int]:
    """A provincial case, one of A and one of B, each past its acceptance deadline (03/03/2021) on 22/03/2021."""
    clock.set(vn(2021, 2, 17))
    ids = {"province": start_case(rt), ORG_A: _department_case(rt, ORG_A, 1), ORG_B: _department_case(rt, ORG_B, 2)}
    clock.set(vn(2021, 3, 22))
    timers.run_worker(rt, "test", until_idle=True)
    users.create_user(rt, "thanhtra_a", "Thanh tra Sở Tài chính", PASSWORD, ["inspectorate"], ORG_A)
    with rt.db.reading() as session:
        found = {e.instance_id: e.id for e in session.scalars(select(Escalation))}
    assert set(found) == set(ids.values())
    return {key: found[instance_id] for key, instance_id in ids.items()} | {f"case:{k}": v for k, v in ids.items()}


def test_the_inspectorate_sees_every_passed_deadline_named_in_vietnamese_with_a_link_to_its_case(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    world = _overdue_world(rt, clock)
    sign_in(client, "inspectorate")
    page = client.get("/escalations").get_data(as_text=True)
    text = visible(page)
    assert "3 cảnh báo" in text and text.count("Quá hạn thụ lý") >= 3  # the diagram's name of the escalation
    assert text.count("Xem xét thụ lý đơn khiếu nại") >= 3  # the step whose deadline passed
    assert "03/03/2021" in text and "Quá hạn 19 ngày" in text  # 03/03 to 22/03
    assert f'href="/cases/{world["case:province"]}"' in page
    assert ORG_A in text and ORG_B in text and "ubnd_tinh" not in text  # the catalogue's names
    assert not RAW.search(text), RAW.search(text)
    nav = page.split("</header>", 1)[0]
    assert 'href="/escalations"' in nav and '<span class="count" aria-label="3 chưa xác nhận">3</span>' in nav


def test_filters_by_status_step_overdue_days_and_organisation(client: FlaskClient, rt: Runtime,
                                                              clock: FrozenClock) -> None:
    world = _overdue_world(rt, clock)
    sign_in(client, "inspectorate")

    def shown(query: str) -> set[int]:
        page = client.get(f"/escalations?{query}").get_data(as_text=True)
        return {int(i) for i in re.findall(r'<tr id="escalation-(\d+)">', page)}

    every = {world["province"], world[ORG_A], world[ORG_B]}
    assert shown("") == every and shown("step=review_acceptance") == every
    assert shown("step=issue_decision") == set() and shown("step=kh%C3%B4ng-c%C3%B3") == set()
    assert shown("overdue=19") == every and shown("overdue=20") == set()
    assert shown("overdue=%D9%A3") == every  # an Arabic-Indic digit is no number: no filter
    assert shown(f"organisation={ORG_A}") == {world[ORG_A]}
    post(client, f"/escalations/{world[ORG_B]}/acknowledge", {"note": "Đã nhắc Sở Nông nghiệp"}, "/escalations")
    assert shown("") == {world["province"], world[ORG_A]}
    assert shown("status=acknowledged") == {world[ORG_B]} and shown("status=all") == every
    assert shown("status=b%E1%BA%A5t-k%E1%BB%B3") == {world["province"], world[ORG_A]}  # unknown: the default
    page = client.get("/escalations?status=all&step=review_acceptance").get_data(as_text=True)
    assert '<option value="review_acceptance" selected>' in page


def test_a_user_limited_to_an_organisation_sees_and_counts_only_its_own(client: FlaskClient, rt: Runtime,
                                                                       clock: FrozenClock) -> None:
    world = _overdue_world(rt, clock)
    sign_in(client, "thanhtra_a", PASSWORD)
    page = client.get(f"/escalations?status=all&organisation={ORG_B}").get_data(as_text=True)
    assert set(re.findall(r'<tr id="escalation-(\d+)">', page)) == {str(world[ORG_A])}
    assert 'id="organisation"' not in page  # no organisation filter for one organisation
    assert '<span class="count" aria-label="1 chưa xác nhận">1</span>' in page
    refused = post(client, f"/escalations/{world[ORG_B]}/acknowledge", {"note": "x"}, "/escalations")
    assert refused.status_code == 404
    api = client.post(f"/api/escalations/{world[ORG_B]}/acknowledge", json={"note": "x"},
                      headers=basic("thanhtra_a", PASSWORD))
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
    with rt.db.reading() as session:
        assert session.get(Escalation, world[ORG_B]).acknowledged_at is None  # type: ignore[union-attr]


def test_acknowledging_with_a_note_keeps_it_in_the_row_and_the_cases_trail(client: FlaskClient, rt: Runtime,
                                                                          clock: FrozenClock) -> None:
    world = _overdue_world(rt, clock)
    sign_in(client, "inspectorate")
    note = "=HYPERLINK(\"http://x\") Đã đôn đốc\nChủ tịch UBND tỉnh chỉ đạo thụ lý trong tuần."
    done = post(client, f"/escalations/{world['province']}/acknowledge?status=all", {"note": note}, "/escalations")
    assert done.status_code == 302 and done.headers["Location"] == "/escalations?status=all"
    page = client.get("/escalations?status=all").get_data(as_text=True)
    assert "Đã xác nhận cảnh báo «Quá hạn thụ lý»" in page and str(escape(note)) in page
    assert "Thanh tra tỉnh (demo) · 22/03/2021" in visible(page)
    with rt.db.reading() as session:
        row = session.get(Escalation, world["province"])
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "escalation_acknowledged")).one()
    assert row is not None and row.note == note and row.acknowledged_by == "inspectorate"
    data = json.loads(event.data)
    assert re.fullmatch(r"[0-9a-f]{32}", data.pop("request_id"))  # the request that wrote it
    assert data == {"code": "acceptance_overdue", "note": note}
    again = post(client, f"/escalations/{world['province']}/acknowledge", {"note": "lần hai"}, "/escalations")
    assert again.status_code == 302
    with rt.db.reading() as session:
        assert session.get(Escalation, world["province"]).note == note  # type: ignore[union-attr]
    case_page = client.get(f"/cases/{world['case:province']}").get_data(as_text=True)
    assert "Xác nhận cảnh báo" in case_page and 'href="/escalations?status=all"' in case_page


def test_a_refused_note_keeps_what_was_typed_and_changes_nothing(client: FlaskClient, rt: Runtime,
                                                                 clock: FrozenClock) -> None:
    world = _overdue_world(rt, clock)
    sign_in(client, "resolver")
    for note, reason in (("a" * 2001, "Tối đa 2.000 ký tự."), ("trước\x00sau", "ký tự điều khiển"),
                         ("đảo\u202echiều", "ký tự điều khiển")):
        refused = post(client, f"/escalations/{world['province']}/acknowledge", {"note": note}, "/escalations")
        page = refused.get_data(as_text=True)
        assert refused.status_code == 400 and reason in page
        assert 'aria-invalid="true"' in page and str(escape(note[:50])) in page
    with rt.db.reading() as session:
        assert session.get(Escalation, world["province"]).acknowledged_at is None  # type: ignore[union-attr]


def test_the_api_acknowledges_with_or_without_a_note_and_filters_like_the_page(client: FlaskClient, rt: Runtime,
                                                                              clock: FrozenClock) -> None:
    world = _overdue_world(rt, clock)
    me = basic("inspectorate")
    bare = client.post(f"/api/escalations/{world[ORG_A]}/acknowledge", headers=me)
    assert bare.status_code == 200 and bare.get_json()["note"] is None
    noted = client.post(f"/api/escalations/{world[ORG_B]}/acknowledge", json={"note": "Đã nhắc"}, headers=me)
    assert noted.status_code == 200 and noted.get_json()["note"] == "Đã nhắc"
    for body, field in (({"note": "x" * 2001}, "note"), ({"note": "a\x07b"}, "note"), ({"note": 5}, "note")):
        refused = client.post(f"/api/escalations/{world['province']}/acknowledge", json=body, headers=me)
        assert refused.status_code == 400 and field in refused.get_json().get("fields", {}), refused.get_json()
    listing = client.get("/api/escalations?status=acknowledged&step=review_acceptance", headers=me).get_json()
    assert {i["id"] for i in listing["items"]} == {world[ORG_A], world[ORG_B]}
    item = next(i for i in listing["items"] if i["id"] == world[ORG_B])
    assert item["step_name"] and item["name"] == "Quá hạn thụ lý" and item["overdue_days"] == 19
    assert item["note"] == "Đã nhắc" and item["organisation"] == ORG_B
    assert client.get("/api/escalations?min_overdue_days=20", headers=me).get_json()["total"] == 0
    assert client.get("/api/escalations?min_overdue_days=-1", headers=me).status_code == 400
    assert client.get("/api/escalations?status=x", headers=me).status_code == 400
    huge = client.post("/api/escalations/99999999999/acknowledge", headers=me)
    assert huge.status_code == 404
    assert client.post("/api/escalations/%D9%A3/acknowledge", headers=me).status_code == 404
    assert client.post(f"/api/escalations/{world['province']}/acknowledge", data=b"x" * (10 * 1024 * 1024),
                       headers={**me, "Content-Type": "application/json"}).status_code == 413


def test_roles_that_see_no_escalation_get_no_link_and_a_403(client: FlaskClient, rt: Runtime,
                                                            clock: FrozenClock) -> None:
    world = _overdue_world(rt, clock)
    sign_in(client, "reception")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert 'href="/escalations"' not in inbox and 'class="count"' not in inbox
    assert client.get("/escalations").status_code == 403
    assert post(client, f"/escalations/{world['province']}/acknowledge", {"note": "x"}).status_code == 403
    sign_in(client, "auditor")  # reads them, acknowledges none
    page = client.get("/escalations").get_data(as_text=True)
    assert "Quá hạn thụ lý" in page and "Xác nhận đã biết" not in page and "Chưa xác nhận" in page
    assert post(client, f"/escalations/{world['province']}/acknowledge", {"note": "x"}).status_code == 403


def test_a_cases_read_lists_its_own_escalations_with_its_number(client: FlaskClient, rt: Runtime,
                                                                 clock: FrozenClock) -> None:
    """The case's API read and its page list the escalations of that case only, each with the case's number."""
    world = _overdue_world(rt, clock)
    case = world["case:province"]
    body = client.get(f"/api/instances/{case}", headers=basic("inspectorate")).get_json()
    assert [(e["id"], e["instance_id"], e["case_number"]) for e in body["escalations"]] == [
        (world["province"], case, body["case_number"])]
    assert body["case_number"]
    sign_in(client, "inspectorate")
    page = client.get(f"/cases/{case}").get_data(as_text=True)
    assert 'class="escalations"' in page and "Quá hạn thụ lý" in page
