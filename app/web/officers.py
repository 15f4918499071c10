"""Officers named on a page by their full name, never by their user name: one query per page at most."""

from __future__ import annotations

from collections.abc import Iterable

from flask import g

from app.services import tasks
from app.web.auth import runtime
from app.web.blueprint import bp


@bp.app_template_filter("officer")
def officer_name(username: str | None) -> str:
    """An officer's full name (the user name if there is no such user), looked up once per request."""
    if not username:
        return ""
    remember([username])
    return str(g.officer_names.get(username, username))


def remember(usernames: Iterable[str | None]) -> None:
    """Look up the names of a page's officers (e.g. the inbox's holders) in one query."""
    cache: dict[str, str] = g.setdefault("officer_names", {})
    wanted = sorted({u for u in usernames if u and u not in cache})
    if wanted:
        cache.update({u: u for u in wanted} | tasks.officer_names(runtime(), wanted))
