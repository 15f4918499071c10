"""marshmallow schemas of the HTTP edge; the case data itself is validated by the forms."""

from __future__ import annotations

import json
import re
from typing import Any

from marshmallow import Schema, fields, validate

from app.routing import MAX_ID


class Number(fields.Integer):
    """An integer written in ASCII digits (``int`` also reads ``٣`` and ``1_000``), within the id range."""

    def __init__(self, *, maximum: int = MAX_ID, minimum: int = 1, **kwargs: Any) -> None:
        super().__init__(strict=False, validate=validate.Range(min=minimum, max=maximum), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, str) and not _DIGITS.fullmatch(value)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_DIGITS = re.compile(r"-?[0-9]{1,10}")
KEY = validate.Regexp(r"[a-z][a-z0-9_]{0,99}", error="Mã không hợp lệ.")


class ErrorSchema(Schema):
    """Every error the API answers: a stable code, a Vietnamese message, and the fields it concerns."""

    error = fields.String(required=True, metadata={"description": "Mã lỗi ổn định (ví dụ validation_failed)"})
    message = fields.String(required=True, metadata={"description": "Thông báo bằng tiếng Việt"})
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields",
                          metadata={"description": "Đường dẫn trường → lỗi của trường đó"})
    details = fields.Dict(metadata={"description": "Chi tiết thêm (ví dụ phần tử sơ đồ gây lỗi)"})
    request_id = fields.String(metadata={"description": "Mã yêu cầu (cũng ở tiêu đề X-Request-ID): "
                                                        "báo mã này cho bộ phận hỗ trợ để tìm đúng dòng nhật ký"})


class PageArgs(Schema):
    page = Number(load_default=1, maximum=100_000)
    per_page = Number(load_default=50, maximum=200)


class InstanceFilter(PageArgs):
    process_id = fields.String(load_default=None, validate=KEY)
    status = fields.String(load_default=None, validate=validate.OneOf(["running", "completed"]))
    q = fields.String(load_default=None, validate=validate.Length(max=200))


class TaskFilter(PageArgs):
    scope = fields.String(load_default=None, validate=validate.OneOf(["roles", "mine", "unassigned", "available"]),
                          metadata={"description": "roles: mọi việc của các vai trò của người gọi (mặc định); mine: "
                                                   "việc người gọi đang giữ; unassigned: việc chưa ai nhận; available: "
                                                   "việc chưa ai nhận hoặc người gọi đang giữ"})
    mine = fields.Boolean(load_default=False, metadata={"description": "Cũ, giữ cho tương thích: true = scope=available"})
    role = fields.String(load_default=None, validate=KEY, metadata={"description": "Chỉ việc của một vai trò của người gọi"})
    instance_id = Number(load_default=None, metadata={"description": "Chỉ việc của một hồ sơ"})
    bpmn_id = fields.String(load_default=None, validate=KEY, metadata={"description": "Chỉ việc của một bước (mã bước)"})
    q = fields.String(load_default=None, validate=validate.Length(max=100),
                      metadata={"description": "Tìm theo số hồ sơ, tên người khiếu nại, nội dung"})
    status = fields.String(load_default=None, validate=validate.OneOf(["overdue", "due_soon", "on_time"]),
                           metadata={"description": "overdue: quá hạn; due_soon: đến hạn trong 3 ngày; on_time: còn hạn"})


class StartBody(Schema):
    data = fields.Dict(required=True, metadata={"description": "Dữ liệu biểu mẫu bắt đầu (register_petition)"})
    confirm_duplicate = fields.Boolean(load_default=False, metadata={
        "description": "Vẫn tiếp nhận dù đã có hồ sơ cùng người khiếu nại và cùng quyết định lần đầu (409 "
                       "duplicate_petition nếu không xác nhận); lựa chọn được ghi vào nhật ký của hồ sơ mới"})


class CompleteBody(Schema):
    data = fields.Dict(required=True, metadata={"description": "Dữ liệu biểu mẫu của bước"})
    version = Number(load_default=None, allow_none=True,
                     metadata={"description": "Phiên bản hồ sơ đã đọc (khóa lạc quan)"})


class MessageBody(Schema):
    payload = fields.Dict(load_default=dict)


class DeployBody(Schema):
    files = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                        metadata={"description": "Đường dẫn tệp (processes/<id>/..., forms/<id>/...) → nội dung"})


class ProblemSchema(Schema):
    file = fields.String(metadata={"description": "Tệp có lỗi (đường dẫn trong quy trình)"})
    element = fields.String(allow_none=True, metadata={"description": "Mã phần tử của sơ đồ (id)"})
    line = fields.Integer(allow_none=True, metadata={"description": "Dòng trong tệp XML"})
    rule = fields.String(metadata={"description": "Mã quy tắc (tiếng Anh, ổn định)"})
    message = fields.String(metadata={"description": "Lỗi, bằng tiếng Việt"})


class LintResultSchema(Schema):
    problems = fields.List(fields.Nested(ProblemSchema))


class DeploymentSchema(Schema):
    process_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    content_hash = fields.String()
    deployed_at = fields.DateTime()
    deployed_by = fields.String()


class DeployResultSchema(Schema):
    process_id = fields.String()
    version = fields.Integer()
    deployment_id = fields.Integer()
    created = fields.Boolean()


class TaskSchema(Schema):
    id = fields.String()
    instance_id = fields.Integer()
    case_number = fields.String(attribute="instance.case_number")
    title = fields.String(attribute="instance.title")
    bpmn_id = fields.String()
    name = fields.String()
    role = fields.String()
    organisation = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    form = fields.String()
    created_at = fields.DateTime()
    due_on = fields.Date(allow_none=True)
    days_left = fields.Integer(allow_none=True, metadata={"description": "Số ngày còn lại; âm = số ngày quá hạn"})
    overdue = fields.Boolean()


class OfficerSchema(Schema):
    username = fields.String(metadata={"description": "Tên đăng nhập (giá trị gửi khi giao việc)"})
    full_name = fields.String()
    organisation = fields.String(allow_none=True, metadata={"description": "Cơ quan; null: toàn tỉnh"})


class AssignBody(Schema):
    assignee = fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "Tên đăng nhập của cán bộ được giao (một trong …/officers)"})


class DraftBody(Schema):
    data = fields.Dict(required=True, metadata={"description": "Dữ liệu đang nhập dở, giữ nguyên như gửi (không kiểm "
                                                               "tra theo biểu mẫu; tối đa 1 MB)"})


class DraftSchema(Schema):
    task_id = fields.String()
    saved_at = fields.DateTime()
    size = fields.Integer(metadata={"description": "Số byte đã lưu"})
    data = fields.Dict(allow_none=True, metadata={"description": "Bản nháp lưu qua API"})
    fields_ = fields.List(fields.List(fields.String()), data_key="fields", attribute="fields", allow_none=True,
                          metadata={"description": "Bản nháp lưu từ trang web: các cặp [tên trường, giá trị] đã gửi"})


class InstanceSummarySchema(Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    deployment_version = fields.Integer(attribute="deployment.version")
    case_number = fields.String()
    title = fields.String()
    status = fields.String()
    outcome = fields.String(allow_none=True)
    started_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class CaseChangeSchema(InstanceSummarySchema):
    tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "Các bước đang chờ sau thay đổi"})


class StepSchema(Schema):
    task_id = fields.String(allow_none=True)
    bpmn_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    actor = fields.String()
    at = fields.DateTime()


class DeadlineRuleSchema(Schema):
    days = fields.Integer()
    unit = fields.String(metadata={"description": "calendar (ngày) | working (ngày làm việc)"})
    basis = fields.String(metadata={"description": "Căn cứ pháp lý"})
    regime = fields.String()


class InstanceDetailSchema(CaseChangeSchema):
    process_name = fields.String()
    data = fields.Dict()
    regime = fields.String(metadata={"description": "Chế độ pháp lý áp dụng: 2021 | 2026-07"})
    deadline_basis = fields.Dict(keys=fields.String(), values=fields.Nested(DeadlineRuleSchema))
    escalations = fields.List(fields.Nested(lambda: EscalationSchema()))
    completed_steps = fields.List(fields.Nested(StepSchema))
    deadlines = fields.Dict(keys=fields.String(), values=fields.String())
    waiting_messages = fields.List(fields.String())


class TaskDetailSchema(TaskSchema):
    form_schema = fields.Dict()
    ui_schema = fields.Dict(allow_none=True)
    data = fields.Dict()
    instructions = fields.String(allow_none=True)
    officer_fields = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(OfficerSchema)), metadata={
        "description": "Trường của biểu mẫu ghi tên cán bộ (ví dụ verifier.officer) → các cán bộ có thể chọn; ghi tên "
                       "đăng nhập của một người trong số đó thì các bước sau của vai trò ấy giao cho người đó"})


class JsonText(fields.Field[Any]):
    """Audit data is stored as the exact canonical JSON text that was hashed."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return json.loads(value) if value else None


class AuditEventSchema(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    task_id = fields.String(allow_none=True)
    bpmn_id = fields.String(allow_none=True)
    data = JsonText()
    prev_hash = fields.String()
    hash = fields.String()
    key_id = fields.String(metadata={"description": "Khóa kiểm toán đã ký sự kiện (rỗng: trước khi có khóa)"})


class BreakSchema(Schema):
    seq = fields.Integer(allow_none=True, metadata={"description": "Sự kiện bị ảnh hưởng (null: cả chuỗi)"})
    kind = fields.String(metadata={"description": "sequence | link | altered | unkeyed | unknown_key | no_anchor | "
                                                  "anchor_forged | truncated | extra | head | rewound | "
                                                  "checkpoint_forged"})
    message = fields.String()


class ChainCheckSchema(Schema):
    ok = fields.Boolean()
    events = fields.Integer()
    broken_at = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    breaks = fields.List(fields.Nested(BreakSchema))


class HistorySchema(Schema):
    instance_id = fields.Integer()
    events = fields.List(fields.Nested(AuditEventSchema))
    chain = fields.Nested(ChainCheckSchema)


def page_of(page: Any, items: list[Any]) -> dict[str, Any]:
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item)), "total": fields.Integer(),
        "page": fields.Integer(), "per_page": fields.Integer(),
    }, name=name)


class EscalationFilter(PageArgs):
    open = fields.Boolean(load_default=True, metadata={"description": "Chỉ cảnh báo chưa xác nhận (khi không có status)"})
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "acknowledged", "all"]),
                           metadata={"description": "open: chưa xác nhận; acknowledged: đã xác nhận; all: cả hai"})
    instance_id = Number(load_default=None)
    step = fields.String(load_default=None, validate=validate.Regexp(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}"),
                         metadata={"description": "Mã bước (bpmn id) có thời hạn đã qua, ví dụ review_acceptance"})
    min_overdue_days = Number(load_default=None, minimum=0, maximum=3_650,
                              metadata={"description": "Chỉ cảnh báo quá hạn từ số ngày này trở lên"})
    organisation = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                                 metadata={"description": "Cơ quan của hồ sơ (bỏ qua với người dùng thuộc một cơ quan)"})


class AcknowledgeBody(Schema):
    note = fields.String(load_default=None, allow_none=True,
                         metadata={"description": "Ghi chú của người xác nhận (tùy chọn, tối đa 2.000 ký tự)",
                                   "maxLength": 2000})


class NoteBody(Schema):
    text = fields.String(required=True, metadata={"description": "Nội dung ghi chú nội bộ (tối đa 5.000 ký tự; "
                                                                 "không ký tự điều khiển)", "maxLength": 5000})


class NoteSchema(Schema):
    id = fields.Integer()
    author = fields.String(metadata={"description": "Tên đăng nhập của người viết"})
    author_name = fields.String(metadata={"description": "Họ tên người viết"})
    written_at = fields.DateTime()
    text = fields.String()
    intact = fields.Boolean(metadata={"description": "Nội dung đúng với dấu vân tay SHA-256 đã ghi trong nhật ký hồ sơ"})


class NoteListSchema(Schema):
    instance_id = fields.Integer()
    notes = fields.List(fields.Nested(NoteSchema))


class EscalationSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    case_number = fields.String(attribute="instance.case_number")
    title = fields.String(attribute="instance.title")
    code = fields.String()
    name = fields.String()
    subject = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    roles = fields.Function(lambda e: e.roles.split())
    raised_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "Ghi chú của người xác nhận"})


class EscalationLineSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    case_number = fields.String(allow_none=True)
    title = fields.String()
    code = fields.String()
    name = fields.String(metadata={"description": "Tên cảnh báo trong sơ đồ (tiếng Việt)"})
    step = fields.String(allow_none=True, metadata={"description": "Bước có thời hạn đã qua (bpmn id)"})
    step_name = fields.String(allow_none=True, metadata={"description": "Tên bước (tiếng Việt)"})
    subject = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    overdue_days = fields.Integer(allow_none=True, metadata={"description": "Số ngày từ thời hạn đến hôm nay"})
    organisation = fields.String(allow_none=True)
    raised_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class IncidentSchema(Schema):
    id = fields.Integer(metadata={"description": "Mã việc hẹn giờ (kind=timer) hoặc mã bước bị từ chối (kind=step)"})
    kind = fields.String(metadata={"description": "timer | step"})
    instance_id = fields.Integer()
    case_number = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "incident (thử lại được) | refused (hồ sơ không thay đổi)"})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    actor = fields.String(allow_none=True)
    bpmn_id = fields.String(allow_none=True)
