"""The officer's own account: open sessions and API tokens, each ended or revoked from here."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for

from app.errors import InvalidInput
from app.services import sessions
from app.web.auth import client, login_required, principal, runtime
from app.web.blueprint import bp
from app.web.params import ascii_int


def _page(issued: sessions.IssuedToken | None = None, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, status: int = 200) -> Any:
    rt, who = runtime(), principal()
    return render_template("account.html", sessions=sessions.list_sessions(rt, who),
                           tokens=sessions.list_tokens(rt, who), issued=issued, errors=errors or {},
                           values=values or {}, now=rt.now(), longest=rt.security.token_days,
                           current=sessions.session_id(rt, session.get("sid"))), status


@bp.route("/account")
@login_required
def account() -> Any:
    return _page()


@bp.route("/account/tokens", methods=["POST"])
@login_required
def account_new_token() -> Any:
    name, days = request.form.get("name", ""), request.form.get("days", "")
    try:
        issued = sessions.issue_token(runtime(), principal(), name, ascii_int(days, maximum=9999) or -1, client())
    except InvalidInput as error:
        return _page(errors=error.fields, values={"name": name, "days": days}, status=400)
    return _page(issued=issued)


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@login_required
def account_revoke_token(token_id: int) -> Any:
    token = sessions.revoke_token(runtime(), principal(), token_id)
    flash(f"Đã thu hồi mã truy cập «{token.name}».", "ok")
    if token.user_id != principal().user_id:  # the admin, from the user's page
        return redirect(url_for("web.admin_user", user_id=token.user_id))
    return redirect(url_for("web.account"))


@bp.route("/account/sessions/<id:session_id>/end", methods=["POST"])
@login_required
def account_end_session(session_id: int) -> Any:
    owner = sessions.end_session(runtime(), principal(), session_id)
    flash("Đã kết thúc phiên đăng nhập.", "ok")
    if owner != principal().user_id:
        return redirect(url_for("web.admin_user", user_id=owner))
    return redirect(url_for("web.account"))
