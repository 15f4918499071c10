"""Plain-text rules shared by every layer: which characters no field, and no file name, may hold.

A control character in a field is refused, never dropped: C0 (all but tab, line feed and carriage
return, which free text keeps), DEL, C1 (U+0080–U+009F) and the bidirectional controls that can make a
text display other than it reads (U+202E turns ``exe.pdf`` into ``fdp.exe``). A lone surrogate
(``"\\udfff"`` in a JSON string) is no character at all: it cannot be encoded to UTF-8, so it would
fail when the audit trail signs the data. File names are stricter still (no tab, no line break,
no line or paragraph separator), because they end up in an HTTP header.
"""

from __future__ import annotations

import re
from urllib.parse import quote

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
CONTROL = frozenset(
    [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0))] + list(BIDI)
)
NOT_IN_FILE_NAMES = CONTROL | frozenset("\t\n\r\u2028\u2029")
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_control(text: str) -> bool:
    """Whether text holds a control character other than tab and line breaks (a NUL byte above all)."""
    return not CONTROL.isdisjoint(text)


def has_surrogate(text: str) -> bool:
    """Whether text holds half of a UTF-16 surrogate pair, which no UTF-8 text can carry."""
    return _SURROGATE.search(text) is not None


def unfit(text: str) -> str | None:
    """Why a typed text cannot be kept (in Vietnamese), or None when it can."""
    if has_surrogate(text):
        return "Chứa ký tự không hợp lệ (nửa cặp thay thế UTF-16, không phải ký tự Unicode)."
    if has_control(text):
        return "Chứa ký tự điều khiển không hợp lệ (ví dụ ký tự NUL hoặc ký tự đảo chiều hiển thị)."
    return None


def clean_file_name(name: str) -> str:
    """A file name with every control, separator and lone surrogate left out (what is stored and served)."""
    return _SURROGATE.sub("", "".join(c for c in name if c not in NOT_IN_FILE_NAMES))


def content_disposition(filename: str) -> str:
    """A header any stored name fits in (RFC 6266): printable ASCII as ``filename``, the rest percent-encoded.

    Files stored before names were cleaned may hold control characters or lone surrogates: they are
    served under the cleaned name, so they download too.
    """
    name = clean_file_name(filename) or "tai-lieu"
    ascii_name = "".join(c for c in name if " " <= c <= "~" and c not in '"\\').strip() or "tai-lieu"
    encoded = quote(name, safe="", encoding="utf-8", errors="replace")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
