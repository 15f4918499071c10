"""The auditor's page of every case one officer opened (the per-case list is on the case page)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from app.errors import InvalidInput
from app.services import reads
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp
from app.web.params import page_number


@bp.route("/audit/accesses")
@login_required
def user_accesses() -> Any:
    """Restricted like the API (auditor, admin), and not itself a read of any case."""
    user = (request.args.get("user") or "").strip()
    if len(user) > 64:
        raise InvalidInput("Tên đăng nhập dài quá 64 ký tự.")
    # asked even without a name, so a role without the right is refused here as on the API
    readers = reads.user_accesses(runtime(), principal(), user, page_number(request.args.get("page")))
    pages = max(1, -(-readers.total // readers.per_page))
    return render_template("user_accesses.html", readers=readers, user=user, pages=pages, by_case=True)
