"""Cases: list, read, history, messages, internal notes."""

from __future__ import annotations

from typing import Any

from flask import Response

from app.api.auth import current_principal, login_required, logs_read, runtime
from app.api.parsing import ApiBlueprint
from app.api.schemas import (
    CaseChangeSchema,
    HistorySchema,
    InstanceDetailSchema,
    InstanceFilter,
    InstanceSummarySchema,
    MessageBody,
    NoteBody,
    NoteListSchema,
    NoteSchema,
    page_of,
    page_schema,
)
from app.api.tasks import change_dict
from app.services import case_export, cases, notes
from app.text import content_disposition

blp = ApiBlueprint("instances", __name__, url_prefix="/api/instances", description="Hồ sơ (phiên bản quy trình đang chạy)")
InstancePage = page_schema(InstanceSummarySchema, "InstancePage")


@blp.route("")
@blp.arguments(InstanceFilter, location="query")
@blp.response(200, InstancePage)
@login_required
def list_instances(args: dict[str, Any]) -> Any:
    """Danh sách hồ sơ, lọc theo quy trình, trạng thái, từ khóa (số hồ sơ, tên người khiếu nại)."""
    page = cases.list_cases(runtime(), current_principal(), **args)
    return page_of(page, list(page.items))


@blp.route("/<id:instance_id>")
@blp.response(200, InstanceDetailSchema)
@login_required
@logs_read("case", "instance_id")
def get_instance(instance_id: int) -> Any:
    """Trạng thái, dữ liệu, bước đang chờ, các bước đã xong và thời hạn của một hồ sơ."""
    rt = runtime()
    view = cases.get_case(rt, current_principal(), instance_id)
    body = change_dict(rt, view.instance, view.tasks)
    body.update(process_name=view.process_name, data=view.data, completed_steps=view.steps,
                deadlines=view.deadlines, regime=view.regime, deadline_basis=view.deadline_basis,
                escalations=view.escalations, waiting_messages=view.waiting_messages)
    return body


@blp.route("/<id:instance_id>/history")
@blp.response(200, HistorySchema)
@login_required
@logs_read("history", "instance_id")
def get_history(instance_id: int) -> Any:
    """Nhật ký kiểm toán từ cũ đến mới, kèm kết quả kiểm tra chuỗi băm."""
    events, check = cases.get_history(runtime(), current_principal(), instance_id)
    return {"instance_id": instance_id, "events": events, "chain": check}


@blp.route("/<id:instance_id>/export")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/zip",
              description="Hồ sơ dạng .zip có bản kê ký số Ed25519 (kiểm tra bằng flask audit verify-export)")
@login_required
def export_instance(instance_id: int) -> Any:
    """Xuất hồ sơ tự chứng minh: dữ liệu, nhật ký với chuỗi băm, văn bản, tài liệu, phiên bản quy trình."""
    found = case_export.export_case(runtime(), current_principal(), instance_id)
    response = Response(found.content, mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(found.filename)
    return response


@blp.route("/<id:instance_id>/messages/<key:name>", methods=["POST"])
@blp.arguments(MessageBody)
@blp.response(200, CaseChangeSchema)
@login_required
def send_message(body: dict[str, Any], instance_id: int, name: str) -> Any:
    """Gửi thông điệp BPMN tới hồ sơ (ví dụ: withdrawal — người khiếu nại rút đơn)."""
    rt = runtime()
    change = cases.deliver_message(rt, current_principal(), instance_id, name, body["payload"])
    return change_dict(rt, change.instance, change.tasks)


@blp.route("/<id:instance_id>/notes")
@blp.response(200, NoteListSchema)
@login_required
def list_notes(instance_id: int) -> Any:
    """Ghi chú nội bộ của hồ sơ (cũ trước), cho người được xem hồ sơ; không thuộc quyết định giải quyết."""
    return {"instance_id": instance_id, "notes": notes.list_notes(runtime(), current_principal(), instance_id)}


@blp.route("/<id:instance_id>/notes", methods=["POST"])
@blp.arguments(NoteBody)
@blp.response(201, NoteSchema)
@login_required
def add_note(body: dict[str, Any], instance_id: int) -> Any:
    """Thêm ghi chú nội bộ (người viết, thời điểm và dấu vân tay SHA-256 được ghi vào nhật ký hồ sơ)."""
    return notes.add_note(runtime(), current_principal(), instance_id, body["text"])
