"""Who is calling, as the services see it: no Flask, no ORM object.

What a principal may do is decided in ``app.services.access`` and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    full_name: str
    roles: frozenset[str]
    organisation: str | None = None  # None: province-wide; otherwise the one organisation the user acts for
