"""Deadlines that passed (escalations) and timer jobs that keep failing (incidents)."""

from __future__ import annotations

from typing import Any

from app.api.auth import current_principal, login_required, runtime
from app.api.parsing import ApiBlueprint
from app.api.schemas import (
    AcknowledgeBody,
    EscalationFilter,
    EscalationLineSchema,
    EscalationSchema,
    IncidentSchema,
    page_of,
    page_schema,
)
from app.services import escalations, timers

blp = ApiBlueprint("operations", __name__, url_prefix="/api", description="Cảnh báo quá hạn và sự cố")
EscalationPage = page_schema(EscalationLineSchema, "EscalationPage")


@blp.route("/escalations")
@blp.arguments(EscalationFilter, location="query")
@blp.response(200, EscalationPage)
@login_required
def list_escalations(args: dict[str, Any]) -> Any:
    """Cảnh báo quá hạn (mới nhất trước) cho người giải quyết và thanh tra tỉnh: lọc theo trạng thái, bước,
    số ngày quá hạn, cơ quan; người dùng thuộc một cơ quan chỉ thấy cảnh báo của cơ quan mình."""
    status = args["status"] or ("open" if args["open"] else "all")
    query = escalations.EscalationQuery(status=None if status == "all" else status, step=args["step"],
                                        min_overdue_days=args["min_overdue_days"], organisation=args["organisation"],
                                        instance_id=args["instance_id"])
    found = escalations.search(runtime(), current_principal(), query, page=args["page"], per_page=args["per_page"])
    return page_of(found.page, list(found.page.items))


@blp.route("/escalations/<id:escalation_id>/acknowledge", methods=["POST"])
@blp.arguments(AcknowledgeBody, required=False)
@blp.response(200, EscalationSchema)
@login_required
def acknowledge(body: dict[str, Any], escalation_id: int) -> Any:
    """Xác nhận đã biết cảnh báo, kèm ghi chú tùy chọn (ghi vào cảnh báo và nhật ký hồ sơ)."""
    return escalations.acknowledge(runtime(), current_principal(), escalation_id, body.get("note"))


@blp.route("/incidents")
@blp.response(200, IncidentSchema(many=True))
@login_required
def list_incidents() -> Any:
    """Việc hẹn giờ thất bại quá số lần thử, kèm lỗi cuối cùng."""
    return timers.list_incidents(runtime(), current_principal())


@blp.route("/incidents/<id:job_id>/retry", methods=["POST"])
@blp.response(200, IncidentSchema)
@login_required
def retry(job_id: int) -> Any:
    """Quản trị đưa việc trở lại hàng đợi để thử lại ngay."""
    return timers.retry_incident(runtime(), current_principal(), job_id)
