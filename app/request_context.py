"""The id of the HTTP request being served, readable by every layer without knowing Flask.

The surface (``app.ops``) sets it when a request starts and resets it when the request ends; the
audit trail (``app.persistence.audit``) copies it into the events the request writes, so an
officer's quoted «Mã yêu cầu» leads from the error page to the log line and to the event. A
contextvar, not a global: under gunicorn's threaded workers each request runs in its own thread
(and so in its own context); outside a request (the timer worker, the CLI) it is None.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # what an incoming X-Request-ID may be; anything else is replaced

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id() -> str | None:
    return _current.get()


def accept_or_generate(incoming: str | None) -> str:
    """The caller's id when it is a short, safe token (a proxy's or a client's), else a fresh one."""
    if incoming and SAFE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def begin(value: str | None) -> Token[str | None]:
    return _current.set(value)


def end(token: Token[str | None]) -> None:
    _current.reset(token)
