"""The auditor's desk: search the whole record, and the acts done after their legal deadline."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Response
from marshmallow import Schema, ValidationError, fields, validate

from app.api.auth import current_principal, login_required, runtime
from app.api.parsing import ApiBlueprint
from app.api.schemas import KEY, Number, PageArgs, page_of, page_schema
from app.services import audit_search, deadline_audit

blp = ApiBlueprint("audit", __name__, url_prefix="/api/audit", description="Kiểm tra: tra cứu nhật ký, thời hạn")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDay(fields.Field):  # type: ignore[type-arg]
    """A calendar day written yyyy-mm-dd in ASCII digits (marshmallow's own Date reads other scripts' digits)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
            raise ValidationError("Ngày phải có dạng yyyy-mm-dd.")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError("Ngày không có thật.") from exc


ORGANISATION = validate.Length(min=1, max=100)
PERIOD = {"from": "Từ ngày (yyyy-mm-dd, giờ Việt Nam)", "to": "Đến hết ngày (yyyy-mm-dd)"}


class EventSearchArgs(PageArgs):
    actor = fields.String(load_default=None, validate=validate.Regexp(r"[a-z0-9_.-]{1,64}"),
                          metadata={"description": "Tên đăng nhập của người thực hiện"})
    action = fields.String(load_default=None, validate=validate.OneOf(list(audit_search.KINDS)),
                           metadata={"description": "Loại việc: " + "; ".join(
                               f"{key}: {kind.label}" for key, kind in audit_search.KINDS.items())})
    process = fields.String(load_default=None, validate=KEY, metadata={"description": "Mã quy trình"})
    case = Number(load_default=None, metadata={"description": "Mã (id) hồ sơ"})
    organisation = fields.String(load_default=None, validate=ORGANISATION, metadata={"description": "Cơ quan của hồ sơ"})
    from_ = IsoDay(load_default=None, data_key="from", metadata={"description": PERIOD["from"]})
    to = IsoDay(load_default=None, metadata={"description": PERIOD["to"]})


class AuditRowSchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    actor_name = fields.String()
    action = fields.String()
    label = fields.String(metadata={"description": "Việc đã làm, như nhật ký hồ sơ gọi"})
    source = fields.String(metadata={"description": "case: nhật ký hồ sơ; account: nhật ký tài khoản"})
    instance_id = fields.Integer(allow_none=True)
    seq = fields.Integer(allow_none=True, metadata={"description": "Số thứ tự sự kiện trong nhật ký hồ sơ"})
    case_number = fields.String(allow_none=True)
    process_id = fields.String(allow_none=True)
    process_name = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    organisation_name = fields.String(allow_none=True)
    step = fields.String(allow_none=True, metadata={"description": "Tên bước"})
    fields_ = fields.List(fields.String(), attribute="fields", data_key="fields",
                          metadata={"description": "Các trường đã thay đổi, theo tên trên biểu mẫu"})
    account = fields.String(allow_none=True, metadata={"description": "Tài khoản liên quan (nhật ký tài khoản)"})
    account_name = fields.String(allow_none=True)


AuditPage = page_schema(AuditRowSchema, "AuditEventPage")


def _query(args: dict[str, Any]) -> audit_search.AuditQuery:
    return audit_search.AuditQuery(actor=args["actor"], kind=args["action"], process_id=args["process"],
                                   instance_id=args["case"], organisation=args["organisation"],
                                   since=args["from_"], until=args["to"])


@blp.route("/events")
@blp.arguments(EventSearchArgs, location="query")
@blp.response(200, AuditPage)
@login_required
def search_events(args: dict[str, Any]) -> Any:
    """Mọi sự kiện của mọi hồ sơ (và nhật ký tài khoản, với người được xem), mới nhất trước, lọc theo người thực
    hiện, loại việc, quy trình, hồ sơ, cơ quan và khoảng ngày; cho Thanh tra tỉnh và kiểm tra, giám sát."""
    found = audit_search.search(runtime(), current_principal(), _query(args), page=args["page"],
                                per_page=args["per_page"])
    return page_of(found.page, list(found.page.items))


class DeadlineArgs(Schema):
    from_ = IsoDay(load_default=None, data_key="from", metadata={"description": PERIOD["from"] + " — ngày làm việc"})
    to = IsoDay(load_default=None, metadata={"description": PERIOD["to"]})
    step = fields.String(load_default=None, validate=validate.Regexp(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}"),
                         metadata={"description": "Chỉ bước này (mã bước)"})
    organisation = fields.String(load_default=None, validate=ORGANISATION)
    actor = fields.String(load_default=None, validate=validate.Regexp(r"[a-z0-9_.-]{1,64}"))


class LateActSchema(Schema):
    instance_id = fields.Integer()
    seq = fields.Integer()
    case_number = fields.String(allow_none=True)
    process_name = fields.String()
    step = fields.String()
    step_name = fields.String()
    organisation = fields.String(allow_none=True)
    organisation_name = fields.String()
    actor = fields.String()
    actor_name = fields.String()
    deadline_label = fields.String()
    due = fields.Date()
    done_on = fields.Date()
    days_late = fields.Integer()


class RunningLateSchema(Schema):
    instance_id = fields.Integer()
    case_number = fields.String(allow_none=True)
    step = fields.String()
    step_name = fields.String()
    organisation = fields.String(allow_none=True)
    organisation_name = fields.String()
    holder = fields.String(allow_none=True)
    holder_name = fields.String()
    due = fields.Date()
    days_late = fields.Integer()


class FigureSchema(Schema):
    key = fields.String(allow_none=True)
    label = fields.String()
    count = fields.Integer()
    max_days = fields.Integer()
    total_days = fields.Integer()


class DeadlineReportSchema(Schema):
    since = fields.Date(allow_none=True, data_key="from")
    until = fields.Date(allow_none=True, data_key="to")
    today = fields.Date()
    late = fields.List(fields.Nested(LateActSchema), metadata={"description": "Việc làm sau thời hạn luật định"})
    running = fields.List(fields.Nested(RunningLateSchema), metadata={"description": "Thời hạn đã qua, chưa làm"})
    by_step = fields.List(fields.Nested(FigureSchema))
    by_organisation = fields.List(fields.Nested(FigureSchema))
    by_officer = fields.List(fields.Nested(FigureSchema))
    running_by_step = fields.List(fields.Nested(FigureSchema))


def _deadline_query(args: dict[str, Any]) -> deadline_audit.DeadlineQuery:
    return deadline_audit.DeadlineQuery(since=args["from_"], until=args["to"], step=args["step"],
                                        organisation=args["organisation"], actor=args["actor"])


@blp.route("/deadlines")
@blp.arguments(DeadlineArgs, location="query")
@blp.response(200, DeadlineReportSchema)
@login_required
def deadlines(args: dict[str, Any]) -> Any:
    """Việc làm sau thời hạn luật định (theo bước, cơ quan, cán bộ, số ngày chậm) và thời hạn đã qua mà việc chưa
    làm, tính từ các thời hạn đã lưu và nhật ký hồ sơ; mỗi con số kèm danh sách hồ sơ."""
    return deadline_audit.report(runtime(), current_principal(), _deadline_query(args))


@blp.route("/deadlines.xlsx")
@blp.arguments(DeadlineArgs, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX,
              description="Bảng tính .xlsx (tải về dạng tệp đính kèm)")
@login_required
def deadlines_xlsx(args: dict[str, Any]) -> Any:
    """Báo cáo thời hạn dạng bảng tính (.xlsx); ô chữ không bao giờ thành công thức."""
    content = deadline_audit.report_xlsx(deadline_audit.report(runtime(), current_principal(), _deadline_query(args)))
    return Response(content, mimetype=XLSX, headers={"Content-Disposition": 'attachment; filename="tre-han.xlsx"'})
