"""Internal notes on a case, written from the case page (the service keeps them out of the case's data)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from app.errors import InvalidInput
from app.services import notes
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp
from app.web.cases import case_page


@bp.route("/cases/<id:instance_id>/notes", methods=["POST"])
@login_required
def add_note(instance_id: int) -> Any:
    typed = request.form.get("text", "")
    try:
        notes.add_note(runtime(), principal(), instance_id, typed)
    except InvalidInput as error:  # the page again, the text kept and the reason beside the field
        return case_page(instance_id, 400, note_text=typed, note_error=error.fields.get("text", error.message))
    flash("Đã thêm ghi chú nội bộ vào hồ sơ.", "ok")
    return redirect(url_for("web.case", instance_id=instance_id, _anchor="notes"))
