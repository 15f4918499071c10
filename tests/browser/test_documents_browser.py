"""In the browser: a case carried to publication shows every paper it issued, and each downloads and opens.

The early steps of Case A are played through the services on the server's own database (a runtime
on a frozen 2021 clock, as ``tests.services.test_documents_issued`` plays them); the decision is
previewed and issued on the task page in chromium, the rest is played on again. The case page's
«Văn bản đã ban hành» lists receipt, notice, assignment, minutes, report and decision with number,
date (dd/mm/yyyy) and version; the .docx downloads and opens with python-docx, with the Decree 30
header and its number. A withdrawn case shows its termination decision.
"""

from __future__ import annotations

import io
import json
import os
import re
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document as Docx
from playwright.sync_api import FilePayload, Page, expect

from app import create_app
from app.clock import FrozenClock
from app.services.runtime import Runtime
from tests import cases as payloads
from tests.browser.conftest import ARTIFACTS, fill, shot, sign_in
from tests.conftest import basic, vn
from tests.services.test_case_a_deadlines import Desk

pytestmark = pytest.mark.browser

RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b\d{4}-\d{2}-\d{2}\b|\bnull\b|\bNone\b|\b(?:true|false)\b"
                 r"|\b(?:generated|signed|receipt|decision|termination)\b")
KINDS = ["receipt", "acceptance_notice", "verification_assignment", "dialogue_minutes", "verification_report",
         "decision"]


@pytest.fixture
def desk_rt(server: str, server_env: dict[str, str]) -> Iterator[tuple[Runtime, FrozenClock]]:
    """A runtime on the server's database and instance (its audit key), on a clock frozen in 2021."""
    keys = ("DATABASE_URL", "INSTANCE_DIR", "PASSWORD_HASH_METHOD", "DEMO_USERS", "SECRET_KEY", "AUDIT_KEY")
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.update({key: server_env[key] for key in keys if key in server_env})
    clock = FrozenClock(vn(2021, 2, 17))
    try:
        application = create_app({"CLOCK": clock})
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    rt: Runtime = application.extensions["runtime"]
    yield rt, clock
    rt.db.dispose()


def _own_petition(number: str) -> dict[str, Any]:
    """The default petition from a complainant of its own: the officers' journey on the same server
    files the default one and must not be stopped by the duplicate check."""
    complainant = {**payloads.petition()["complainant"], "full_name": "Hà Thị Văn Thư", "id_number": number}
    return payloads.petition(complainant=complainant)


def _api(server: str, path: str, user: str = "auditor") -> Any:
    request = urllib.request.Request(f"{server}{path}", headers=basic(user))
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _waiting(server: str, instance_id: int) -> dict[str, Any]:
    [task] = _api(server, f"/api/instances/{instance_id}")["tasks"]
    return dict(task)


def _vn(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _docx_text(content: bytes) -> str:
    doc = Docx(io.BytesIO(content))
    cells = [p.text for table in doc.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return "\n".join([*cells, *(p.text for p in doc.paragraphs)])


def _section_is_plain_vietnamese(page: Page) -> None:
    text = page.locator("#documents").inner_text()
    found = sorted(set(RAW.findall(text)))
    assert not found, f"codes shown to the officer in «Văn bản đã ban hành»: {found}"


def test_a_case_carried_to_publication_shows_and_serves_every_paper(page: Page, server: str,
                                                                   desk_rt: tuple[Runtime, FrozenClock]) -> None:
    rt, clock = desk_rt
    desk = Desk(rt, clock, _own_petition("064088000001"))
    desk.carry(until="issue_decision")  # the decision is taken in the browser
    desk.nights_until(date(2021, 4, 14))
    case_id = desk.instance_id

    # the decision, previewed and issued on its task page
    sign_in(page, server, "resolver")
    task = _waiting(server, case_id)
    assert task["bpmn_id"] == "issue_decision", task
    page.goto(f"{server}/tasks/{task['id']}")
    fill(page, payloads.decision("2021-04-14"))
    preview = page.locator("form#task-form button[formaction*='/preview/decision']")
    expect(preview).to_have_count(1)
    with page.context.expect_event("response", lambda r: "/preview/decision" in r.url) as answered:
        preview.click()
    response = answered.value
    assert response.status == 200 and response.header_value("content-type") == "application/pdf", response.headers
    shown = response.body()  # chromium hands a PDF to its viewer: the body seen is then the viewer's page
    assert shown.startswith(b"%PDF") or b"chrome-extension://mhjfbmdgcfjbbpaeojofohoefgieh" in shown, shown[:200]
    for opened in page.context.pages:
        if opened is not page:
            opened.close()
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.locator(".flash-ok")).to_contain_text("Đã hoàn thành bước")

    # while the case runs (the decision is to be sent), the notice is made again and its signed scan added
    notice = next(d for d in _api(server, f"/api/instances/{case_id}/documents") if d["kind"] == "acceptance_notice")
    page.locator(f"tr#document-{notice['id']} + tr.document-actions summary").click()
    actions = page.locator(f"tr#document-{notice['id']} + tr.document-actions")
    actions.get_by_label("Lý do tạo lại (sau khi đính chính dữ liệu)").fill("Đính chính địa chỉ người khiếu nại")
    actions.get_by_role("button", name="Tạo lại văn bản").click()
    expect(page.locator(".flash-ok")).to_contain_text("phiên bản 2")
    page.locator(f"tr#document-{notice['id']} + tr.document-actions summary").click()
    scan = FilePayload(name="thong-bao-da-ky.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4\n%signed\n")
    actions.locator("input[type=file]").set_input_files(files=[scan])
    actions.get_by_role("button", name="Đính kèm").click()
    expect(page.locator(".flash-ok")).to_contain_text("Đã đính kèm bản đã ký")

    desk.act(date(2021, 4, 16), "send_decision", "clerk", payloads.sending(complainant="Hà Thị Văn Thư"))
    desk.act(date(2021, 4, 19), "publish_decision", "clerk", payloads.publication())

    listed = _api(server, f"/api/instances/{case_id}/documents")
    assert [d["kind"] for d in listed] == KINDS
    page.goto("about:blank")  # the case page is open: a mere fragment change would not load it again
    page.goto(f"{server}/cases/{case_id}#documents")
    section = page.locator("#documents")
    expect(section.locator("h2")).to_have_text(f"Văn bản đã ban hành ({len(KINDS)})")
    for d in listed:
        cells = section.locator(f"tr#document-{d['id']} td")
        assert cells.nth(0).inner_text().strip() == d["title"]
        assert cells.nth(1).inner_text().strip() == d["number"]
        assert cells.nth(2).inner_text().strip() == _vn(d["issued_on"])
        version = cells.nth(3).inner_text().strip()
        if d["id"] == notice["id"]:
            assert re.fullmatch(r"2 \(tạo lại \d\d/\d\d/\d{4} \d\d:\d\d: Đính chính địa chỉ người khiếu nại\)",
                                version), version
        else:
            assert version == "1"
    decision = listed[-1]
    assert decision["issued_on"] == "2021-04-14" and re.fullmatch(r"\d+/QĐ-UBND", decision["number"])
    row = section.locator(f"tr#document-{notice['id']}")
    signed_link = row.get_by_role("link", name="Bản đã ký")
    expect(signed_link).to_have_count(1)
    signed = page.request.get(f"{server}{signed_link.get_attribute('href')}")
    assert signed.status == 200 and signed.body() == b"%PDF-1.4\n%signed\n"
    expect(section.locator("tr.document-actions")).to_have_count(6)  # closed, yet the signed scans still come in
    _section_is_plain_vietnamese(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(ARTIFACTS / "documents-01-published-case.png"))
    shot(page, "documents-01-published-case-page")

    with page.expect_download() as downloading:
        section.locator(f"tr#document-{decision['id']} a", has_text="Word (.docx)").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".docx")
    text = _docx_text(Path(download.path()).read_bytes())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and f"Số: {decision['number']}" in text
    assert "Hà Thị Văn Thư" in text
    pdf = page.request.get(f"{server}/documents/{decision['id']}?format=pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")


def test_a_withdrawn_case_shows_its_termination_decision(page: Page, server: str,
                                                        desk_rt: tuple[Runtime, FrozenClock]) -> None:
    rt, clock = desk_rt
    desk = Desk(rt, clock, _own_petition("064088000002"))
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-01"))
    desk.message(date(2021, 3, 20), "withdrawal", payloads.withdrawal())
    desk.act(date(2021, 3, 22), "issue_termination", "resolver", payloads.termination())
    listed = _api(server, f"/api/instances/{desk.instance_id}/documents")
    assert [d["kind"] for d in listed] == ["receipt", "acceptance_notice", "termination"]
    termination = listed[-1]

    sign_in(page, server, "resolver")
    page.goto(f"{server}/cases/{desk.instance_id}#documents")
    row = page.locator(f"#documents tr#document-{termination['id']}")
    expect(row).to_contain_text(termination["title"])
    expect(row).to_contain_text(termination["number"])
    expect(row).to_contain_text("22/03/2021")
    _section_is_plain_vietnamese(page)
    page.locator("#documents").screenshot(path=str(ARTIFACTS / "documents-02-withdrawn-case.png"))
