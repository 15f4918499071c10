"""The official documents on the case and plan pages: download (.docx, PDF, signed scan), make again, add the scan."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, request

from app.errors import InvalidInput
from app.services import documents
from app.services.uploads import Upload
from app.text import content_disposition
from app.web.auth import login_required, logs_read, principal, runtime
from app.web.blueprint import bp
from app.web.params import ascii_int
from app.web.views import case_home


@bp.route("/documents/<id:document_id>")
@login_required
@logs_read("document", "document_id")
def document_file(document_id: int) -> Any:
    # what the API refuses (app.api.documents.DocumentQuery) is refused here too, never read as «the latest»
    wanted, shape = request.args.get("version"), request.args.get("format")
    version = ascii_int(wanted, maximum=10_000) if wanted is not None else None
    if wanted is not None and not version:
        raise InvalidInput("Phiên bản văn bản phải là số nguyên từ 1 đến 10000, viết bằng chữ số.")
    if shape not in (None, "docx", "pdf"):
        raise InvalidInput("Chỉ tải được văn bản dạng Word (docx) hoặc PDF.")
    found = documents.document_file(runtime(), principal(), document_id, version=version, pdf=shape == "pdf")
    response = Response(found.content, mimetype=found.content_type)
    response.headers["Content-Disposition"] = content_disposition(found.filename)
    return response


@bp.route("/documents/<id:document_id>/versions", methods=["POST"])
@login_required
def document_regenerate(document_id: int) -> Any:
    made = documents.regenerate(runtime(), principal(), document_id, request.form.get("reason", ""))
    flash(f"Đã tạo lại văn bản (phiên bản {made.version}).", "ok")
    return _back(document_id)


@bp.route("/documents/<id:document_id>/signed", methods=["POST"])
@login_required
def document_signed(document_id: int) -> Any:
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise InvalidInput("Chưa chọn tệp bản đã ký.")
    documents.attach_signed(runtime(), principal(), document_id, Upload(sent.filename, sent.read()))
    flash("Đã đính kèm bản đã ký của văn bản.", "ok")
    return _back(document_id)


def _back(document_id: int) -> Any:
    process_id, instance_id = documents.case_of(runtime(), principal(), document_id)
    return redirect(case_home(process_id, instance_id) + f"#document-{document_id}")
