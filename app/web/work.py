"""Who works on a step, from its page: assign it to a named officer, take it back, keep a draft («Để sau»)."""

from __future__ import annotations

import copy
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from app.errors import FormValidationError, InvalidInput
from app.services import casefile, drafts, tasks
from app.services.assignment import Officer
from app.web import forms
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp
from app.web.officers import officer_name

NOT_DRAFTED = frozenset({"csrf_token", "_version", "_files", "next"})  # what a draft does not keep of a post


def task_page(view: tasks.TaskView, values: Any, errors: dict[str, str], status: int = 200,
              message: str | None = None, *, posted: list[tuple[str, str]] | None = None,
              draft: drafts.Draft | None = None) -> Any:
    """The step's form with its values (or what was posted, or a draft), the case facts, and who works on it."""
    if posted is not None:
        values = forms.parse(view.schema, view.ui_schema, MultiDict(posted))
    schema = with_officer_choices(view.schema, view.officer_choices or {}, values)
    root = forms.build(schema, view.ui_schema, values, errors)
    rt = runtime()
    return render_template(
        "task.html", view=view, task=view.task, case=view.task.instance, form=root, errors=errors,
        error_list=forms.error_list(root, errors), message=message, read_only=not view.may_complete,
        deadlines=casefile.deadline_rows(view.data, rt.today(), rt.procedures.labels("deadline_labels")),
        data=view.data, draft=draft,
    ), status


def with_officer_choices(schema: dict[str, Any], choices: dict[str, list[Officer]], values: Any) -> dict[str, Any]:
    """The schema to draw, where a field naming an officer offers the officers by name (the value is the user name).

    Only the page's widget changes: the task's own schema, unchanged, validates what is posted. A value
    already there that names nobody on the list (a name typed before) stays offered, as it is.
    """
    if not choices:
        return schema
    drawn = copy.deepcopy(schema)
    for path, officers_ in choices.items():
        node: Any = drawn
        current: Any = values
        for key in path.split("."):
            node = (node.get("properties") or {}).get(key) if isinstance(node, dict) else None
            current = current.get(key) if isinstance(current, dict) else None
        if not isinstance(node, dict):
            continue
        options = [{"const": o.username, "title": o.full_name} for o in officers_]
        if isinstance(current, str) and current and current not in {o.username for o in officers_}:
            options.append({"const": current, "title": current})
        if options:
            node["oneOf"] = options
    return drawn


@bp.route("/tasks/<task:task_id>/assign", methods=["POST"])
@login_required
def assign(task_id: str) -> Any:
    rt, who = runtime(), principal()
    try:
        row = tasks.assign_task(rt, who, task_id, request.form.get("assignee", "").strip())
    except FormValidationError as error:  # nobody who may take the step: the page again, with why
        view = tasks.get_task(rt, who, task_id)
        return task_page(view, view.data, {}, 422, error.fields.get("assignee", error.message))
    flash(f"Đã giao «{row.name}» cho {officer_name(row.assignee)}.", "ok")
    return redirect(url_for("web.task", task_id=task_id))


@bp.route("/tasks/<task:task_id>/draft", methods=["POST"])
@login_required
def save_draft(task_id: str) -> Any:
    """«Để sau»: keep what was typed (files aside) and go back to the inbox."""
    pairs = [(name, value) for name, value in request.form.items(multi=True) if name not in NOT_DRAFTED]
    try:
        draft = drafts.save_draft(runtime(), principal(), task_id, fields=pairs)
    except InvalidInput as error:
        return task_page(tasks.get_task(runtime(), principal(), task_id), None, error.fields, 400, error.message,
                         posted=pairs)
    files = " Tệp đính kèm không được lưu trong bản nháp; hãy chọn lại khi hoàn thành." if request.files.get("_files") \
        and request.files["_files"].filename else ""
    flash(f"Đã lưu nháp ({draft.size // 1024 or 1} kB). Lần sau mở bước này, nội dung đã nhập sẽ được khôi phục.{files}",
          "ok")
    return redirect(url_for("web.inbox"))


@bp.route("/tasks/<task:task_id>/draft/discard", methods=["POST"])
@login_required
def discard_draft(task_id: str) -> Any:
    if drafts.discard_draft(runtime(), principal(), task_id):
        flash("Đã bỏ bản nháp; biểu mẫu hiển thị dữ liệu hiện tại của hồ sơ.", "ok")
    return redirect(url_for("web.task", task_id=task_id))
