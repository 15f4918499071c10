"""The admin's pages for the organisation catalogue (Danh mục cơ quan): list, add, edit, end, delete, download."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from app.errors import Conflict, InvalidInput
from app.persistence.models import Organisation
from app.services import issuers, organisations
from app.services.organisations import OrganisationChange
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # what a date input posts, or what an officer types


def _day(text: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _change() -> tuple[OrganisationChange, dict[str, str]]:
    """The posted entry, and the dates that could not be read (as field errors)."""
    form, errors, days = request.form, {}, {}
    for key in ("valid_from", "valid_to"):
        text = form.get(key, "").strip()
        try:
            days[key] = _day(text) if text else None
        except ValueError:
            days[key], errors[key] = None, "Ngày chưa đúng (ngày/tháng/năm)."
    change = OrganisationChange(name=form.get("name", ""), parent=form.get("parent") or None, **days)
    return change, errors


def _form(entry: Organisation | None, values: dict[str, Any], errors: dict[str, str], status: int = 200,
          message: str | None = None, *, profile: dict[str, Any] | None = None,
          profile_errors: dict[str, str] | None = None, profile_message: str | None = None) -> Any:
    rt, who = runtime(), principal()
    options = [(c, n) for c, n in organisations.choices(rt, keep=values.get("parent"))
               if entry is None or c != entry.code]
    usage = organisations.usage_of(rt, who, entry.id) if entry is not None else None
    if entry is not None and profile is None:
        kept = issuers.profile_of(rt, who, entry.code)
        profile = {"symbol": kept.symbol or "", **(asdict(kept.header) if kept.header else {})}
    return render_template("admin_organisation.html", entry=entry, values=values, errors=errors, message=message,
                           parents=options, usage=usage, profile=profile or {}, profile_errors=profile_errors or {},
                           profile_message=profile_message, profile_labels=issuers.LABELS), status


@bp.route("/admin/organisations")
@login_required
def admin_organisations() -> Any:
    rt, who = runtime(), principal()
    organisations.require_manager(who)
    entries = organisations.list_organisations(rt, who)
    by_id = {e.id: e for e in entries}
    today = rt.today()
    rows = [(e, by_id.get(e.parent_id) if e.parent_id else None, organisations.status_of(e, today), _depth(e, by_id))
            for e in organisations.tree_order(entries)]
    return render_template("admin_organisations.html", rows=rows, statuses=organisations.STATUS_TITLES)


@bp.route("/admin/organisations.xlsx")
@login_required
def admin_organisations_xlsx() -> Any:
    content = organisations.workbook(runtime(), principal())
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="danh-muc-co-quan.xlsx"'})


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@login_required
def admin_new_organisation() -> Any:
    organisations.require_manager(principal())
    if request.method == "GET":
        return _form(None, {}, {})
    change, errors = _change()
    code = request.form.get("code", "")
    values = {"code": code, **_values(change)}
    try:
        if errors:
            raise InvalidInput("Thông tin cơ quan chưa hợp lệ.", fields=errors)
        entry = organisations.create_organisation(runtime(), principal(), code, change)
    except InvalidInput as error:
        return _form(None, values, {**error.fields, **errors}, 422, error.message)
    flash(f"Đã thêm «{entry.name}» vào danh mục cơ quan.", "ok")
    return redirect(url_for("web.admin_organisations"))


@bp.route("/admin/organisations/<id:organisation_id>", methods=["GET", "POST"])
@login_required
def admin_organisation(organisation_id: int) -> Any:
    rt, who = runtime(), principal()
    organisations.require_manager(who)
    entry = organisations.get_organisation(rt, who, organisation_id)
    if request.method == "GET":
        return _form(entry, {"name": entry.name, "parent": organisations.parent_code(rt, entry),
                             "valid_from": entry.valid_from, "valid_to": entry.valid_to}, {})
    change, errors = _change()
    try:
        if errors:
            raise InvalidInput("Thông tin cơ quan chưa hợp lệ.", fields=errors)
        entry = organisations.update_organisation(rt, who, organisation_id, change)
    except InvalidInput as error:
        return _form(entry, _values(change), {**error.fields, **errors}, 422, error.message)
    flash(f"Đã lưu «{entry.name}».", "ok")
    return redirect(url_for("web.admin_organisations"))


@bp.route("/admin/organisations/<id:organisation_id>/documents", methods=["POST"])
@login_required
def admin_organisation_documents(organisation_id: int) -> Any:
    """The body's abbreviation, document header and signer: what its papers need before it may issue any."""
    rt, who = runtime(), principal()
    organisations.require_manager(who)
    entry = organisations.get_organisation(rt, who, organisation_id)
    typed = {key: request.form.get(key, "") for key in ("symbol", *issuers.LABELS)}
    try:
        issuers.set_profile(rt, who, entry.code, typed["symbol"], typed)
    except InvalidInput as error:
        values = {"name": entry.name, "parent": organisations.parent_code(rt, entry), "valid_from": entry.valid_from,
                  "valid_to": entry.valid_to}
        return _form(entry, values, {}, 422, profile=typed, profile_errors=error.fields, profile_message=error.message)
    flash(f"Đã lưu thông tin văn bản của «{entry.name}».", "ok")
    return redirect(url_for("web.admin_organisation", organisation_id=organisation_id, _anchor="documents"))


@bp.route("/admin/organisations/<id:organisation_id>/delete", methods=["POST"])
@login_required
def admin_delete_organisation(organisation_id: int) -> Any:
    rt, who = runtime(), principal()
    organisations.require_manager(who)
    entry = organisations.get_organisation(rt, who, organisation_id)
    try:
        organisations.delete_organisation(rt, who, organisation_id)
    except Conflict as error:  # something refers to it: the page says what, and how to end it instead
        return _form(entry, {"name": entry.name, "parent": organisations.parent_code(rt, entry),
                             "valid_from": entry.valid_from, "valid_to": entry.valid_to}, {}, error.status,
                     error.message)
    flash(f"Đã xóa «{entry.name}» khỏi danh mục.", "ok")
    return redirect(url_for("web.admin_organisations"))


def _depth(entry: Organisation, by_id: dict[int, Organisation]) -> int:
    depth, seen = 0, {entry.id}
    while entry.parent_id in by_id and entry.parent_id not in seen:
        entry = by_id[entry.parent_id]
        seen.add(entry.id)
        depth += 1
    return depth


def _values(change: OrganisationChange) -> dict[str, Any]:
    return {"name": change.name, "parent": change.parent, "valid_from": change.valid_from,
            "valid_to": change.valid_to}
