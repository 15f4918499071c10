"""The one place a surface records that a case was read: a decorator under ``login_required``.

It runs the view first and records only when the view answered (not 4xx/5xx): a refused read,
a case of another organisation or one that does not exist writes nothing. One view is one read,
however many services it asked, so a page counts once. Lists and searches are not decorated.
The address is ``request.remote_addr``, which ``app.ratelimit`` makes the client's own behind
``TRUSTED_PROXY_COUNT`` proxies.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request

from app.services import reads
from app.services.principal import Principal

View = Callable[..., Any]


def _status(result: Any) -> int:
    if isinstance(result, tuple) and len(result) > 1 and isinstance(result[1], int):
        return result[1]
    return int(getattr(result, "status_code", 200))


def read_logger(who: Callable[[], Principal]) -> Callable[[str, str], Callable[[View], View]]:
    """A surface's ``logs_read(kind, arg)``: ``arg`` names the view argument holding the case, document, file or step."""

    def logs_read(kind: str, arg: str) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            @wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                result = view(*args, **kwargs)
                if _status(result) < 400:
                    reads.record(current_app.extensions["runtime"], who(), kind, kwargs[arg],
                                 request.remote_addr or "")
                return result

            return wrapper

        return decorate

    return logs_read
