"""The auditor's integrity page: the last check of every chain, a case checked now, a full check queued."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.services import integrity_runs
from app.web.auth import login_required, principal, runtime
from app.web.blueprint import bp

STATUSES = {"queued": "Đang chờ", "running": "Đang chạy", "done": "Đã xong", "failed": "Không chạy hết"}
SCOPES = {"all": "Toàn bộ hồ sơ và nhật ký", "case": "Một hồ sơ"}
REQUESTERS = {"cli": "Dòng lệnh (flask audit verify)"}


@bp.route("/audit/integrity")
@login_required
def integrity_page() -> Any:
    found = integrity_runs.overview(runtime(), principal())
    shown = request.args.get("run", type=int)
    run = integrity_runs.get_run(runtime(), principal(), shown) if shown else found.last_full
    return render_template("integrity.html", overview=found, run=run,
                           problems=integrity_runs.problems_of(run) if run else [], statuses=STATUSES,
                           scopes=SCOPES, requesters=REQUESTERS)


@bp.route("/audit/integrity/case", methods=["POST"])
@login_required
def integrity_case() -> Any:
    case = request.form.get("case", "").strip()
    run = integrity_runs.check_case_now(runtime(), principal(), int(case) if case.isascii() and case.isdecimal() else case)
    flash(f"Đã kiểm tra hồ sơ {run.label}: " + ("nguyên vẹn." if run.ok else f"{run.problem_count} điểm không khớp."),
          "ok" if run.ok else "error")
    return redirect(url_for("web.integrity_page", run=run.id))


@bp.route("/audit/integrity/all", methods=["POST"])
@login_required
def integrity_all() -> Any:
    run = integrity_runs.queue_full_check(runtime(), principal())
    flash("Đã xếp lượt kiểm tra toàn bộ cho tiến trình chạy nền." if run.status == "queued" and run.requested_by ==
          principal().username else "Đã có một lượt kiểm tra toàn bộ đang chờ hoặc đang chạy.", "ok")
    return redirect(url_for("web.integrity_page"))
