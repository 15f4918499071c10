"""Who is calling, as the services see it: no Flask, no ORM object."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import Forbidden


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    full_name: str
    roles: frozenset[str]
    organisation: str | None = None

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & roles)

    def require(self, role: str, what: str) -> None:
        if role not in self.roles:
            raise Forbidden(f"Chỉ vai trò «{role}» mới được {what}.")

    def may_act_for(self, organisation: str | None) -> bool:
        return self.organisation is None or organisation is None or organisation == self.organisation
