"""The inbox, one task with its form, and completing a task."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from app.api.auth import current_principal, login_required, runtime
from app.api.schemas import (
    CompleteBody,
    InstanceSummarySchema,
    TaskDetailSchema,
    TaskFilter,
    TaskSchema,
    page_of,
    page_schema,
)
from app.persistence.models import TaskRow
from app.services import tasks
from app.services.runtime import Runtime

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="Công việc của cán bộ")
TaskPage = page_schema(TaskSchema, "TaskPage")


_TASK_FIELDS = ("id", "instance_id", "instance", "bpmn_id", "name", "role", "organisation", "assignee", "form",
                "created_at", "due_on")


def task_dict(rt: Runtime, row: TaskRow) -> dict[str, Any]:
    """The task's own values plus days left (negative when overdue), for TaskSchema to dump."""
    body = {name: getattr(row, name) for name in _TASK_FIELDS}
    body["days_left"] = (row.due_on - rt.today()).days if row.due_on else None
    return body


@blp.route("")
@blp.arguments(TaskFilter, location="query")
@blp.response(200, TaskPage)
@login_required
def inbox(args: dict[str, Any]) -> Any:
    """Việc đang chờ mà người gọi được làm, hạn sớm nhất trước (days_left âm = quá hạn)."""
    rt = runtime()
    page = tasks.inbox(rt, current_principal(), role=args["role"], mine=args["mine"],
                       page=args["page"], per_page=args["per_page"])
    return page_of(page, [task_dict(rt, row) for row in page.items])


@blp.route("/<task_id>")
@blp.response(200, TaskDetailSchema)
@login_required
def get_task(task_id: str) -> Any:
    """Một bước: biểu mẫu (JSON Schema), giao diện biểu mẫu và dữ liệu hồ sơ hiện tại."""
    rt = runtime()
    view = tasks.get_task(rt, current_principal(), task_id)
    body = task_dict(rt, view.task)
    body.update(form_schema=view.schema, ui_schema=view.ui_schema, data=view.data, instructions=view.instructions)
    return body


@blp.route("/<task_id>/complete", methods=["POST"])
@blp.arguments(CompleteBody)
@blp.response(200, InstanceSummarySchema)
@login_required
def complete(body: dict[str, Any], task_id: str) -> Any:
    """Hoàn thành bước với dữ liệu biểu mẫu; 422 kèm lỗi từng trường, 409 nếu bước đã xong."""
    return tasks.complete_task(runtime(), current_principal(), task_id, body["data"], body["version"])
