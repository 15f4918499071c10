"""The same petition registered twice: a warning at registration, with a link to the case already open.

Two petitions are the same when the same complainant — the same ID number, or the same name and
address — challenges the same first decision (its number; when the first level never decided, the
authority that should have). Names, addresses and numbers are compared folded (no case, no
diacritics, no punctuation), through SHA-256 digests kept per case (``petition_keys``), so the check
is one indexed query and reads no case's state.

The officer may still register (``confirm_duplicate``); the new case's trail then records the choice.
**Organisations:** a matching case the officer may read is named, with its number and a link; one
the officer may not read (another organisation's) is only counted — "a case exists elsewhere" —,
never named. The trail names the matching cases of the new case's own organisation and counts the
others, so nobody who reads the new case learns another organisation's case number from it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.errors import DuplicatePetition
from app.persistence import audit, search, worklist
from app.persistence.models import Instance
from app.services import access
from app.services.principal import Principal
from app.services.runtime import Runtime

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
KINDS = {"id_number": "cùng số CMND/CCCD", "name_address": "cùng họ tên và địa chỉ"}


@dataclass(frozen=True)
class Match:
    instance_id: int
    case_number: str
    title: str
    status: str
    organisation: str | None
    matched: tuple[str, ...]  # kinds of KINDS


@dataclass(frozen=True)
class Duplicates:
    """The open or closed cases a petition matches: those the caller may read, and how many others."""

    readable: list[Match] = field(default_factory=list)
    elsewhere: int = 0

    def __bool__(self) -> bool:
        return bool(self.readable) or self.elsewhere > 0


def _plain(text: Any) -> str:
    return _NOT_ALNUM.sub(" ", search.fold(text)).strip() if isinstance(text, str) else ""


def petition_keys(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, digest) of who complains against which decision; none when the start form has no such facts."""
    person = data.get("complainant")
    decision = data.get("first_decision")
    person = person if isinstance(person, dict) else {}
    decision = decision if isinstance(decision, dict) else {}
    number = _plain(decision.get("number")).replace(" ", "")
    against = f"number:{number}" if number else (f"issuer:{_plain(decision.get('issuer'))}"
                                                  if _plain(decision.get("issuer")) else "")
    if not against:
        return []
    identities = {"id_number": _plain(person.get("id_number")).replace(" ", ""),
                  "name_address": " | ".join((_plain(person.get("full_name")), _plain(person.get("address"))))}
    return [(kind, hashlib.sha256(f"{kind}\x1f{identity}\x1f{against}".encode()).hexdigest())
            for kind, identity in identities.items() if all(identity.split(" | "))]


def find(rt: Runtime, session: Session, principal: Principal, data: dict[str, Any]) -> Duplicates:
    """The cases this start data matches, split by what the caller may read (the access policy decides)."""
    matched: dict[int, tuple[Instance, list[str]]] = {}
    for instance, kind in worklist.cases_with_keys(session, [key for _, key in petition_keys(data)]):
        matched.setdefault(instance.id, (instance, []))[1].append(kind)
    readable, elsewhere = [], 0
    for instance, kinds in matched.values():
        if access.may_read_case(principal, rt.process(session, instance.deployment), instance):
            readable.append(Match(instance.id, instance.case_number or str(instance.id), instance.title,
                                  instance.status, instance.organisation, tuple(sorted(set(kinds)))))
        else:
            elsewhere += 1
    return Duplicates(readable, elsewhere)


def refuse_unless_confirmed(found: Duplicates | None, confirmed: bool) -> None:
    """409 ``duplicate_petition`` with the matching cases, unless the officer chose to go on."""
    if not found or confirmed:
        return
    cases = [{"instance_id": m.instance_id, "case_number": m.case_number, "title": m.title, "status": m.status,
              "matched": list(m.matched)} for m in found.readable]
    raise DuplicatePetition(details={"duplicates": cases, "elsewhere": found.elsewhere})


def remember(session: Session, instance: Instance, data: dict[str, Any]) -> None:
    """Keep a new case's petition keys, so a later registration of the same petition is warned of it."""
    worklist.add_keys(session, instance.id, petition_keys(data))


def after_start(rt: Runtime, session: Session, principal: Principal, instance: Instance, data: dict[str, Any],
                found: Duplicates | None) -> None:
    """Keep the new case's keys; if the officer registered despite the warning, say so in its trail.

    The trail names the matching cases of the new case's own organisation and counts the others (see above).
    """
    remember(session, instance, data)
    if not found:
        return
    own = [m for m in found.readable if m.organisation == instance.organisation]
    audit.append_event(session, rt.audit_keys, instance, at=rt.now(), actor=principal.username,
                       action="duplicate_confirmed",
                       data={"duplicates": [m.case_number for m in own],
                             "matched": sorted({k for m in own for k in m.matched}),
                             "other_organisations": len(found.readable) - len(own) + found.elsewhere})
