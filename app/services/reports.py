"""The consolidated report of a reception plan, computed from the records, never typed twice.

Counts by day and type, group cases, bypassing and protracted cases, the cases the register
opened, the central-office events and their outcomes (from the plan's audit trail), and the units
flagged late; the same figures as a spreadsheet with Vietnamese headings.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.persistence import queries
from app.services import access, spreadsheet
from app.services.access import Right
from app.services.principal import Principal
from app.services.register import readable_plan
from app.services.runtime import Runtime
from app.services.state import load_run

KIND_NAMES = {"complaint": "Khiếu nại", "denunciation": "Tố cáo", "petition": "Kiến nghị, phản ánh"}


@dataclass
class DayRow:
    day: date
    receptions: int = 0
    people: int = 0
    group_cases: int = 0
    cases_opened: int = 0


@dataclass
class SessionReport:
    case_number: str
    session_name: str
    window: tuple[str, str]
    days: list[DayRow]
    by_kind: dict[str, int]
    receptions: int
    people: int
    group_cases: int
    bypassing: int
    protracted: int
    cases_opened: list[dict[str, Any]]
    central_events: list[dict[str, Any]]
    units: int
    units_reported: int
    units_late: list[str] = field(default_factory=list)


def session_report(rt: Runtime, principal: Principal, plan_id: int) -> SessionReport:
    access.require(principal, Right.READ_REPORTS)
    with rt.db.reading() as session:
        plan = readable_plan(rt, session, principal, plan_id)
        _, run = load_run(rt, session, plan)
        data = run.data
        records = queries.reception_records(session, plan.id, day=None, q=None, kind=None)
        days = {d: DayRow(date.fromisoformat(d)) for d in data.get("reception_days") or []}
        for r in records:
            row = days.setdefault(r.received_on.isoformat(), DayRow(r.received_on))
            row.receptions += 1
            row.people += r.people_count
            row.group_cases += int(r.group_case)
            row.cases_opened += int(r.case_instance_id is not None)
        opened = [{"sequence": r.sequence, "case_instance_id": r.case_instance_id, "name": r.name,
                   "case_number": r.case_instance_id and _case_number(session, r.case_instance_id)}
                  for r in records if r.case_instance_id is not None]
        events = [(e.action, e.bpmn_id, json.loads(e.data)) for e in queries.audit_events(session, plan.id)]
        central = [dict(d.get("payload", {})) for action, _, d in events
                   if action == "message_received" and d.get("message") == "central_coordination"]
        outcomes = [d.get("submitted", {}).get("central_outcome", {}) for action, bpmn_id, d in events
                    if action == "task_completed" and bpmn_id == "bring_citizens_back"]
        for index, event in enumerate(central):
            event["outcome"] = outcomes[index] if index < len(outcomes) else None
        late = sorted({e.subject for e in queries.escalations_of(session, plan.id, "unit_report_overdue") if e.subject})
        reported = sum(1 for action, bpmn_id, _ in events if action == "task_completed" and bpmn_id == "report_unit")
        kinds = Counter(r.kind for r in records)
        return SessionReport(
            case_number=plan.case_number or "", session_name=str(data.get("session_name", "")),
            window=(str(data.get("window_start", "")), str(data.get("window_end", ""))),
            days=[days[k] for k in sorted(days)], by_kind={k: kinds.get(k, 0) for k in KIND_NAMES},
            receptions=len(records), people=sum(r.people_count for r in records),
            group_cases=sum(r.group_case for r in records), bypassing=sum(r.bypassing for r in records),
            protracted=sum(r.protracted for r in records), cases_opened=opened, central_events=central,
            units=len(data.get("units") or []), units_reported=reported, units_late=late,
        )


def _case_number(session: Any, instance_id: int) -> str | None:
    instance = queries.instance(session, instance_id)
    return instance.case_number if instance is not None else None


def report_xlsx(report: SessionReport) -> bytes:
    """The report as a workbook: a summary sheet, one row per day, cases opened, central events."""
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    bold = Font(bold=True)
    rows: list[tuple[Any, ...]] = [
        ("Báo cáo kết quả tiếp công dân phục vụ kỳ họp Quốc hội",),
        ("Kỳ họp", report.session_name),
        ("Thời gian", f"{report.window[0]} – {report.window[1]}"),
        ("Số hiệu kế hoạch", report.case_number),
        (),
        ("Chỉ tiêu", "Số lượng"),
        ("Lượt tiếp", report.receptions),
        ("Số người", report.people),
        *[(f"Loại: {name}", report.by_kind[key]) for key, name in KIND_NAMES.items()],
        ("Vụ việc đông người (từ 5 người)", report.group_cases),
        ("Vượt cấp", report.bypassing),
        ("Kéo dài", report.protracted),
        ("Hồ sơ khiếu nại lần hai đã mở", len(report.cases_opened)),
        ("Thông báo của Trung ương", len(report.central_events)),
        ("Công dân đã được đưa về địa phương",
         sum(1 for e in report.central_events if (e.get("outcome") or {}).get("result") == "returned")),
        ("Đơn vị trong kế hoạch", report.units),
        ("Đơn vị đã báo cáo", report.units_reported),
        ("Đơn vị chậm báo cáo", len(report.units_late)),
    ]
    for row in rows:
        spreadsheet.append(summary, row)
    summary["A1"].font = Font(bold=True, size=13)
    for cell in summary[6]:
        cell.font = bold
    summary.column_dimensions["A"].width = 42
    summary.column_dimensions["B"].width = 24

    by_day = book.create_sheet("Theo ngày")
    spreadsheet.append(by_day, ["Ngày", "Lượt tiếp", "Số người", "Vụ việc đông người", "Hồ sơ đã mở"])
    for d in report.days:
        spreadsheet.append(by_day, [d.day, d.receptions, d.people, d.group_cases, d.cases_opened])
        by_day.cell(row=by_day.max_row, column=1).number_format = "DD/MM/YYYY"
    opened = book.create_sheet("Hồ sơ đã mở")
    spreadsheet.append(opened, ["STT trong sổ", "Người đến", "Số hồ sơ"])
    for c in report.cases_opened:
        spreadsheet.append(opened, [c["sequence"], c["name"], c["case_number"]])
    central = book.create_sheet("Phối hợp Trung ương")
    spreadsheet.append(central, ["Thời điểm thông báo", "Nơi có mặt", "Số người", "Nội dung", "Kết quả",
                                 "Ngày về địa phương"])
    for e in report.central_events:
        outcome = e.get("outcome") or {}
        spreadsheet.append(central, [e.get("reported_at"), e.get("location"), e.get("people_count"), e.get("content"),
                        {"returned": "Đã về địa phương", "not_returned": "Chưa về"}.get(outcome.get("result", ""), "Đang xử lý"),
                        outcome.get("returned_on")])
    late = book.create_sheet("Đơn vị chậm báo cáo")
    spreadsheet.append(late, ["Đơn vị"])
    for name in report.units_late:
        spreadsheet.append(late, [name])
    for sheet in book.worksheets[1:]:
        for cell in sheet[1]:
            cell.font = bold
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
