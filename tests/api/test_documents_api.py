"""The documents of a case over the API and the pages: listed, downloaded (.docx, PDF), made again, signed scan added.

Case A carried to publication (``tests.services.test_documents_issued``) leaves its six papers; what
each call returns is checked against the file itself (python-docx, pypdf). Then the attacks: roles
with no part in the case, a user of another organisation, ids and versions that are no number, a
reason with a NUL or a bidirectional control, a file too big or not a scan. Each is refused with a
Vietnamese message, nothing is written (the versions are counted before and after) and no answer
is a 500. The pages refuse the same things as the API, in HTML.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from docx import Document as Docx
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.clock import FrozenClock
from app.persistence.models import DocumentVersion
from app.services import users
from app.services.documents import NOT_FOUND
from app.services.runtime import Runtime
from tests import cases as payloads
from tests.conftest import basic
from tests.services.test_case_a_deadlines import Desk
from tests.services.test_documents_issued import _case_a_resolved
from tests.web.helpers import csrf_token, sign_in

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
NAME = payloads.petition()["complainant"]["full_name"]
PATH = [("receipt", "1/GBN-UBND"), ("acceptance_notice", "1/TB-UBND"), ("verification_assignment", "1/QĐ-UBND"),
        ("dialogue_minutes", "1/BB-UBND"), ("verification_report", "1/BC-UBND"), ("decision", "2/QĐ-UBND")]


def _docx_text(content: bytes) -> str:
    doc = Docx(io.BytesIO(content))
    cells = [p.text for table in doc.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return "\n".join([*cells, *(p.text for p in doc.paragraphs)])


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def _versions(rt: Runtime) -> int:
    with rt.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(DocumentVersion)) or 0)


def _refused(response: TestResponse, *statuses: int) -> str:
    """A JSON refusal in Vietnamese with one of ``statuses``; its message."""
    assert response.status_code in statuses, (response.status_code, response.data[:300])
    body = response.get_json()
    assert isinstance(body, dict) and body.get("error") and body.get("message"), response.data[:300]
    assert VIETNAMESE.search(body["message"]), body
    return str(body["message"])


def _page_refused(response: TestResponse, *statuses: int) -> str:
    """An HTML error page in Vietnamese with one of ``statuses``; its text."""
    assert response.status_code in statuses, (response.status_code, response.data[:300])
    assert response.mimetype == "text/html", response.mimetype
    text = response.get_data(as_text=True)
    assert VIETNAMESE.search(text) and "Traceback" not in text
    return text


def _accepted(rt: Runtime, clock: FrozenClock) -> Desk:
    desk = Desk(rt, clock)
    desk.act(date(2021, 3, 1), "review_acceptance", "resolver", payloads.acceptance(issued_on="2021-03-01"))
    return desk


def _listed(client: FlaskClient, instance_id: int, user: str = "resolver") -> list[dict[str, Any]]:
    response = client.get(f"/api/instances/{instance_id}/documents", headers=basic(user))
    assert response.status_code == 200, response.get_json()
    body: list[dict[str, Any]] = response.get_json()
    return body


def _notice(client: FlaskClient, instance_id: int) -> int:
    return int(next(d["id"] for d in _listed(client, instance_id) if d["kind"] == "acceptance_notice"))


# -- what a case carried to publication serves --------------------------------------------------------------

def test_a_published_case_lists_and_serves_every_paper(client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    desk = _case_a_resolved(rt, clock)
    listed = _listed(client, desk.instance_id)
    assert [(d["kind"], d["number"]) for d in listed] == PATH
    for d in listed:
        assert {"id", "kind", "title", "number", "issued_on", "version", "sha256", "template_version",
                "formats"} <= d.keys()
        assert d["version"] == 1 and re.fullmatch(r"[0-9a-f]{64}", d["sha256"]) and d["formats"] == ["docx", "pdf"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["issued_on"]) and isinstance(d["template_version"], int)
    decision = listed[-1]
    assert decision["issued_on"] == "2021-04-14"

    word = client.get(f"/api/documents/{decision['id']}", headers=basic("clerk"))
    assert word.status_code == 200 and word.mimetype == DOCX
    assert word.headers["X-Content-SHA256"] == decision["sha256"]
    assert ".docx" in word.headers["Content-Disposition"]
    text = _docx_text(word.data)
    assert "Số: 2/QĐ-UBND" in text and NAME in text

    for response in (client.get(f"/api/documents/{decision['id']}?format=pdf", headers=basic("clerk")),
                     client.get(f"/api/documents/{decision['id']}",
                                headers={**basic("auditor"), "Accept": "application/pdf"})):
        assert response.status_code == 200 and response.mimetype == "application/pdf", response.get_data()[:300]
        assert response.data.startswith(b"%PDF") and ".pdf" in response.headers["Content-Disposition"]
        # a PDF made now names the recorded .docx it came from, never claims to be the recorded bytes
        assert response.headers["X-Source-SHA256"] == decision["sha256"] and "X-Content-SHA256" not in response.headers
        pdf = _pdf_text(response.data)
        assert "2/QĐ-UBND" in pdf and NAME in pdf, pdf[:1000]


def test_made_again_keeps_its_number_and_the_signed_scan_is_a_version(client: FlaskClient, rt: Runtime,
                                                                      clock: FrozenClock) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    before = _versions(rt)
    again = client.post(f"/api/documents/{notice}/versions", json={"reason": "Sửa lỗi chính tả địa chỉ"},
                        headers=basic("resolver"))
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["version"] == 2 and again.get_json()["source"] == "generated"
    scan = client.post(f"/api/documents/{notice}/signed", headers=basic("resolver"),
                       data={"file": (io.BytesIO(b"%PDF-1.4\n%signed\n"), "thong-bao-da-ky.pdf")},
                       content_type="multipart/form-data")
    assert scan.status_code == 201, scan.get_json()
    assert (scan.get_json()["version"], scan.get_json()["source"]) == (3, "signed")
    assert _versions(rt) == before + 2
    [listed] = [d for d in _listed(client, desk.instance_id) if d["id"] == notice]
    assert (listed["number"], listed["version"], listed["signed"]["version"]) == ("1/TB-UBND", 2, 3)
    assert "1/TB-UBND" in _docx_text(client.get(f"/api/documents/{notice}", headers=basic("resolver")).data)
    assert "1/TB-UBND" in _docx_text(client.get(f"/api/documents/{notice}?version=1", headers=basic("resolver")).data)
    signed = client.get(f"/api/documents/{notice}?version=3", headers=basic("resolver"))
    assert signed.status_code == 200 and signed.data == b"%PDF-1.4\n%signed\n"


# -- attacks over the API --------------------------------------------------------------------------------

def test_roles_with_no_part_are_refused_and_the_auditor_only_reads(client: FlaskClient, rt: Runtime,
                                                                    clock: FrozenClock) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    before = _versions(rt)
    for role in ("analyst", "admin"):
        case = client.get(f"/api/instances/{desk.instance_id}", headers=basic(role))
        assert case.status_code == 403  # as for the case itself
        _refused(client.get(f"/api/instances/{desk.instance_id}/documents", headers=basic(role)), 403)
        _refused(client.get(f"/api/documents/{notice}", headers=basic(role)), 403)
        _refused(client.get(f"/api/documents/{notice}?format=pdf", headers=basic(role)), 403)
        _refused(client.post(f"/api/documents/{notice}/versions", json={"reason": "thử"}, headers=basic(role)), 403)
        _refused(_upload(client, notice, role, b"%PDF-1.4\n", "x.pdf"), 403)
    assert client.get(f"/api/documents/{notice}", headers=basic("auditor")).status_code == 200
    assert len(_listed(client, desk.instance_id, "auditor")) == 2
    _refused(client.post(f"/api/documents/{notice}/versions", json={"reason": "thử"}, headers=basic("auditor")), 403)
    _refused(_upload(client, notice, "auditor", b"%PDF-1.4\n", "x.pdf"), 403)
    assert _versions(rt) == before


def _upload(client: FlaskClient, document_id: int, user: str, content: bytes, name: str) -> TestResponse:
    return client.post(f"/api/documents/{document_id}/signed", headers=basic(user),
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_another_organisations_user_is_told_what_a_missing_document_is(client: FlaskClient, rt: Runtime,
                                                                        clock: FrozenClock) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    users.create_user(rt, "resolver_pleiku", "Cán bộ Pleiku", "demo", ["resolver"], organisation="pleiku")
    before = _versions(rt)
    missing = _refused(client.get("/api/documents/2147483000", headers=basic("resolver")), 404)
    other = basic("resolver_pleiku")
    assert _refused(client.get(f"/api/documents/{notice}", headers=other), 404) == missing
    assert _refused(client.get(f"/api/documents/{notice}?format=pdf", headers=other), 404) == missing
    assert _refused(client.post(f"/api/documents/{notice}/versions", json={"reason": "thử"}, headers=other),
                    404) == missing
    assert _refused(_upload(client, notice, "resolver_pleiku", b"%PDF-1.4\n", "x.pdf"), 404) == missing
    _refused(client.get(f"/api/instances/{desk.instance_id}/documents", headers=other), 404)
    assert _versions(rt) == before


@pytest.mark.parametrize("bad_id", ["0", "-1", str(2**31), str(2**63), "١٢", "01", "1.0", "1e3", "%00"])
def test_an_id_that_is_no_document_id_is_404(client: FlaskClient, rt: Runtime, bad_id: str) -> None:
    for method, path in (("GET", f"/api/documents/{bad_id}"), ("GET", f"/api/documents/{bad_id}?format=pdf"),
                         ("POST", f"/api/documents/{bad_id}/versions"), ("POST", f"/api/documents/{bad_id}/signed"),
                         ("GET", f"/api/instances/{bad_id}/documents")):
        response = client.open(path, method=method, json={"reason": "thử"} if path.endswith("versions") else None,
                               headers=basic("resolver"))
        assert response.status_code in (400, 404), (path, response.status_code)
        _refused(response, 400, 404)


def test_versions_and_formats_that_are_none_are_refused(client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    for version in ("0", "-1", "abc", "99999", "١", "1.5", str(2**63), ""):
        _refused(client.get(f"/api/documents/{notice}?version={version}", headers=basic("resolver")), 400, 404)
    _refused(client.get(f"/api/documents/{notice}?version=2", headers=basic("resolver")), 404)  # no such version yet
    for fmt in ("exe", "PDF ", "docx%00", "html"):
        _refused(client.get(f"/api/documents/{notice}?format={fmt}", headers=basic("resolver")), 400)


@pytest.mark.parametrize("reason", ["lý do\x00", "\u202eexe.pdf", "", "   ", "x" * 2001])
def test_a_reason_that_cannot_be_kept_is_refused(client: FlaskClient, rt: Runtime, clock: FrozenClock,
                                                 reason: str) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    before = _versions(rt)
    _refused(client.post(f"/api/documents/{notice}/versions", json={"reason": reason}, headers=basic("resolver")), 400)
    _refused(client.post(f"/api/documents/{notice}/versions", json={}, headers=basic("resolver")), 400)
    assert _versions(rt) == before


def test_a_signed_scan_too_big_or_not_a_scan_is_refused(client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    before = _versions(rt)
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    assert "MB" in _refused(_upload(client, notice, "resolver", big, "lon.pdf"), 400, 413)
    _refused(_upload(client, notice, "resolver", b"MZ\x90\x00\x03" + b"\x00" * 100, "scan.exe"), 400)
    _refused(_upload(client, notice, "resolver", b"MZ\x90\x00\x03" + b"\x00" * 100, "scan.pdf"), 400)  # not a PDF
    _refused(_upload(client, notice, "resolver", b"", "rong.pdf"), 400)
    for name, content in (("ban-ky.txt", b"da ky"), ("ban-ky.docx", b"PK\x03\x04xx"), ("ban-ky.xlsx", b"PK\x03\x04xx")):
        assert "PDF hoặc ảnh" in _refused(_upload(client, notice, "resolver", content, name), 400)  # a file, no scan
    no_file = client.post(f"/api/documents/{notice}/signed", headers=basic("resolver"), data={},
                          content_type="multipart/form-data")
    _refused(no_file, 400)
    assert _versions(rt) == before


def test_a_file_name_that_a_spreadsheet_would_run_is_harmless(client: FlaskClient, rt: Runtime,
                                                               clock: FrozenClock) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    name = "=SUM(1+1)*cmd|' /C calc'!A0\u202e\x01.pdf"
    made = _upload(client, notice, "resolver", b"%PDF-1.4\n%x\n", name)
    assert made.status_code == 201, made.get_json()
    stored = made.get_json()["filename"]
    assert "\u202e" not in stored and "\x01" not in stored
    served = client.get(f"/api/documents/{notice}?version={made.get_json()['version']}", headers=basic("resolver"))
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition and "\u202e" not in disposition


# -- the pages refuse what the API refuses ----------------------------------------------------------------

def _page_post(client: FlaskClient, path: str, data: dict[str, Any], case_page: str, **kwargs: Any) -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_token(client, case_page), **data}, **kwargs)


def test_the_pages_refuse_what_the_api_refuses(app: Flask, client: FlaskClient, rt: Runtime,
                                               clock: FrozenClock) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    case_page = f"/cases/{desk.instance_id}"
    users.create_user(rt, "resolver_pleiku", "Cán bộ Pleiku", "demo", ["resolver"], organisation="pleiku")
    before = _versions(rt)

    sign_in(client, "resolver")
    assert client.get(f"/documents/{notice}").mimetype == DOCX
    for bad_id in ("0", "-1", str(2**31), str(2**63), "١٢", "01"):
        _page_refused(client.get(f"/documents/{bad_id}"), 404)
    missing = _page_refused(client.get("/documents/2147483000"), 404)
    for version in ("0", "-1", "abc", "99999", str(2**63)):
        _page_refused(client.get(f"/documents/{notice}?version={version}"), 400, 404)
    _page_refused(client.get(f"/documents/{notice}?format=exe"), 400)
    for reason in ("lý do\x00", "\u202eexe.pdf", "", "   "):
        _page_refused(_page_post(client, f"/documents/{notice}/versions", {"reason": reason}, case_page), 400)
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    for content, name in ((big, "lon.pdf"), (b"MZ\x90\x00" + b"\x00" * 100, "scan.exe"),
                          (b"MZ\x90\x00" + b"\x00" * 100, "scan.pdf"), (b"da ky", "ban-ky.txt")):
        _page_refused(_page_post(client, f"/documents/{notice}/signed", {"file": (io.BytesIO(content), name)},
                                 case_page, content_type="multipart/form-data"), 400, 413)

    for role in ("analyst", "admin"):
        sign_in(client, role)
        _page_refused(client.get(f"/documents/{notice}"), 403)
        _page_refused(_page_post(client, f"/documents/{notice}/versions", {"reason": "thử"}, "/inbox"), 403)
    sign_in(client, "auditor")
    assert client.get(f"/documents/{notice}").status_code == 200
    _page_refused(_page_post(client, f"/documents/{notice}/versions", {"reason": "thử"}, case_page), 403)
    _page_refused(_page_post(client, f"/documents/{notice}/signed", {"file": (io.BytesIO(b"%PDF-1.4\n"), "x.pdf")},
                             case_page, content_type="multipart/form-data"), 403)

    sign_in(client, "resolver_pleiku")
    other = _page_refused(client.get(f"/documents/{notice}"), 404)
    assert NOT_FOUND in other and NOT_FOUND in missing  # the same words as for a document that does not exist
    _page_refused(_page_post(client, f"/documents/{notice}/versions", {"reason": "thử"}, "/inbox"), 404)
    assert _versions(rt) == before



@pytest.mark.parametrize("reason", ["lý do\x00", "\u202eexe.pdf", "lý do\x1b[31m"])
def test_a_reason_the_api_refuses_is_refused_by_the_page_and_nothing_is_kept(client: FlaskClient, rt: Runtime,
                                                                            clock: FrozenClock, reason: str) -> None:
    """The page's form does not pass the API's JSON parser: a NUL was kept on SQLite and a 500 on PostgreSQL."""
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    before = _versions(rt)
    sign_in(client, "resolver")
    page = _page_refused(_page_post(client, f"/documents/{notice}/versions", {"reason": reason},
                                    f"/cases/{desk.instance_id}"), 400)
    assert "ký tự điều khiển" in page
    assert _versions(rt) == before


def test_odd_accept_headers_bodies_and_no_credentials_are_answered_without_a_500(client: FlaskClient, rt: Runtime,
                                                                                 clock: FrozenClock) -> None:
    desk = _accepted(rt, clock)
    notice = _notice(client, desk.instance_id)
    before = _versions(rt)
    for accept in ("*/*", "application/pdf;q=0", "text/html", "application/pdf;q=abc", "á/é", f"{DOCX}, application/pdf"):
        served = client.get(f"/api/documents/{notice}", headers={**basic("resolver"), "Accept": accept})
        assert served.status_code == 200 and served.mimetype == DOCX, accept
    for body in ({"reason": ["x"]}, {"reason": 1}, {"reason": "x", "extra": 1}, {"reason": None}):
        _refused(client.post(f"/api/documents/{notice}/versions", json=body, headers=basic("resolver")), 400)
    _refused(client.post(f"/api/documents/{notice}/signed", json={"file": "x"}, headers=basic("resolver")), 400)
    _refused(client.get(f"/api/documents/{notice}"), 401)
    _refused(client.get(f"/api/documents/{notice}", headers=basic("resolver", "sai")), 401)
    assert _versions(rt) == before
