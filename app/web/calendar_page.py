"""The calendar deadlines are counted with: days off, make-up working days, and where each comes from."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from app.services import calendar
from app.web.auth import login_required, runtime
from app.web.blueprint import bp
from app.web.params import ascii_int

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
KIND_LABELS = {"day_off": "Ngày nghỉ", "working_day": "Ngày làm việc"}


@bp.route("/calendar")
@login_required
def calendar_page() -> Any:
    this_year = runtime().today().year
    year = ascii_int(request.args.get("year"), maximum=calendar.LAST_YEAR) or this_year
    if year < calendar.FIRST_YEAR:
        year = this_year
    entries = calendar.year_entries(runtime(), year)
    return render_template("calendar.html", year=year, entries=entries, weekdays=WEEKDAYS, kinds=KIND_LABELS,
                           pending=sum(1 for e in entries if not e.verified),
                           first_year=calendar.FIRST_YEAR, last_year=calendar.LAST_YEAR)
