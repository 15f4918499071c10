"""Numbers read from query strings and forms: ASCII digits only, bounded, or the default.

``str.isdigit`` accepts ``²`` and ``٣`` (which ``int`` then refuses or reads), and an unbounded
page number overflows the database's offset; these helpers take neither.
"""

from __future__ import annotations

MAX_PAGE = 100_000


def ascii_int(value: str | None, *, maximum: int) -> int | None:
    """The number ``value`` spells in ASCII digits, if it is one and at most ``maximum``; else None."""
    if not value or len(value) > len(str(maximum)) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= maximum else None


def page_number(value: str | None) -> int:
    return max(ascii_int(value, maximum=MAX_PAGE) or 1, 1)
