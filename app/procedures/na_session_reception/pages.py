"""The reception plan's pages: the list of plans, a plan's dashboard, its register and entry form, its report."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from app.errors import FormValidationError, InvalidInput
from app.procedures.na_session_reception import CENTRAL_MESSAGE, plans, register, register_columns, reports
from app.web import forms
from app.web.auth import login_required, logs_read, principal, runtime
from app.web.blueprint import bp
from app.web.filters import startable_processes
from app.web.params import page_number
from app.web.views import PER_PAGE

KIND_NAMES = register_columns.KIND_NAMES
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"


def _day_arg(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/plans")
@login_required
def plan_list() -> Any:
    page = plans.list_plans(runtime(), principal(), page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render_template("plan_list.html", page=page, pages=max(1, -(-page.total // PER_PAGE)),
                           may_start=register.PLAN_PROCESS in {p for p, _ in startable_processes()})


@bp.route("/plans/<id:plan_id>")
@login_required
@logs_read("case", "plan_id")
def plan(plan_id: int) -> Any:
    board = plans.dashboard(runtime(), principal(), plan_id)
    return render_template("plan.html", board=board, plan=board.plan, case=board.plan.instance,
                           message=CENTRAL_MESSAGE)


@bp.route("/plans/<id:plan_id>/register")
@login_required
@logs_read("register", "plan_id")
def plan_register(plan_id: int) -> Any:
    args = request.args
    day, kind, q = _day_arg(args.get("day")), args.get("kind") or None, (args.get("q") or "").strip()[:100] or None
    view = plans.register_view(runtime(), principal(), plan_id, day=day, q=q,
                               kind=kind if kind in KIND_NAMES else None)
    return render_template("plan_register.html", view=view, plan=view.plan, case=view.plan.instance,
                           day=day, kind=kind or "", q=q or "", kinds=KIND_NAMES, day_label=day_label)


def _entry_schema(entry: plans.EntryForm) -> tuple[dict[str, Any], dict[str, Any]]:
    """The record's schema with the day of reception first, chosen among the plan's reception days."""
    record = entry.record_schema
    days = {"type": "string", "title": "Ngày tiếp",
            "oneOf": [{"const": d.isoformat(), "title": day_label(d)} for d in entry.plan.reception_days]}
    schema = {**record, "title": "Ghi một lượt tiếp vào sổ", "properties": {"received_on": days, **record["properties"]},
              "required": ["received_on", *record.get("required", [])]}
    ui = {**entry.ui_schema, "ui:order": ["received_on", *entry.ui_schema.get("ui:order", ["*"])]}
    return schema, ui


def _entry_page(entry: plans.EntryForm, values: Any, errors: dict[str, str], status: int = 200,
                message: str | None = None) -> Any:
    schema, ui = _entry_schema(entry)
    root = forms.build(schema, ui, values, errors)
    return render_template("plan_entry.html", plan=entry.plan, case=entry.plan.instance, form=root, errors=errors,
                           error_list=forms.error_list(root, errors), message=message), status


@bp.route("/plans/<id:plan_id>/register/new", methods=["GET", "POST"])
@login_required
def plan_entry(plan_id: int) -> Any:
    rt, who = runtime(), principal()
    entry = plans.entry_form(rt, who, plan_id)
    if request.method == "GET":
        default = entry.default_day.isoformat() if entry.default_day else None
        return _entry_page(entry, {"received_on": default, "persons": [{}]}, {})
    schema, ui = _entry_schema(entry)
    posted = forms.parse(schema, ui, request.form)
    record = {k: v for k, v in posted.items() if k != "received_on"}
    try:
        row = register.add_record(rt, who, plan_id, posted.get("received_on", ""), record)
    except InvalidInput as error:
        status = 422 if isinstance(error, FormValidationError) else 400
        return _entry_page(entry, posted, error.fields, status, error.message)
    note = ""
    if row.case_instance_id is not None:
        note = f"; đã mở hồ sơ {plans.case_number(rt, row.case_instance_id)}"
    flash(f"Đã ghi lượt tiếp số {row.sequence} ngày {row.received_on:%d/%m/%Y} vào sổ{note}.", "ok")
    return redirect(url_for("web.plan_register", plan_id=plan_id, day=row.received_on.isoformat(),
                            _anchor=f"record-{row.id}"))


@bp.route("/plans/<id:plan_id>/report")
@login_required
def plan_report(plan_id: int) -> Any:
    report = reports.session_report(runtime(), principal(), plan_id)
    returned = sum(1 for e in report.central_events if (e.get("outcome") or {}).get("result") == "returned")
    return render_template("plan_report.html", report=report, plan_id=plan_id, kinds=KIND_NAMES, returned=returned,
                           day_label=day_label)


@bp.route("/plans/<id:plan_id>/report.xlsx")
@login_required
def plan_report_xlsx(plan_id: int) -> Any:
    """The same workbook as the API's, for an officer signed in with the session cookie."""
    content = reports.report_xlsx(reports.session_report(runtime(), principal(), plan_id))
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="bao-cao-tiep-cong-dan-{plan_id}.xlsx"'})
