"""The official documents filled for Case A turned into PDF by LibreOffice headless, read back with pypdf."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from app.engine.pdf import to_pdf
from app.errors import PdfUnavailable
from tests.engine.test_documents import KINDS, filled


def words(text: str) -> str:
    """Text with its whitespace normalised: the PDF's text extraction breaks lines where the layout does."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def converted() -> dict[str, tuple[dict[str, Any], str, float]]:
    """Every kind filled for Case A, converted once: its context, its PDF's text and the seconds it took."""
    found = {}
    for kind in sorted(KINDS):
        context, docx = filled(kind)
        started = time.monotonic()
        pdf = to_pdf(docx)
        seconds = time.monotonic() - started
        assert pdf.startswith(b"%PDF-")
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        found[kind] = (context, words(text), seconds)
    return found


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_document_of_case_a_reads_in_its_pdf(converted: dict[str, tuple[dict[str, Any], str, float]],
                                                    kind: str) -> None:
    context, text, _ = converted[kind]
    assert "250/QĐ-UBND" in text
    assert words(context["complainant"]["full_name"]) in text
    assert words(context["date_line"]) in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "{{" not in text and "{%" not in text


def test_a_conversion_takes_seconds(converted: dict[str, tuple[dict[str, Any], str, float]]) -> None:
    assert max(seconds for _, _, seconds in converted.values()) < 30


def test_what_is_not_a_docx_is_refused_in_vietnamese() -> None:
    with pytest.raises(PdfUnavailable) as raised:
        to_pdf(b"not a word document")
    assert raised.value.message == "Không chuyển được văn bản sang PDF: LibreOffice không đọc được văn bản."
    assert raised.value.status == 503


def test_a_server_without_libreoffice_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOFFICE", str(tmp_path / "no-soffice"))
    with pytest.raises(PdfUnavailable) as raised:
        to_pdf(b"")
    assert raised.value.message == "Không chuyển được văn bản sang PDF: máy chủ chưa cài LibreOffice."


def test_a_conversion_past_its_timeout_is_killed_with_its_children(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    hanging = tmp_path / "soffice"
    hanging.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pid_file}\nwait\n")
    hanging.chmod(0o755)
    monkeypatch.setenv("SOFFICE", str(hanging))
    started = time.monotonic()
    with pytest.raises(PdfUnavailable) as raised:
        to_pdf(b"", timeout=0.5)
    assert raised.value.message == "Không chuyển được văn bản sang PDF: quá thời gian."
    assert time.monotonic() - started < 10
    assert not alive(int(pid_file.read_text()))


def alive(pid: int) -> bool:
    """Whether the process runs: a zombie waiting for init to reap it has been killed."""
    for _ in range(40):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True
