"""marshmallow schemas of a process's versions and of the diff between two (``app.services.versions``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.api.schemas import Number


class DiffArgs(Schema):
    from_ = Number(data_key="from", required=True, metadata={"description": "Phiên bản gốc"})
    to = Number(required=True, metadata={"description": "Phiên bản so sánh"})


class VersionSchema(Schema):
    version = fields.Integer()
    deployment_id = fields.Integer()
    name = fields.String()
    deployed_by = fields.String()
    deployed_at = fields.DateTime()
    content_hash = fields.String()
    cases = fields.Integer(metadata={"description": "Số hồ sơ đã tạo trên phiên bản này"})
    running = fields.Integer(metadata={"description": "Số hồ sơ đang giải quyết"})
    finished = fields.Integer(metadata={"description": "Số hồ sơ đã kết thúc"})


class VersionFilesSchema(Schema):
    process_id = fields.String()
    version = fields.Integer()
    files = fields.Dict(keys=fields.String(), values=fields.String(),
                        metadata={"description": "Đường dẫn → nội dung; mẫu văn bản .docx mã hóa base64"})


class ChangeSchema(Schema):
    field = fields.String()
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class ElementSchema(Schema):
    id = fields.String()
    type = fields.String()
    name = fields.String(allow_none=True)
    changes = fields.List(fields.Nested(ChangeSchema))


class ElementDiffSchema(Schema):
    added = fields.List(fields.Nested(ElementSchema))
    removed = fields.List(fields.Nested(ElementSchema))
    changed = fields.List(fields.Nested(ElementSchema))


class FieldChangeSchema(Schema):
    path = fields.String()
    changes = fields.List(fields.Nested(ChangeSchema))


class FormChangeSchema(Schema):
    path = fields.String()
    fields_added = fields.List(fields.String())
    fields_removed = fields.List(fields.String())
    fields_changed = fields.List(fields.Nested(FieldChangeSchema))


class FormDiffSchema(Schema):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.Nested(FormChangeSchema))


class FileDiffSchema(Schema):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.String())


class KindChangeSchema(Schema):
    kind = fields.String()
    keys = fields.List(fields.String())


class DeclarationDiffSchema(Schema):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.Nested(KindChangeSchema))
    settings_changed = fields.List(fields.String())


class DiffSchema(Schema):
    process_id = fields.String()
    from_version = fields.Integer(data_key="from")
    to_version = fields.Integer(data_key="to")
    elements = fields.Nested(ElementDiffSchema, attribute="diff.elements")
    forms = fields.Nested(FormDiffSchema, attribute="diff.forms")
    templates = fields.Nested(FileDiffSchema, attribute="diff.templates",
                              metadata={"description": "Mẫu .docx, so theo SHA-256 của tệp đã giải mã"})
    document_kinds = fields.Nested(DeclarationDiffSchema, attribute="diff.document_kinds")
    other_files = fields.Nested(FileDiffSchema, attribute="diff.other_files")
    files = fields.Nested(FileDiffSchema, attribute="diff.files")
