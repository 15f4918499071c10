"""The reception plan's register and report (the plan itself runs through /api/processes and /api/tasks)."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema, fields

from app.api.auth import current_principal, login_required, logs_read, runtime
from app.api.parsing import ApiBlueprint
from app.procedures.na_session_reception import register, reports

blp = ApiBlueprint("plans", __name__, url_prefix="/api/plans", description="Sổ tiếp công dân và báo cáo kế hoạch")


class RecordSchema(Schema):
    id = fields.Integer()
    plan_instance_id = fields.Integer()
    sequence = fields.Integer()
    received_on = fields.Date()
    name = fields.String()
    address = fields.String()
    people_count = fields.Integer()
    kind = fields.String()
    group_case = fields.Boolean()
    bypassing = fields.Boolean()
    protracted = fields.Boolean()
    within_competence = fields.Boolean()
    handling = fields.String()
    content = fields.String()
    details = fields.Dict()
    case_instance_id = fields.Integer(allow_none=True)
    source = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()


class NewRecordSchema(Schema):
    received_on = fields.Raw(required=True, metadata={"description": "Ngày tiếp, YYYY-MM-DD"})
    record = fields.Raw(required=True, metadata={"description": "Một lượt tiếp theo biểu mẫu sổ tiếp công dân"})


class RecordFilter(Schema):
    day = fields.Date(load_default=None)
    q = fields.String(load_default=None)
    kind = fields.String(load_default=None)


class DaySchema(Schema):
    day = fields.Date()
    receptions = fields.Integer()
    people = fields.Integer()
    group_cases = fields.Integer()
    cases_opened = fields.Integer()


class ReportSchema(Schema):
    case_number = fields.String()
    session_name = fields.String()
    window = fields.List(fields.String(), metadata={"description": "Ngày khai mạc và bế mạc kỳ họp"})
    reception_window = fields.List(fields.String(), metadata={"description": "Thời gian tiếp công dân của kế hoạch"})
    days = fields.List(fields.Nested(DaySchema))
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    receptions = fields.Integer()
    people = fields.Integer()
    group_cases = fields.Integer()
    bypassing = fields.Integer()
    protracted = fields.Integer()
    cases_opened = fields.List(fields.Dict())
    central_events = fields.List(fields.Dict())
    units = fields.Integer()
    units_reported = fields.Integer()
    units_late = fields.List(fields.String())


@blp.route("/<id:plan_id>/records")
@blp.arguments(RecordFilter, location="query")
@blp.response(200, RecordSchema(many=True))
@login_required
@logs_read("register", "plan_id")
def list_records(args: dict[str, Any], plan_id: int) -> Any:
    """Sổ tiếp công dân của kế hoạch (lọc theo ngày, loại, tên hoặc nội dung)."""
    return register.list_records(runtime(), current_principal(), plan_id, day=args["day"], q=args["q"], kind=args["kind"])


@blp.route("/<id:plan_id>/records", methods=["POST"])
@blp.arguments(NewRecordSchema)
@blp.response(201, RecordSchema)
@login_required
def add_record(body: dict[str, Any], plan_id: int) -> Any:
    """Ghi một lượt tiếp vào sổ; khiếu nại lần hai thuộc thẩm quyền tỉnh được mở hồ sơ ngay."""
    return register.add_record(runtime(), current_principal(), plan_id, body["received_on"], body["record"])


@blp.route("/<id:plan_id>/report")
@blp.response(200, ReportSchema)
@login_required
def report(plan_id: int) -> Any:
    """Số liệu tổng hợp tính từ sổ tiếp công dân, hồ sơ đã mở, thông báo của Trung ương và báo cáo của đơn vị."""
    return reports.session_report(runtime(), current_principal(), plan_id)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/<id:plan_id>/report.xlsx")
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX,
              description="Bảng tính .xlsx (tải về dạng tệp đính kèm)")
@login_required
def report_xlsx(plan_id: int) -> Any:
    """Báo cáo tổng hợp dạng bảng tính (.xlsx)."""
    content = reports.report_xlsx(reports.session_report(runtime(), current_principal(), plan_id))
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="bao-cao-tiep-cong-dan-{plan_id}.xlsx"'})
