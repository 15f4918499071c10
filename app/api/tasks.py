"""The inbox, one task with its form, completing it, who works on it (claim, assign, release), and drafts."""

from __future__ import annotations

from typing import Any

from app.api.auth import current_principal, login_required, logs_read, runtime
from app.api.parsing import ApiBlueprint
from app.api.schemas import (
    AssignBody,
    CaseChangeSchema,
    CompleteBody,
    DraftBody,
    DraftSchema,
    OfficerSchema,
    TaskDetailSchema,
    TaskFilter,
    TaskSchema,
    page_of,
    page_schema,
)
from app.errors import NotFound
from app.persistence.models import Instance, TaskRow
from app.services import drafts, tasks
from app.services.runtime import Runtime

blp = ApiBlueprint("tasks", __name__, url_prefix="/api/tasks", description="Công việc của cán bộ")
TaskPage = page_schema(TaskSchema, "TaskPage")


_TASK_FIELDS = ("id", "instance_id", "instance", "bpmn_id", "name", "role", "organisation", "assignee", "form",
                "created_at", "due_on")


def change_dict(rt: Runtime, instance: Instance, tasks: list[TaskRow]) -> dict[str, Any]:
    """An instance with the tasks now waiting on it, for CaseChangeSchema and its subclasses."""
    body: dict[str, Any] = {name: getattr(instance, name) for name in _INSTANCE_FIELDS}
    body["tasks"] = [task_dict(rt, row) for row in tasks]
    return body


_INSTANCE_FIELDS = ("id", "process_id", "version", "deployment", "case_number", "title", "status", "outcome",
                    "started_by", "created_at", "updated_at", "completed_at")


def task_dict(rt: Runtime, row: TaskRow) -> dict[str, Any]:
    """The task's own values plus days left (negative when overdue), for TaskSchema to dump."""
    body = {name: getattr(row, name) for name in _TASK_FIELDS}
    body["days_left"] = (row.due_on - rt.today()).days if row.due_on else None
    body["overdue"] = body["days_left"] is not None and body["days_left"] < 0
    return body


@blp.route("")
@blp.arguments(TaskFilter, location="query")
@blp.response(200, TaskPage)
@login_required
def inbox(args: dict[str, Any]) -> Any:
    """Việc đang chờ mà người gọi được làm, hạn sớm nhất trước (days_left âm = quá hạn).

    Cùng một truy vấn với trang «Việc cần làm»: lọc theo phạm vi (``scope``), vai trò, hồ sơ (``instance_id``),
    bước (``bpmn_id``), từ khóa và tình trạng hạn — «việc của tôi trên hồ sơ này» là một truy vấn.
    """
    rt = runtime()
    scope = args["scope"] or ("available" if args["mine"] else "roles")
    page = tasks.inbox(rt, current_principal(), scope=scope, role=args["role"], instance_id=args["instance_id"],
                       step=args["bpmn_id"], q=args["q"], status=args["status"],
                       page=args["page"], per_page=args["per_page"])
    return page_of(page, [_inbox_dict(rt, item) for item in page.items])


def _inbox_dict(rt: Runtime, item: Any) -> dict[str, Any]:
    """An inbox line (plain columns, no rows loaded behind it) in the shape of TaskSchema."""
    days_left = (item.due_on - rt.today()).days if item.due_on else None
    return {"id": item.task_id, "instance_id": item.instance_id, "bpmn_id": item.bpmn_id, "name": item.name,
            "role": item.role, "organisation": item.organisation, "assignee": item.assignee, "form": item.form,
            "created_at": item.created_at, "due_on": item.due_on, "days_left": days_left,
            "overdue": days_left is not None and days_left < 0,
            "instance": {"case_number": item.case_number, "title": item.title}}


@blp.route("/<task:task_id>")
@blp.response(200, TaskDetailSchema)
@login_required
@logs_read("task", "task_id")
def get_task(task_id: str) -> Any:
    """Một bước: biểu mẫu (JSON Schema), giao diện biểu mẫu và dữ liệu hồ sơ hiện tại."""
    rt = runtime()
    view = tasks.get_task(rt, current_principal(), task_id)
    body = task_dict(rt, view.task)
    body.update(form_schema=view.schema, ui_schema=view.ui_schema, data=view.data, instructions=view.instructions,
                officer_fields=view.officer_choices or {})
    return body


@blp.route("/<task:task_id>/complete", methods=["POST"])
@blp.arguments(CompleteBody)
@blp.response(200, CaseChangeSchema)
@login_required
def complete(body: dict[str, Any], task_id: str) -> Any:
    """Hoàn thành bước với dữ liệu biểu mẫu; trả về hồ sơ và các bước chờ tiếp theo.

    422 kèm lỗi từng trường; 403 nếu không đúng vai trò; 409 nếu bước đã xong hoặc phiên bản cũ.
    """
    rt = runtime()
    change = tasks.complete_task(rt, current_principal(), task_id, body["data"], body["version"])
    return change_dict(rt, change.instance, change.tasks)


@blp.route("/<task:task_id>/claim", methods=["POST"])
@blp.response(200, TaskSchema)
@login_required
def claim(task_id: str) -> Any:
    """Nhận việc: bước được giao cho người gọi, đồng nghiệp cùng vai trò thấy ai đang xử lý."""
    rt = runtime()
    return task_dict(rt, tasks.claim_task(rt, current_principal(), task_id))


@blp.route("/<task:task_id>/release", methods=["POST"])
@blp.response(200, TaskSchema)
@login_required
def release(task_id: str) -> Any:
    """Trả việc về cho vai trò: người đang giữ việc, người giao việc (thu hồi) hoặc quản trị.

    Các bước sau cùng vai trò của hồ sơ không còn tự động giao cho người vừa trả việc.
    """
    rt = runtime()
    return task_dict(rt, tasks.release_task(rt, current_principal(), task_id))


@blp.route("/<task:task_id>/officers")
@blp.response(200, OfficerSchema(many=True))
@login_required
def officers(task_id: str) -> Any:
    """Cán bộ có thể được giao bước này: đang hoạt động, giữ vai trò của bước, thuộc cơ quan của bước hoặc toàn tỉnh.

    Chỉ người được giao việc (người có thẩm quyền giải quyết; thủ trưởng đơn vị với bước của đơn vị) xem được.
    """
    return tasks.assignable_officers(runtime(), current_principal(), task_id)


@blp.route("/<task:task_id>/assign", methods=["POST"])
@blp.arguments(AssignBody)
@blp.response(200, TaskSchema)
@login_required
def assign(body: dict[str, Any], task_id: str) -> Any:
    """Giao bước cho một cán bộ cụ thể (hoặc giao lại cho người khác); ghi vào nhật ký của hồ sơ.

    Người được giao thấy bước trong «Việc của tôi» (``GET /api/tasks?mine=1``); người khác cùng vai trò thấy ai
    đang giữ và không hoàn thành được. Các bước sau cùng vai trò của hồ sơ cũng giao cho người đó khi đến lượt.
    422 (trường ``assignee``) nếu cán bộ không nhận được bước này.
    """
    rt = runtime()
    return task_dict(rt, tasks.assign_task(rt, current_principal(), task_id, body["assignee"]))


@blp.route("/<task:task_id>/draft", methods=["GET"])
@blp.response(200, DraftSchema)
@login_required
def get_draft(task_id: str) -> Any:
    """Bản nháp của người gọi cho bước này (404 nếu chưa có)."""
    found = drafts.get_draft(runtime(), current_principal(), task_id)
    if found is None:
        raise NotFound("Chưa có bản nháp cho bước này.")
    return found


@blp.route("/<task:task_id>/draft", methods=["PUT"])
@blp.arguments(DraftBody)
@blp.response(200, DraftSchema)
@login_required
def save_draft(body: dict[str, Any], task_id: str) -> Any:
    """Lưu nháp dữ liệu đang nhập (chưa hoàn thành bước); thay bản nháp trước. Không thuộc nhật ký pháp lý.

    Chỉ người được hoàn thành bước mới lưu được (cùng quy tắc). Bản nháp bị xóa khi bước hoàn thành hoặc bị hủy.
    """
    return drafts.save_draft(runtime(), current_principal(), task_id, data=body["data"])


@blp.route("/<task:task_id>/draft", methods=["DELETE"])
@blp.response(204)
@login_required
def delete_draft(task_id: str) -> Any:
    """Bỏ bản nháp của người gọi cho bước này."""
    drafts.discard_draft(runtime(), current_principal(), task_id)
    return None
