"""Jinja filters and globals: dates as Vietnamese officers write them, days left, role names."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Flask, g

from app.clock import VIETNAM
from app.roles import ROLES
from app.services import access, cases, organisations
from app.services.procedures import NavLink, Procedure
from app.web.auth import current_principal, runtime

STATUS_LABELS = {"running": "Đang giải quyết", "completed": "Đã kết thúc"}


def vn_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(VIETNAM).strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


def vn_datetime(value: Any) -> str:
    if isinstance(value, str) and len(value) > 10:  # an ISO moment from form data, e.g. a call's time
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return (value.astimezone(VIETNAM) if value.tzinfo else value).strftime("%d/%m/%Y %H:%M")
    return vn_date(value)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([+-][0-9]{2}:[0-9]{2}|Z)?")


def vn_text(value: Any) -> str:
    """A stored text as officers read it: an ISO date or moment in the Vietnamese order, anything else as is."""
    text = "" if value is None else str(value)
    if _ISO_DATE.fullmatch(text):
        return vn_date(text)
    if _ISO_MOMENT.fullmatch(text):
        return vn_datetime(text)
    return text


def days_left(due: date | None) -> int | None:
    return (due - runtime().today()).days if isinstance(due, date) else None


def due_text(due: date | None) -> str:
    left = days_left(due)
    if left is None:
        return "Không có hạn"
    if left < 0:
        return f"Quá hạn {-left} ngày"
    return "Hạn cuối hôm nay" if left == 0 else f"Còn {left} ngày"


def due_class(due: date | None) -> str:
    left = days_left(due)
    if left is None:
        return "due-none"
    return "due-over" if left < 0 else "due-soon" if left <= 3 else "due-ok"


def org_name(code: str | None) -> str:
    """An organisation as officers read it: its catalogue name, never its code (the catalogue is read once a page)."""
    names: dict[str, str] | None = g.get("organisation_names")
    if names is None:
        names = g.organisation_names = organisations.names(runtime())
    return organisations.display_name(names, code)


def may(right: str) -> bool:
    """Whether the signed-in officer holds a right of the access policy (to show or hide a link)."""
    who = current_principal()
    return who is not None and access.can(who, access.Right(right))


def procedure_links() -> list[NavLink]:
    """The navigation entries the procedures add that the signed-in officer may follow."""
    who = current_principal()
    if who is None:
        return []
    links = [p.nav for p in runtime().procedures.all() if p.nav is not None]
    return [link for link in links if link.visible(runtime(), who)]


def procedure(process_id: str | None) -> Procedure | None:
    """The procedure of a process, for a page that shows what it adds (a home link, a start note)."""
    return runtime().procedures.get(process_id) if process_id else None


def startable_processes() -> list[tuple[str, str]]:
    """The processes the signed-in officer may start (the navigation's «Tiếp nhận đơn»)."""
    who = current_principal()
    return cases.startable(runtime(), who) if who is not None else []


def reception_processes() -> list[tuple[str, str]]:
    """The petitions the signed-in officer may register (the navigation's «Tiếp nhận đơn»)."""
    who = current_principal()
    return cases.receivable(runtime(), who) if who is not None else []


def register(app: Flask) -> None:
    app.add_template_filter(vn_date, "vn_date")
    app.add_template_filter(vn_datetime, "vn_datetime")
    app.add_template_filter(due_text, "due_text")
    app.add_template_filter(due_class, "due_class")
    app.add_template_filter(org_name, "org_name")
    app.add_template_filter(vn_text, "vn_text")
    app.jinja_env.globals.update(ROLES=ROLES, STATUS_LABELS=STATUS_LABELS)
    app.add_template_global(may, "may")
    app.add_template_global(procedure_links, "procedure_links")
    app.add_template_global(procedure, "procedure")
    app.add_template_global(current_principal, "current_principal")
    app.add_template_global(startable_processes, "startable_processes")
    app.add_template_global(reception_processes, "reception_processes")
