"""What a URL may carry: ids in the databases' integer range, task ids as UUIDs, names as plain keys.

Anything else does not match the route and is answered 404, on every backend alike — never a
500 from a number too big for PostgreSQL's integer (2³¹−1) or SQLite's (2⁶³−1), from a digit
that is not ASCII (``²``, ``٣``) or from a NUL byte reaching a query.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.routing import BaseConverter, IntegerConverter, Map

from app.text import has_control

MAX_ID = 2**31 - 1  # PostgreSQL's integer; every id column is one


class IdConverter(IntegerConverter):
    """A row id: 1 to 2³¹−1, ASCII digits only."""

    # exactly 1 to 2147483647, no leading zero: an id out of range matches no rule (404), never another
    # method's rule for the same path (Werkzeug would answer 405 when only the converter refused it)
    regex = (r"(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
             r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


class TaskIdConverter(BaseConverter):
    """A task id as the engine makes them: a lowercase UUID."""

    regex = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class KeyConverter(BaseConverter):
    """A process id or a message name: lowercase ASCII letters, digits and underscores."""

    regex = r"[a-z][a-z0-9_]{0,99}"


CONVERTERS: dict[str, type[BaseConverter]] = {"id": IdConverter, "task": TaskIdConverter, "key": KeyConverter}
SCHEMAS: dict[type[BaseConverter], dict[str, Any]] = {
    IdConverter: {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    TaskIdConverter: {"type": "string", "format": "uuid"},
    KeyConverter: {"type": "string", "pattern": KeyConverter.regex, "maxLength": 100},
}


def refuse_control_characters() -> None:
    """A path or query with a control character is refused before any view sees it (400)."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if any(has_control(value) for value in values):
        abort(400, description="Địa chỉ hoặc tham số chứa ký tự điều khiển không hợp lệ.")
