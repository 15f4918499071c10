"""Officers meet the papers on the pages: the task page previews them, the case page lists and serves them."""

from __future__ import annotations

import io
import re

from docx import Document as Docx
from flask.testing import FlaskClient
from pypdf import PdfReader

from app.services import documents, tasks
from app.services.runtime import Runtime
from app.services.users import authenticate_password
from tests import cases
from tests.web.helpers import post, ready_task_id, sign_in, start_case


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages).split())


def test_the_task_page_names_the_papers_and_previews_one_from_what_is_typed(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    sign_in(client, "resolver")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Khi hoàn thành bước, hệ thống ban hành «Thông báo về việc thụ lý giải quyết khiếu nại»" in page
    assert f"/tasks/{task_id}/preview/acceptance_notice" in page
    preview = post(client, f"/tasks/{task_id}/preview/acceptance_notice", {"accepted": "true"},
                   token_from=f"/tasks/{task_id}")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    text = _pdf_text(preview.data)
    assert "(chưa cấp số)" in text and cases.petition()["complainant"]["full_name"] in text
    with rt.db.reading() as session:  # a preview keeps nothing and takes no number
        assert documents.list_documents(session, instance_id)[-1].document.kind == "receipt"
    missing = post(client, f"/tasks/{task_id}/preview/decision", {}, token_from=f"/tasks/{task_id}")
    assert missing.status_code == 404 and "Không tìm thấy văn bản" in missing.get_data(as_text=True)


def test_a_role_that_may_not_do_the_step_gets_no_preview(client: FlaskClient, rt: Runtime) -> None:
    task_id = ready_task_id(rt, start_case(rt))
    sign_in(client, "auditor")
    refused = post(client, f"/tasks/{task_id}/preview/acceptance_notice", {}, token_from="/cases")
    assert refused.status_code == 403


def test_the_case_page_lists_each_paper_and_serves_word_and_pdf(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    tasks.complete_task(rt, authenticate_password(rt, "resolver", "demo"), ready_task_id(rt, instance_id),
                        cases.acceptance())
    sign_in(client, "clerk")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    section = page.split('id="documents"', 1)[1].split("</section>", 1)[0]
    assert "Văn bản đã ban hành (2)" in section
    assert "Thông báo về việc thụ lý giải quyết khiếu nại" in section and "1/TB-UBND" in section
    assert "01/03/2021" in section and not re.search(r"\d{4}-\d{2}-\d{2}", section)
    ids = re.findall(r'href="/documents/(\d+)"', section)
    word = client.get(f"/documents/{ids[-1]}")
    assert word.status_code == 200 and "attachment" in word.headers["Content-Disposition"]
    text = "\n".join(p.text for t in Docx(io.BytesIO(word.data)).tables for r in t.rows for c in r.cells
                     for p in c.paragraphs)
    assert "Số: 1/TB-UBND" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    pdf = client.get(f"/documents/{ids[-1]}?format=pdf")
    assert pdf.mimetype == "application/pdf" and "1/TB-UBND" in _pdf_text(pdf.data)
