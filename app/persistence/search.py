"""Search keys that match Vietnamese names the way officers type them.

SQLite folds case for ASCII letters only, and neither backend ignores diacritics, so "tran thi"
would never find "Trần Thị". Each searchable row keeps a folded copy of its searchable text
(lower case, no tone or vowel marks, đ as d) and a query is folded the same way before LIKE.
"""

from __future__ import annotations

import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})  # đ is a letter of its own, not d with a mark


def fold(text: str) -> str:
    """"Trần Thị  Bình" → "tran thi binh"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def key(*parts: str | None) -> str:
    """The folded text a row is found by: its parts joined by " | " (never matched across parts)."""
    return " | ".join(fold(part) for part in parts if part)


def pattern(query: str) -> str:
    """A LIKE pattern for a folded query; LIKE's own wildcards in it are taken literally."""
    folded = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{folded}%"


def case_key(case_number: str | None, title: str | None) -> str:
    return key(case_number, title)[:400]


def record_key(details: dict[str, object] | None, address: str | None, content: str | None) -> str:
    """A register record is found by any of its persons' names, its address or its content."""
    persons = (details or {}).get("persons") or []
    names = [str(p.get("full_name", "")) for p in persons if isinstance(p, dict)] if isinstance(persons, list) else []
    return key(*names, address, content)
