"""Plain-text rules shared by every layer: which characters no field may hold."""

from __future__ import annotations

CONTROL = frozenset(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127))  # all but tab, newline, return


def has_control(text: str) -> bool:
    """Whether text holds a control character other than tab and line breaks (a NUL byte above all)."""
    return not CONTROL.isdisjoint(text)
