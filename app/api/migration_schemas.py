"""marshmallow schemas of moving running cases to another version (``app.services.migration``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.api.schemas import Number
from app.services.migration import MAX_CASES

MAX_VERSION = 1_000_000


class MigrationBody(Schema):
    """Types only (a wrong one is 400); which selector, how many cases and the versions are the service's (422)."""

    to_version = Number(required=True, maximum=MAX_VERSION, metadata={"description": "Phiên bản đích"})
    instance_ids = fields.List(Number(), metadata={
        "description": f"Các hồ sơ cần chuyển (tối đa {MAX_CASES}); không gửi cùng from_version"})
    from_version = Number(maximum=MAX_VERSION, metadata={
        "description": f"Chuyển mọi hồ sơ đang chạy trên phiên bản này (tối đa {MAX_CASES} một lần); "
                       "không gửi cùng instance_ids"})

class CaseMoveSchema(Schema):
    instance_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True, required=True, metadata={"description": "Số hồ sơ (null: không tìm thấy)"})
    from_version = fields.Integer(allow_none=True, required=True, metadata={"description": "Phiên bản hồ sơ đang chạy"})
    movable = fields.Boolean(required=True, metadata={"description": "Chuyển được (xem trước) / đã chuyển"})
    reasons = fields.List(fields.String(), required=True, metadata={
        "description": "Vì sao không chuyển được, từng câu tiếng Việt nêu bước (tên và mã) và thay đổi"})


class MigrationPreviewSchema(Schema):
    process_id = fields.String(required=True)
    to_version = fields.Integer(required=True)
    cases = fields.List(fields.Nested(CaseMoveSchema), required=True)
    more = fields.Boolean(required=True, metadata={
        "description": f"Còn hồ sơ đang chạy trên from_version ngoài {MAX_CASES} hồ sơ đã liệt kê"})


class MigrationResultSchema(Schema):
    process_id = fields.String(required=True)
    to_version = fields.Integer(required=True)
    moved = fields.List(fields.Nested(CaseMoveSchema), required=True)
    refused = fields.List(fields.Nested(CaseMoveSchema), required=True, metadata={
        "description": "Hồ sơ không chuyển, giữ nguyên như trước"})
