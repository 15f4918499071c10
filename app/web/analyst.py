"""The analyst's pages: deployed processes and versions, a version opened in the bpmn-js Modeler, lint, deploy.

The modeler, the form editors and the live preview run in the browser (``static/analyst.js``); what they
send comes back here and goes through the same services as the API (``deploy.lint_edits``,
``deploy.deploy_edits``), so a page never lets through what ``POST /api/processes/{id}/deployments``
would refuse. Lint and deploy answer JSON to the page's script (a problem list it marks on the canvas);
the form preview answers an HTML fragment drawn by the officers' own renderer, so what the analyst sees is
what an officer will get.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, jsonify, render_template, request, url_for

from app.errors import AppError, InvalidInput
from app.request_context import request_id
from app.routing import MAX_ID
from app.services import deploy, migration, versions
from app.web import forms
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp
from app.web.params import ascii_int

SCHEMA_SUFFIX, UI_SUFFIX = ".schema.json", ".uischema.json"
FILE_FIELD = "file:"  # a posted field ``file:<path>`` carries that file's text


@bp.route("/analyst")
@login_required
def analyst_processes() -> Any:
    return render_template("analyst_list.html", processes=versions.overview(runtime(), principal()))


@bp.route("/analyst/<key:process_id>/<id:version>")
@login_required
def analyst_version(process_id: str, version: int) -> Any:
    opened = versions.open_version(runtime(), principal(), process_id, version)
    main = f"processes/{process_id}/{process_id}.bpmn"
    diagram = main if main in opened.files else next((p for p in sorted(opened.files) if p.endswith(".bpmn")), None)
    older = [v for v in opened.versions if v.version != version and v.running]
    return render_template("analyst_version.html", opened=opened, diagram=diagram, editors=_editors(opened.files),
                           older=older, latest=opened.versions[-1].version)


@bp.route("/analyst/<key:process_id>/<id:version>/lint", methods=["POST"])
@login_required
def analyst_lint(process_id: str, version: int) -> Any:
    try:
        problems = deploy.lint_edits(runtime(), principal(), process_id, version, _posted_files())
    except AppError as error:
        return _refusal(error)
    return jsonify({"problems": [p.as_dict() for p in problems]})


@bp.route("/analyst/<key:process_id>/<id:version>/deploy", methods=["POST"])
@login_required
def analyst_deploy(process_id: str, version: int) -> Any:
    try:
        result = deploy.deploy_edits(runtime(), principal(), process_id, version, _posted_files())
    except AppError as error:
        return _refusal(error)
    if result.created:
        flash(f"Đã triển khai phiên bản {result.version}. Hồ sơ mới sẽ chạy trên phiên bản này.", "ok")
    else:
        flash(f"Nội dung không đổi so với phiên bản {result.version} đã triển khai; không tạo phiên bản mới.", "info")
    return jsonify({"version": result.version, "created": result.created,
                    "url": url_for("web.analyst_version", process_id=process_id, version=result.version)})


@bp.route("/analyst/form-preview", methods=["POST"])
@login_required
def analyst_form_preview() -> Any:
    """The edited form drawn as an officer would see it, or why it cannot be drawn (422)."""
    try:
        schema, ui = deploy.form_for_preview(principal(), request.form.get("schema", ""),
                                             request.form.get("ui_schema", ""))
    except AppError as error:
        return _fragment(error.status, message=error.message)
    try:
        form = forms.build(schema, ui, {}, {})
    except (TypeError, ValueError, AttributeError):  # a UI schema entry of the wrong kind (a text where {} goes)
        return _fragment(422, message="Giao diện biểu mẫu (UI schema) có mục sai kiểu: mỗi trường là một đối tượng "
                                      "{…}, «ui:order» là danh sách tên trường, «ui:options» là một đối tượng.")
    return _fragment(200, form=form)


def _fragment(status: int, **context: Any) -> Any:
    """The preview's HTML fragment, marked so the script tells it from a whole error page (413, CSRF)."""
    return render_template("analyst_form_preview.html", **context), status, {"X-Form-Preview": "1"}


@bp.route("/analyst/<key:process_id>/migration")
@login_required
def analyst_migration(process_id: str) -> Any:
    """What moving one version's running cases to another would do; nothing changes until the analyst confirms."""
    to_version, from_version = _version(request.args.get("to")), _version(request.args.get("from"))
    shown = migration.preview(runtime(), principal(), process_id, to_version, from_version=from_version)
    return render_template("analyst_migration.html", process_id=process_id, to_version=to_version,
                           from_version=from_version, preview=shown, result=None)


@bp.route("/analyst/<key:process_id>/migration", methods=["POST"])
@login_required
def analyst_migrate(process_id: str) -> Any:
    """Move the cases the preview showed movable; each is tried again, so one changed meanwhile stays put."""
    ids = request.form.getlist("instance_ids")[: migration.MAX_CASES + 1]
    chosen = [ascii_int(i, maximum=MAX_ID) for i in ids]
    if not chosen or any(i is None for i in chosen):
        raise InvalidInput("Danh sách hồ sơ cần chuyển không hợp lệ; hãy xem trước lại.")
    to_version = _version(request.form.get("to_version"))
    done = migration.migrate(runtime(), principal(), process_id, to_version, instance_ids=[i for i in chosen if i])
    return render_template("analyst_migration.html", process_id=process_id, to_version=to_version,
                           from_version=None, preview=None, result=done)


def _version(text: str | None) -> int:
    number = ascii_int(text, maximum=MAX_ID)
    if not number:
        raise InvalidInput("Số phiên bản phải là số nguyên dương viết bằng chữ số 0–9.")
    return number


def _editors(files: dict[str, str]) -> list[dict[str, str]]:
    """One editor per form: its schema, its UI schema (empty when it has none) and its title to find it by."""
    editors = []
    for path in sorted(p for p in files if p.startswith("forms/") and p.endswith(SCHEMA_SUFFIX)):
        ui_path = path.removesuffix(SCHEMA_SUFFIX) + UI_SUFFIX
        editors.append({"path": path, "text": files[path], "ui_path": ui_path, "ui_text": files.get(ui_path, ""),
                        "step": path.rsplit("/", 1)[-1].removesuffix(SCHEMA_SUFFIX), "title": _title(files[path])})
    return editors


def _title(text: str) -> str:
    try:
        schema = json.loads(text)
    except (ValueError, RecursionError):
        return ""
    return str(schema.get("title") or "") if isinstance(schema, dict) else ""


def _posted_files() -> dict[str, str]:
    return {key[len(FILE_FIELD):]: value.replace("\r\n", "\n") for key, value in request.form.items()
            if key.startswith(FILE_FIELD)}


def _refusal(error: AppError) -> Any:
    """A refusal as the page's script reads it: the message and, for a diagram, every problem to mark."""
    body = {"error": error.code, "message": error.message, "problems": error.details.get("problems", []),
            "request_id": request_id()}
    return jsonify(body), error.status
