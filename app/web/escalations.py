"""The escalations page: passed legal deadlines to act on, filtered, acknowledged with a note."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.errors import InvalidInput
from app.services import escalations
from app.web.auth import current_principal, login_required, principal, runtime
from app.web.blueprint import bp
from app.web.params import ascii_int, page_number
from app.web.views import case_home

PER_PAGE = 25
STATUS_CHOICES = {"open": "Chưa xác nhận", "acknowledged": "Đã xác nhận", "all": "Tất cả"}
FILTERS = ("status", "step", "overdue", "organisation", "page")
OVERDUE_CHOICES = {"": "Bất kỳ", "1": "Từ 1 ngày", "7": "Từ 7 ngày", "15": "Từ 15 ngày", "30": "Từ 30 ngày"}


def _query() -> tuple[escalations.EscalationQuery, dict[str, str]]:
    """The filters as the page's form sent them; anything unknown is read as «no filter»."""
    args = request.args
    status = args.get("status") if args.get("status") in STATUS_CHOICES else "open"
    overdue = ascii_int(args.get("overdue"), maximum=escalations.MAX_OVERDUE_DAYS)
    step = (args.get("step") or "")[:100] or None
    organisation = (args.get("organisation") or "")[:100] or None
    query = escalations.EscalationQuery(status=None if status == "all" else status, step=step,
                                        min_overdue_days=overdue, organisation=organisation)
    shown: dict[str, str] = {"status": str(status), "overdue": "" if overdue is None else str(overdue), "step": step or "",
             "organisation": organisation or ""}
    return query, shown


def _page(status: int = 200, errors: dict[int, str] | None = None, typed: dict[int, str] | None = None) -> Any:
    query, shown = _query()
    found = escalations.search(runtime(), principal(), query, page=page_number(request.args.get("page")),
                               per_page=PER_PAGE)
    return render_template("escalations.html", found=found, page=found.page,
                           pages=max(1, -(-found.page.total // PER_PAGE)), shown=shown, statuses=STATUS_CHOICES,
                           overdue_choices=OVERDUE_CHOICES, errors=errors or {}, typed=typed or {}, home=case_home,
                           shown_args={key: value for key, value in shown.items() if value}), status


@bp.route("/escalations")
@login_required
def escalation_list() -> Any:
    return _page()


@bp.route("/escalations/<id:escalation_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge_escalation(escalation_id: int) -> Any:
    """Acknowledge from the list; the list's filters travel in the query string and are kept."""
    note = request.form.get("note", "")
    try:
        escalation = escalations.acknowledge(runtime(), principal(), escalation_id, note)
    except InvalidInput as error:
        return _page(400, {escalation_id: next(iter(error.fields.values()), error.message)}, {escalation_id: note})
    flash(f"Đã xác nhận cảnh báo «{escalation.name}» của hồ sơ {escalation.instance.case_number}.", "ok")
    kept: dict[str, Any] = {key: request.args[key] for key in FILTERS if request.args.get(key)}
    return redirect(url_for("web.escalation_list", **kept))


@bp.app_template_global()
def open_escalations() -> int | None:
    """Open escalations for the navigation's figure; None for a role that sees none (no link shown)."""
    who = current_principal()
    return escalations.open_count(runtime(), who) if who is not None else None
