"""The inbox, a task's form, and the dashboard."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from app.errors import EngineError, FormValidationError, InvalidInput
from app.routing import MAX_ID
from app.services import attachments, casefile, cases, dashboard, drafts, tasks
from app.services.tasks import INBOX_SCOPES, INBOX_STATUSES
from app.text import content_disposition
from app.web import forms, officers
from app.web.auth import login_required, logs_read, principal, runtime, safe_next
from app.web.blueprint import bp
from app.web.params import ascii_int, page_number
from app.web.work import task_page

PER_PAGE = 25
SCOPE_LABELS = {"roles": "Việc của vai trò", "mine": "Việc của tôi", "unassigned": "Chưa ai nhận"}
STATUS_LABELS = {"overdue": "Quá hạn", "due_soon": "Sắp đến hạn (≤ 3 ngày)", "on_time": "Còn hạn"}


def uploads() -> list[attachments.Upload]:
    """Files posted with a form (input ``_files``), read whole: the size is capped by MAX_CONTENT_LENGTH."""
    return [attachments.Upload(f.filename or "", f.read()) for f in request.files.getlist("_files") if f.filename]


def case_home(process_id: str | None, instance_id: int) -> str:
    """Where a case is looked after: its procedure's own page (a reception plan's dashboard), else the case page."""
    procedure = runtime().procedures.get(process_id) if process_id else None
    if procedure is not None and procedure.home is not None:
        values: dict[str, Any] = {procedure.home.param: instance_id}
        return url_for(procedure.home.endpoint, **values)
    return url_for("web.case", instance_id=instance_id)


@bp.route("/")
def index() -> Any:
    return redirect(url_for("web.inbox"))


@bp.route("/inbox")
@login_required
def inbox() -> Any:
    args = request.args
    scope = args.get("scope") or "roles"
    scope = scope if scope in INBOX_SCOPES else "roles"
    status = args.get("status") if args.get("status") in INBOX_STATUSES else None
    page = tasks.inbox(runtime(), principal(), scope=scope, q=args.get("q"), step=args.get("step"),
                              status=status, page=page_number(args.get("page")), per_page=PER_PAGE)
    pages = max(1, -(-page.total // PER_PAGE))
    officers.remember(t.assignee for t in page.items)
    return render_template("inbox.html", page=page, pages=pages, scope=scope, status=status, q=args.get("q", ""),
                           step=args.get("step", ""), steps=tasks.inbox_steps(runtime(), principal()),
                           scopes=SCOPE_LABELS, statuses=STATUS_LABELS)


@bp.route("/tasks/<task:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: str) -> Any:
    row = tasks.claim_task(runtime(), principal(), task_id)
    flash(f"Bạn đã nhận việc «{row.name}».", "ok")
    return redirect(safe_next(request.form.get("next")))


@bp.route("/tasks/<task:task_id>/release", methods=["POST"])
@login_required
def release(task_id: str) -> Any:
    row = tasks.release_task(runtime(), principal(), task_id)
    flash(f"Đã trả việc «{row.name}» về cho vai trò.", "ok")
    return redirect(safe_next(request.form.get("next")))


@bp.route("/tasks/<task:task_id>", methods=["GET"])
@login_required
@logs_read("task", "task_id")
def task(task_id: str) -> Any:
    rt, who = runtime(), principal()
    view = tasks.get_task(rt, who, task_id)
    draft = drafts.get_draft(rt, who, task_id)
    if draft is None:
        return task_page(view, view.data, {})
    if draft.fields is not None:
        return task_page(view, None, {}, posted=draft.fields, draft=draft)
    return task_page(view, draft.data, {}, draft=draft)


@bp.route("/tasks/<task:task_id>", methods=["POST"])
@login_required
def complete(task_id: str) -> Any:
    rt, who = runtime(), principal()
    view = tasks.get_task(rt, who, task_id)
    data = forms.parse(view.schema, view.ui_schema, request.form)
    files = uploads()
    version = request.form.get("_version", "")
    try:
        change = tasks.complete_task(rt, who, task_id, data, ascii_int(version, maximum=MAX_ID), files=files)
    except FormValidationError as error:
        note = " Các tệp đính kèm cần chọn lại." if files else ""
        return task_page(view, data, error.fields, 422, error.message + note)
    except InvalidInput as error:
        return task_page(view, data, error.fields, 400, error.message)
    except EngineError as error:  # the diagram could not go on: say so in Vietnamese, keep what was typed
        note = " Các tệp đính kèm cần chọn lại." if files else ""
        return task_page(view, data, {}, 422, error.message + note)
    flash(f"Đã hoàn thành bước «{view.task.name}» của hồ sơ {change.instance.case_number}.", "ok")
    if not cases.may_read(rt, who, change.instance.id):  # e.g. a unit's head who did the unit's step of a plan
        return redirect(url_for("web.inbox"))
    return redirect(case_home(change.instance.process_id, change.instance.id))


@bp.route("/tasks/<task:task_id>/preview/<key:kind>", methods=["POST"])
@login_required
@logs_read("preview", "task_id")
def preview_document(task_id: str, kind: str) -> Any:
    """The paper built from what is typed on the task page, shown before the step is completed (nothing kept)."""
    rt, who = runtime(), principal()
    view = tasks.get_task(rt, who, task_id)
    data = forms.parse(view.schema, view.ui_schema, request.form)
    shown = tasks.preview_document(rt, who, task_id, data, kind)
    response = Response(shown.content, mimetype=shown.content_type)
    response.headers["Content-Disposition"] = content_disposition(shown.filename).replace("attachment", "inline", 1)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/dashboard")
@login_required
def dashboard_page() -> Any:
    return render_template("dashboard.html", board=dashboard.summary(runtime(), principal()),
                           outcomes=casefile.outcome_labels(runtime()))
