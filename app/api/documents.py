"""Official documents of a case: list, download (.docx or PDF), make again after a correction, add the signed scan."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from app.api.auth import current_principal, login_required, logs_read, runtime
from app.api.parsing import ApiBlueprint
from app.errors import InvalidInput
from app.services import documents
from app.services.documents import DocumentInfo
from app.services.uploads import Upload
from app.text import content_disposition

blp = ApiBlueprint("documents", __name__, url_prefix="/api", description="Văn bản do hồ sơ ban hành")
SIGNED_PATH = "/signed"  # the one API call that carries a file (the pages' size limit applies)


class DocumentFileSchema(Schema):
    version = fields.Integer()
    source = fields.String(metadata={"description": "generated: tệp .docx hệ thống tạo; signed: bản chụp đã ký"})
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    template_sha256 = fields.String(allow_none=True)
    deployment_version = fields.Integer(allow_none=True)
    reason = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()


class DocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "Loại văn bản theo documents.json của quy trình"})
    title = fields.String()
    number = fields.String(metadata={"description": "Số và ký hiệu, ví dụ 12/QĐ-UBND"})
    issued_on = fields.Date()
    version = fields.Integer(metadata={"description": "Phiên bản .docx mới nhất"})
    sha256 = fields.String(metadata={"description": "SHA-256 của phiên bản .docx mới nhất (ghi trong nhật ký kiểm toán)"})
    template_version = fields.Integer(allow_none=True, metadata={"description": "Phiên bản quy trình có mẫu đã dùng"})
    formats = fields.List(fields.String(), metadata={"description": "docx, pdf"})
    issued_by = fields.String()
    issued_at = fields.DateTime()
    signed = fields.Nested(DocumentFileSchema, allow_none=True)
    versions = fields.List(fields.Nested(DocumentFileSchema))


class DocumentQuery(Schema):
    format = fields.String(load_default=None, validate=validate.OneOf(["docx", "pdf"]),
                           metadata={"description": "pdf: bản PDF (LibreOffice); mặc định .docx hoặc theo Accept"})
    version = fields.Integer(load_default=None, validate=validate.Range(1, 10_000))

    @pre_load
    def _ascii_version(self, data: Any, **_: Any) -> Any:
        """``int()`` reads «١» (Arabic-Indic one) as 1: a version is written in ASCII digits, as an id is."""
        version = data.get("version")
        if isinstance(version, str) and not version.isascii():
            raise ValidationError("Phải là số nguyên, viết bằng chữ số.", "version")
        return data


class RegenerateBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000),
                           metadata={"description": "Lý do tạo lại (ví dụ: sửa sai sót sau khi đính chính)"})


def document_dict(info: DocumentInfo) -> dict[str, Any]:
    d = info.document
    return {"id": d.id, "kind": d.kind, "title": d.title, "number": d.number_text, "issued_on": d.issued_on,
            "version": info.latest.version, "sha256": info.latest.sha256, "template_version": info.template_version,
            "formats": ["docx", "pdf"], "issued_by": d.issued_by, "issued_at": d.issued_at,
            "signed": info.signed, "versions": info.versions}


@blp.route("/instances/<id:instance_id>/documents")
@blp.response(200, DocumentSchema(many=True))
@login_required
@logs_read("documents", "instance_id")
def list_documents(instance_id: int) -> Any:
    """Các văn bản hồ sơ đã ban hành (số, ngày, phiên bản, SHA-256), theo thứ tự ban hành."""
    return [document_dict(info) for info in documents.case_documents(runtime(), current_principal(), instance_id)]


@blp.route("/documents/<id:document_id>")
@blp.arguments(DocumentQuery, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type=documents.DOCX,
              description="Tệp .docx (hoặc PDF khi ?format=pdf hay Accept: application/pdf)")
@blp.alt_response(503, description="Máy chủ không chuyển được sang PDF (chưa cài LibreOffice)")
@login_required
@logs_read("document", "document_id")
def download(args: dict[str, Any], document_id: int) -> Any:
    """Tải văn bản: phiên bản mới nhất, hoặc ?version=; chỉ cấp khi nội dung khớp SHA-256 trong nhật ký."""
    wants_pdf = args["format"] == "pdf" or (
        args["format"] is None and request.accept_mimetypes.best_match([documents.DOCX, documents.PDF]) == documents.PDF
        and request.accept_mimetypes[documents.PDF] > request.accept_mimetypes[documents.DOCX])
    found = documents.document_file(runtime(), current_principal(), document_id, version=args["version"],
                                    pdf=wants_pdf)
    response = Response(found.content, mimetype=found.content_type)
    response.headers["Content-Disposition"] = content_disposition(found.filename)
    # the SHA-256 the trail recorded: of the served bytes, or for a PDF made now, of the .docx it was made from
    response.headers["X-Source-SHA256" if found.converted else "X-Content-SHA256"] = found.sha256
    return response


@blp.route("/documents/<id:document_id>/versions", methods=["POST"])
@blp.arguments(RegenerateBody)
@blp.response(201, DocumentFileSchema)
@login_required
def regenerate(body: dict[str, Any], document_id: int) -> Any:
    """Tạo lại văn bản từ dữ liệu hiện tại của hồ sơ (phiên bản mới, giữ số và ngày; không ghi đè)."""
    return documents.regenerate(runtime(), current_principal(), document_id, body["reason"])


@blp.route(f"/documents/<id:document_id>{SIGNED_PATH}", methods=["POST"])
@blp.response(201, DocumentFileSchema)
@login_required
def add_signed(document_id: int) -> Any:
    """Đính kèm bản chụp văn bản đã ký, đóng dấu (multipart/form-data, trường «file»: PDF hoặc ảnh)."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise InvalidInput("Cần gửi tệp trong trường «file» (multipart/form-data).")
    return documents.attach_signed(runtime(), current_principal(), document_id,
                                   Upload(sent.filename, sent.read()))
