"""One JSON object per line on stderr, each carrying the id of the request it belongs to.

python-json-logger turns a record and its ``extra`` fields into JSON; ``RequestIdFilter`` adds the
current request's id (``app.request_context``) to every record, so an error logged deep in a
service is found with the id an officer read on the error page. ``configure`` owns the root
logger's stream handler: it replaces a plain one (gunicorn's, Flask's) and its own earlier one, and
leaves any other handler (pytest's capture) alone. ``gunicorn.conf.py`` uses the same formatter
for gunicorn's own lines.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from app.request_context import request_id

FORMAT = "%(levelname)s %(name)s %(message)s"
RENAMED = {"levelname": "level", "name": "logger"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


def formatter() -> JsonFormatter:
    return JsonFormatter(FORMAT, rename_fields=RENAMED, timestamp="time", json_ensure_ascii=False)  # ISO 8601, UTC


class JsonStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """The application's handler: JSON lines on the stderr of the moment (pytest swaps it per test)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(formatter())
        self.addFilter(RequestIdFilter())


OURS = ("app", "khieunai")  # the application's loggers (modules' ``app.*``, Flask's ``app``, the request line)


def configure(level: str) -> None:
    """``level`` for the application's own loggers; other libraries speak from WARNING up.

    SpiffWorkflow logs every task's change of state at INFO: dozens of lines per step, and their cost.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, JsonStderr) or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    root.addHandler(JsonStderr())
    root.setLevel(logging.WARNING)
    for name in OURS:
        logging.getLogger(name).setLevel(level.upper())
