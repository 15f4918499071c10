"""The auditor's pages («Kiểm tra»): search the whole record, and the acts done after their legal deadline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, render_template, request

from app.errors import InvalidInput
from app.services import audit_search, deadline_audit
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp
from app.web.params import page_number
from app.web.views import case_home

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEARCH_FIELDS = ("actor", "action", "process", "case", "organisation", "from", "to")
DEADLINE_FIELDS = ("from", "to", "step", "organisation", "actor")


def _typed(names: tuple[str, ...]) -> dict[str, str]:
    """What the form sent, trimmed and bounded, to fill the form again (an error keeps what was typed)."""
    return {name: (request.args.get(name) or "").strip()[:100] for name in names}


def _day(typed: dict[str, str], name: str, errors: dict[str, str]) -> date | None:
    """A day typed dd/mm/yyyy (or picked yyyy-mm-dd) in ASCII digits; a wrong one is an error beside its field."""
    text = typed[name]
    if not text:
        return None
    if text.isascii():
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    errors[name] = "Ngày phải có dạng ngày/tháng/năm, ví dụ 05/03/2021."
    return None


def _search_query(typed: dict[str, str]) -> audit_search.AuditQuery:
    errors: dict[str, str] = {}
    since, until = _day(typed, "from", errors), _day(typed, "to", errors)
    if typed["action"] and typed["action"] not in audit_search.KINDS:
        errors["action"] = "Chọn một loại việc trong danh sách."
    if errors:
        raise InvalidInput("Điều kiện tìm kiếm chưa hợp lệ.", fields=errors)
    return audit_search.AuditQuery(actor=typed["actor"] or None, kind=typed["action"] or None,
                                   process_id=typed["process"] or None, case_number=typed["case"] or None,
                                   organisation=typed["organisation"] or None, since=since, until=until)


@bp.route("/audit")
@login_required
def audit_page() -> Any:
    typed = _typed(SEARCH_FIELDS)
    errors: dict[str, str] = {}
    try:
        query = _search_query(typed)
    except InvalidInput as error:
        query, errors = audit_search.AuditQuery(), {**error.fields, "": error.message}
    try:
        found = audit_search.search(runtime(), principal(), query, page=page_number(request.args.get("page")),
                                    per_page=PER_PAGE)
    except InvalidInput as error:
        errors = {**error.fields, "": error.message}
        found = audit_search.search(runtime(), principal(), audit_search.AuditQuery(), page=1, per_page=PER_PAGE)
    pages = max(1, -(-found.page.total // PER_PAGE))
    return render_template("audit.html", found=found, page=found.page, pages=pages, typed=typed, errors=errors,
                           home=case_home), 400 if errors else 200


def _deadline_query(typed: dict[str, str]) -> deadline_audit.DeadlineQuery:
    errors: dict[str, str] = {}
    since, until = _day(typed, "from", errors), _day(typed, "to", errors)
    if errors:
        raise InvalidInput("Khoảng thời gian chưa hợp lệ.", fields=errors)
    return deadline_audit.DeadlineQuery(since=since, until=until, step=typed["step"] or None,
                                        organisation=typed["organisation"] or None, actor=typed["actor"] or None)


@bp.route("/audit/deadlines")
@login_required
def audit_deadlines() -> Any:
    typed = _typed(DEADLINE_FIELDS)
    errors: dict[str, str] = {}
    try:
        report = deadline_audit.report(runtime(), principal(), _deadline_query(typed))
    except InvalidInput as error:
        errors = {**error.fields, "": error.message}
        report = deadline_audit.report(runtime(), principal(), deadline_audit.DeadlineQuery())
    period = {k: v for k, v in typed.items() if k in ("from", "to") and v and not errors}
    return render_template("audit_deadlines.html", report=report, typed=typed, errors=errors, period=period,
                           home=case_home), 400 if errors else 200


@bp.route("/audit/deadlines.xlsx")
@login_required
def audit_deadlines_xlsx() -> Any:
    """The same workbook as the API's, for an auditor signed in with the session cookie."""
    report = deadline_audit.report(runtime(), principal(), _deadline_query(_typed(DEADLINE_FIELDS)))
    return Response(deadline_audit.report_xlsx(report), mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="tre-han.xlsx"'})
