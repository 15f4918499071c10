"""Numbers read from query strings and forms: ASCII digits only, bounded, or the default.

``str.isdigit`` accepts ``²`` and ``٣`` (which ``int`` then refuses or reads), and an unbounded
page number overflows the database's offset; these helpers take neither.
"""

from __future__ import annotations

from app.errors import InvalidInput

MAX_PAGE = 100_000


def ascii_int(value: str | None, *, maximum: int) -> int | None:
    """The number ``value`` spells in ASCII digits, if it is one and at most ``maximum``; else None."""
    if not value or len(value) > len(str(maximum)) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= maximum else None


def page_number(value: str | None) -> int:
    """The page asked for (1 when none is): a number the API would refuse is refused here too (400), never page 1."""
    if not value:
        return 1
    number = ascii_int(value, maximum=MAX_PAGE)
    if number is None or number < 1:
        raise InvalidInput(f"Số trang không hợp lệ: hãy dùng một số từ 1 đến {MAX_PAGE:,}, viết bằng chữ số."
                           .replace(",", "."), fields={"page": "Số trang phải là số nguyên từ 1."})
    return number
