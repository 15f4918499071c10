"""In the browser: the auditor downloads «Xuất hồ sơ (.zip)» and it checks offline; the integrity page runs a case now
and queues the whole check, which the worker beside gunicorn finishes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.services import export_check
from tests import cases
from tests.browser.conftest import ROOT, shot, sign_in
from tests.conftest import basic

pytestmark = pytest.mark.browser

RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b\d{4}-\d{2}-\d{2}\b|\bnull\b|\bNone\b|\b(?:true|false|queued|running|done)\b")


def _start(server: str, name: str, id_number: str) -> tuple[int, str]:
    data = cases.petition(complainant={"full_name": name, "address": "Phường Diên Hồng, Pleiku", "id_number": id_number})
    request = urllib.request.Request(f"{server}/api/processes/complaint_second_level/instances", method="POST",
                                     data=json.dumps({"data": data}).encode(),
                                     headers={"Content-Type": "application/json", **basic("reception")})
    with urllib.request.urlopen(request, timeout=30) as response:
        made = json.loads(response.read())
    return int(made["id"]), str(made["case_number"])


def test_the_auditor_exports_a_case_that_checks_offline_with_the_instances_key(
        page: Page, server: str, server_env: dict[str, str], tmp_path: Path) -> None:
    instance_id, number = _start(server, "Lê Văn Xuất", "064012345001")
    sign_in(page, server, "auditor")
    page.goto(f"{server}/cases/{instance_id}")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Xuất hồ sơ (.zip)").click()
    download = waiting.value
    assert download.suggested_filename == f"ho-so-{number}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    public = export_check.public_pem(export_check.private_key(
        (Path(server_env["INSTANCE_DIR"]) / "export_signing_key.pem").read_bytes()))
    check = export_check.verify_export(saved.read_bytes(), public)
    assert check.ok and check.case_number == number, [str(f) for f in check.findings]
    page.reload()
    expect(page.locator("#history")).to_contain_text("Xuất hồ sơ có chữ ký số (.zip)")
    shot(page, "case-exported", height=700)
    sign_in(page, server, "resolver")
    page.goto(f"{server}/cases/{instance_id}")
    expect(page.get_by_role("button", name="Xuất hồ sơ (.zip)")).to_have_count(0)


def test_the_integrity_page_checks_a_case_now_and_the_worker_checks_everything(
        page: Page, server: str, server_env: dict[str, str]) -> None:
    _, number = _start(server, "Phạm Thị Kiểm", "064012345002")
    sign_in(page, server, "auditor")
    page.locator("#site-menu nav").get_by_role("link", name="Toàn vẹn nhật ký").click()
    expect(page.locator("h1")).to_have_text("Toàn vẹn nhật ký kiểm toán")
    page.get_by_label("Số hồ sơ").fill(number)
    page.get_by_role("button", name="Kiểm tra hồ sơ này").click()
    expect(page.locator(".flash")).to_contain_text(f"Đã kiểm tra hồ sơ {number}: nguyên vẹn.")
    page.goto(f"{server}/audit/integrity")
    page.get_by_role("button", name="Kiểm tra toàn bộ").click()
    expect(page.get_by_role("status").filter(has_text="Đang chờ")).to_have_count(1)
    flask = Path(sys.executable).parent / "flask"
    ran = subprocess.run([str(flask), "--app", "app", "worker", "--until-idle"], cwd=ROOT, env=server_env,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    page.goto(f"{server}/audit/integrity")
    expect(page.locator("#h-last")).to_have_text("Lần kiểm tra toàn bộ gần nhất")
    expect(page.locator(".verdict")).to_have_text("Nguyên vẹn: không phát hiện thay đổi nào.")
    text = page.locator("main").inner_text()
    found = RAW.search(text)
    assert not found, f"raw code on the integrity page: {found.group(0)!r}"
    shot(page, "integrity-page")
