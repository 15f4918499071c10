"""The consolidated report of a reception plan, computed from the records, never typed twice.

Counts by day and type, group cases, bypassing and protracted cases, the cases the register
opened, the central-office events each with its own outcome (from the plan's audit trail), and the
units flagged late; the same figures as a spreadsheet with Vietnamese headings, with the register
itself in Mẫu số 03/TCD's columns.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.clock import VIETNAM
from app.persistence import queries
from app.persistence.models import ReceptionRecord
from app.procedures.na_session_reception import CENTRAL_MESSAGE, CENTRAL_OUTCOME, UNIT_LATE, register_columns
from app.procedures.na_session_reception.register import readable_plan, reception_window, record_schema
from app.services import access, spreadsheet
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import load_run

KIND_NAMES = register_columns.KIND_NAMES


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
    window: tuple[str, str]  # the session's opening and closing days
    reception_window: tuple[str, str]  # the plan's own reception window
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
    register: list[register_columns.RegisterLine] = field(default_factory=list)


def session_report(rt: Runtime, principal: Principal, plan_id: int) -> SessionReport:
    access.require(principal, Right.READ_REPORTS)
    with rt.db.reading() as session:
        plan = readable_plan(rt, session, principal, plan_id)
        _, run = load_run(rt, session, plan)
        data = run.data
        records = queries.reception_records(session, plan.id, day=None, q=None, kind=None)
        numbers = queries.case_numbers(session, [r.case_instance_id for r in records if r.case_instance_id])
        opened = [{"sequence": r.sequence, "case_instance_id": r.case_instance_id, "name": r.name,
                   "case_number": numbers.get(r.case_instance_id)} for r in records if r.case_instance_id is not None]
        events = [(e.action, e.bpmn_id, json.loads(e.data)) for e in queries.audit_events(session, plan.id)]
        late = sorted({e.subject for e in queries.escalations_of(session, plan.id, UNIT_LATE) if e.subject})
        grounds = register_columns.choice_titles(record_schema(rt, session, plan))
    reported = sum(1 for action, bpmn_id, _ in events if action == "task_completed" and bpmn_id == "report_unit")
    kinds = Counter(r.kind for r in records)
    start, end = reception_window(data)
    return SessionReport(
        case_number=plan.case_number or "", session_name=str(data.get("session_name", "")),
        window=(str(data.get("window_start", "")), str(data.get("window_end", ""))),
        reception_window=(str(start or ""), str(end or "")), days=_days(data, records),
        by_kind={k: kinds.get(k, 0) for k in KIND_NAMES}, receptions=len(records),
        people=sum(r.people_count for r in records), group_cases=sum(r.group_case for r in records),
        bypassing=sum(r.bypassing for r in records), protracted=sum(r.protracted for r in records),
        cases_opened=opened, central_events=central_events(events), units=len(data.get("units") or []),
        units_reported=reported, units_late=late, register=register_columns.lines(records, grounds, numbers),
    )


def _days(data: dict[str, Any], records: Sequence[ReceptionRecord]) -> list[DayRow]:
    """One row per reception day of the plan (and any other day a record was kept on), in order."""
    days = {d: DayRow(date.fromisoformat(d)) for d in data.get("reception_days") or []}
    for r in records:
        row = days.setdefault(r.received_on.isoformat(), DayRow(r.received_on))
        row.receptions += 1
        row.people += r.people_count
        row.group_cases += int(r.group_case)
        row.cases_opened += int(r.case_instance_id is not None)
    return [days[k] for k in sorted(days)]


def central_events(events: list[tuple[str, str | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each central-office notice with its own outcome, paired by identity, never by position.

    A notice opens a branch of the diagram's event subprocess; the engine's id of that branch is
    recorded with the message and with the step that brings the citizens back, so two notices whose
    outcomes arrive in the other order each keep their own. Notices recorded before branches were
    (no identity on either side) are paired only when that cannot be wrong: one of each.
    """
    notices = [(d.get("branches") or [], dict(d.get("payload") or {})) for action, _, d in events
               if action == "message_received" and d.get("message") == CENTRAL_MESSAGE]
    answers = [(d.get("branch"), (d.get("submitted") or {}).get("central_outcome") or {}) for action, bpmn_id, d
               in events if action == "task_completed" and bpmn_id == CENTRAL_OUTCOME]
    by_branch = {branch: outcome for branch, outcome in answers if branch}
    unnamed = [outcome for branch, outcome in answers if not branch]
    legacy = [notice for branches, notice in notices if not branches]
    central = []
    for branches, notice in notices:
        found = [by_branch[b] for b in branches if b in by_branch]
        if not branches and len(legacy) == 1 and len(unnamed) == 1:
            found = unnamed
        central.append({**notice, "event_id": branches[0] if branches else None,
                        "outcome": found[0] if found else None})
    return central


def report_xlsx(report: SessionReport) -> bytes:
    """The report as a workbook: a summary sheet, one row per day, cases opened, central events, the register."""
    book = Workbook()
    _summary_sheet(book, report)
    _table(book, "Theo ngày", ["Ngày", "Lượt tiếp", "Số người", "Vụ việc đông người", "Hồ sơ đã mở"],
           [[d.day, d.receptions, d.people, d.group_cases, d.cases_opened] for d in report.days], dates=(1,))
    _table(book, "Hồ sơ đã mở", ["STT trong sổ", "Người đến", "Số hồ sơ"],
           [[c["sequence"], c["name"], c["case_number"]] for c in report.cases_opened])
    _table(book, "Phối hợp Trung ương", ["Thời điểm thông báo", "Nơi có mặt", "Số người", "Nội dung", "Kết quả",
                                         "Ngày về địa phương"],
           [_central_row(e) for e in report.central_events], dates=(6,))
    _register_sheet(book, report.register)
    _table(book, "Đơn vị chậm báo cáo", ["Đơn vị"], [[name] for name in report.units_late])
    bold = Font(bold=True)
    for sheet in book.worksheets[1:]:
        for cell in sheet[1]:
            cell.font = bold
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(book: Workbook, report: SessionReport) -> None:
    summary = book.active
    summary.title = "Tổng hợp"
    rows: list[tuple[Any, ...]] = [
        ("Báo cáo kết quả tiếp công dân phục vụ kỳ họp Quốc hội",),
        ("Kỳ họp", report.session_name),
        ("Thời gian kỳ họp", _span(report.window)),
        ("Thời gian tiếp công dân", _span(report.reception_window)),
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
    for cell in summary[rows.index(("Chỉ tiêu", "Số lượng")) + 1]:
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 42
    summary.column_dimensions["B"].width = 24


def _table(book: Workbook, title: str, headings: list[str], rows: list[list[Any]], dates: tuple[int, ...] = ()) -> None:
    """A sheet of one heading row and ``rows``; the columns in ``dates`` (1-based) print as DD/MM/YYYY."""
    sheet = book.create_sheet(title)
    spreadsheet.append(sheet, headings)
    for row in rows:
        spreadsheet.append(sheet, row)
        for column in dates:
            sheet.cell(row=sheet.max_row, column=column).number_format = "DD/MM/YYYY"


CENTRAL_RESULTS = {"returned": "Đã về địa phương", "not_returned": "Chưa về"}


def _central_row(event: dict[str, Any]) -> list[Any]:
    outcome = event.get("outcome") or {}
    return [_moment(event.get("reported_at")), event.get("location"), event.get("people_count"), event.get("content"),
            CENTRAL_RESULTS.get(outcome.get("result", ""), "Đang xử lý"), _day(outcome.get("returned_on"))]


def _register_sheet(book: Workbook, lines: list[register_columns.RegisterLine]) -> None:
    """The register as Mẫu số 03/TCD prints it (its 13 columns, then this register's own)."""
    _table(book, "Sổ tiếp công dân", [*register_columns.FORM_COLUMNS, *register_columns.EXTRA_COLUMNS],
           [line.cells() for line in lines], dates=(2,))


def _span(window: tuple[str, str]) -> str:
    """Two ISO days as an officer writes them: «24/03/2021 – 07/04/2021»."""
    return " – ".join(f"{d:%d/%m/%Y}" if (d := _day(v)) else v for v in window)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _moment(value: Any) -> str:
    """An ISO moment (a notice's time) as «30/03/2021 08:30», Vietnam's time."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    return (moment.astimezone(VIETNAM) if moment.tzinfo else moment).strftime("%d/%m/%Y %H:%M")
