"""Turn a filled official document (.docx) into PDF with LibreOffice headless.

Only a word processor lays a .docx out as Word does (the Decree 30/2020 header table, Times New
Roman's metrics through Liberation Serif), so the PDF comes from LibreOffice rather than a Python
renderer. LibreOffice locks its user profile while it converts: two conversions on one profile fail,
so each process (each gunicorn worker) has its own profile and converts one document at a time. The
input filter is named because LibreOffice would otherwise print anything it cannot read as plain
text. ``soffice`` is a script that starts ``soffice.bin``: on timeout the whole process group is
killed, and the profile it may have left locked is thrown away.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from app.errors import PdfUnavailable

_LOCK = threading.Lock()


def to_pdf(docx: bytes, *, timeout: float = 60) -> bytes:
    soffice = os.environ.get("SOFFICE") or shutil.which("soffice")
    if not soffice or not os.access(soffice, os.X_OK):
        raise PdfUnavailable(PdfUnavailable.NOT_INSTALLED)
    profile = Path(tempfile.gettempdir()) / f"khieunai-soffice-{os.getpid()}"
    with _LOCK, tempfile.TemporaryDirectory(prefix="khieunai-pdf-") as work:
        source = Path(work) / "document.docx"
        source.write_bytes(docx)
        command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--infilter=MS Word 2007 XML", "--convert-to", "pdf", "--outdir", work, str(source)]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,  # noqa: S603
                                   stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            shutil.rmtree(profile, ignore_errors=True)
            raise PdfUnavailable(PdfUnavailable.TIMED_OUT, details={"timeout": timeout}) from None
        pdf = source.with_suffix(".pdf")
        if process.returncode != 0 or not pdf.is_file():
            raise PdfUnavailable(PdfUnavailable.UNREADABLE, details={
                "returncode": process.returncode, "error": stderr.decode(errors="replace")[-2000:]})
        return pdf.read_bytes()
