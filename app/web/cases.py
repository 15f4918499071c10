"""A new case (reception), the case page, its diagram, attachments and letters (e.g. a withdrawal)."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from app.errors import DuplicatePetition, EngineError, FormValidationError, InvalidInput
from app.services import access, attachments, case_export, casefile, cases, duplicates, reads
from app.services.access import Right
from app.text import content_disposition
from app.web import forms
from app.web.auth import login_required, logs_read, principal, runtime
from app.web.blueprint import bp
from app.web.filters import startable_processes
from app.web.params import page_number
from app.web.views import PER_PAGE, case_home, uploads


def _form_page(template: str, spec: cases.FormSpec, values: Any, errors: dict[str, str], status: int = 200,
               message: str | None = None, **context: Any) -> Any:
    root = forms.build(spec.schema, spec.ui_schema, values, errors)
    return render_template(template, spec=spec, form=root, errors=errors, error_list=forms.error_list(root, errors),
                           message=message, **context), status


@bp.route("/cases/new")
@login_required
def new_case_choice() -> Any:
    found = cases.receivable(runtime(), principal())
    if len(found) == 1:
        return redirect(url_for("web.new_case", process_id=found[0][0]))
    return render_template("case_choose.html", processes=found, plans=startable_processes())


@bp.route("/cases/new/<key:process_id>", methods=["GET", "POST"])
@login_required
def new_case(process_id: str) -> Any:
    rt, who = runtime(), principal()
    spec = cases.start_form(rt, who, process_id)
    if request.method == "GET":
        return _form_page("case_new.html", spec, None, {}, process_id=process_id)
    data = forms.parse(spec.schema, spec.ui_schema, request.form)
    files = uploads()
    try:
        change = cases.start_case(rt, who, process_id, data, files=files,
                                  confirm_duplicate=request.form.get("_confirm_duplicate") == "1")
    except DuplicatePetition as error:  # the officer sees the case(s) and may still go on (a confirm button)
        note = " Nếu vẫn tiếp nhận, các tệp đính kèm cần chọn lại." if files else ""
        return _form_page("case_new.html", spec, data, {}, 409, None, process_id=process_id,
                          duplicates=error.details, duplicate_message=error.message + note)
    except InvalidInput as error:
        note = " Các tệp đính kèm cần chọn lại." if files else ""
        status = 422 if isinstance(error, FormValidationError) else 400
        return _form_page("case_new.html", spec, data, error.fields, status, error.message + note, process_id=process_id)
    except EngineError as error:  # the diagram could not start: say so in Vietnamese, keep what was typed
        note = " Các tệp đính kèm cần chọn lại." if files else ""
        return _form_page("case_new.html", spec, data, {}, 422, error.message + note, process_id=process_id)
    flash(f"Đã tạo hồ sơ {change.instance.case_number}.", "ok")
    return redirect(case_home(process_id, change.instance.id))



@bp.app_template_filter("duplicate_kind")
def duplicate_kind(kind: str) -> str:
    """How a petition matched a case already registered, in Vietnamese."""
    return duplicates.KINDS.get(kind, "thông tin người khiếu nại")


@bp.route("/cases/<id:instance_id>")
@login_required
@logs_read("case", "instance_id")
def case(instance_id: int) -> Any:
    return case_page(instance_id)


def case_page(instance_id: int, status: int = 200, **context: Any) -> Any:
    """The case page (also shown again, with what was typed, when a note on it is refused)."""
    rt, who = runtime(), principal()
    file = casefile.open_case(rt, who, instance_id)
    # who opened the file, for auditors (read after the case itself, so a refused case shows nothing of it)
    readers = reads.case_accesses(rt, who, instance_id) if access.can(who, Right.READ_ACCESS_LOG) else None
    return render_template("case.html", file=file, case=file.view.instance, view=file.view, titles=file.titles,
                           readers=readers, **context), status


@bp.route("/cases/<id:instance_id>/diagram.bpmn")
@login_required
@logs_read("diagram", "instance_id")
def diagram(instance_id: int) -> Any:
    xml = casefile.diagram_xml(runtime(), principal(), instance_id)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/cases/<id:instance_id>/attachments", methods=["POST"])
@login_required
def upload(instance_id: int) -> Any:
    stored = attachments.add_attachments(runtime(), principal(), instance_id, uploads())  # 400 page if no file
    flash(f"Đã thêm {len(stored)} tài liệu vào hồ sơ.", "ok")
    return redirect(url_for("web.case", instance_id=instance_id, _anchor="attachments"))


@bp.route("/cases/<id:instance_id>/export.zip", methods=["POST"])
@login_required
def export(instance_id: int) -> Any:
    """A POST: the export appends an event to the case (a GET must change nothing)."""
    found = case_export.export_case(runtime(), principal(), instance_id)
    response = Response(found.content, mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(found.filename)
    return response


@bp.route("/attachments/<id:attachment_id>")
@login_required
@logs_read("attachment", "attachment_id")
def download(attachment_id: int) -> Any:
    found = attachments.download(runtime(), principal(), attachment_id)
    response = Response(found.content, mimetype=found.content_type)
    response.headers["Content-Disposition"] = content_disposition(found.filename)
    return response


@bp.route("/cases/<id:instance_id>/messages/<key:name>", methods=["GET", "POST"])
@login_required
def message(instance_id: int, name: str) -> Any:
    rt, who = runtime(), principal()
    spec = cases.message_form(rt, who, instance_id, name)
    back = case_home(spec.process_id, instance_id)
    context: dict[str, Any] = {"instance_id": instance_id, "name": name, "back": back}
    if request.method == "GET":
        return _form_page("message.html", spec, None, {}, **context)
    payload = forms.parse(spec.schema, spec.ui_schema, request.form)
    try:
        change = cases.deliver_message(rt, who, instance_id, name, payload)
    except InvalidInput as error:
        status = 422 if isinstance(error, FormValidationError) else 400
        return _form_page("message.html", spec, payload, error.fields, status, error.message, **context)
    except EngineError as error:
        return _form_page("message.html", spec, payload, {}, 422, error.message, **context)
    flash(f"Đã ghi nhận «{spec.title}» cho hồ sơ {change.instance.case_number}.", "ok")
    return redirect(back)


@bp.route("/cases")
@login_required
def case_list() -> Any:
    page = casefile.search_cases(runtime(), principal(), q=request.args.get("q"), status=request.args.get("status"),
                                 page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render_template("case_list.html", page=page, pages=max(1, -(-page.total // PER_PAGE)),
                           q=request.args.get("q", ""), status=request.args.get("status", ""),
                           outcomes=casefile.outcome_labels(runtime()))
