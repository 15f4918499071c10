"""How an issuing body heads and signs its documents (Decree 30/2020): set by the admin, one row per body.

The header's two lines, the place of the date line, who decides and who signs by default. A body
without them issues nothing (``app.services.documents`` refuses), as with its abbreviation: a
made-up header would be an official mistake. Every change is written to the account log.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from app.persistence import audit, catalogue
from app.persistence import document_numbers as counters
from app.persistence import documents as stored
from app.persistence.models import DocumentIssuer
from app.services import access, document_numbers
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.text import unfit


@dataclass(frozen=True)
class IssuerHeader:
    name: str  # «Ủy ban nhân dân tỉnh Gia Lai»: how the text names the body
    upper_line: str  # «Ủy ban nhân dân» (printed in capitals): the governing body, or the body's kind
    lower_line: str  # «Tỉnh Gia Lai» (printed in capitals, bold): the body
    place: str  # «Gia Lai»: the place of the date line
    head: str  # «Chủ tịch Ủy ban nhân dân tỉnh Gia Lai»: who decides
    signer_name: str
    signer_title: str  # «Phó Chủ tịch»
    signer_authority: str = ""  # «KT. Chủ tịch» when signing on the head's behalf


LABELS = {"name": "Tên cơ quan", "upper_line": "Dòng trên (cơ quan chủ quản)", "lower_line": "Dòng dưới (cơ quan ban hành)",
          "place": "Địa danh", "head": "Người có thẩm quyền", "signer_name": "Họ tên người ký",
          "signer_title": "Chức vụ người ký", "signer_authority": "Quyền hạn ký (KT., TM., TL.)"}
LIMITS = {"place": 100, "signer_name": 200, "signer_title": 200, "signer_authority": 200}


def problems(values: dict[str, Any]) -> dict[str, str]:
    """Each field's problem, in Vietnamese (empty when the header may be kept)."""
    found = {}
    for f in fields(IssuerHeader):
        value = values.get(f.name, "")
        if not isinstance(value, str):
            found[f.name] = f"«{LABELS[f.name]}» phải là chữ."
            continue
        limit = LIMITS.get(f.name, 300)
        bad = unfit(value)
        if bad:
            found[f.name] = bad
        elif not value.strip() and f.name != "signer_authority":
            found[f.name] = f"Chưa nhập «{LABELS[f.name]}»."
        elif len(value) > limit:
            found[f.name] = f"«{LABELS[f.name]}» dài quá {limit} ký tự."
    return found


@dataclass(frozen=True)
class DocumentProfile:
    """What a body's documents need from it: its abbreviation in every number, and its header."""

    symbol: str | None  # UBND, TTr; None until the admin sets it
    header: IssuerHeader | None


def profile_of(rt: Runtime, principal: Principal, organisation: str) -> DocumentProfile:
    access.require(principal, Right.MANAGE_ORGANISATIONS)
    with rt.db.reading() as session:
        if catalogue.by_code(session, organisation) is None:
            raise NotFound("Không có cơ quan này trong danh mục.")
        row = stored.issuer(session, organisation)
        symbol = counters.symbols(session, organisation).get(counters.BODY)
    header = None if row is None else IssuerHeader(**{f.name: getattr(row, f.name) for f in fields(IssuerHeader)})
    return DocumentProfile(symbol, header)


def set_profile(rt: Runtime, principal: Principal, organisation: str, symbol: str,
                values: dict[str, Any]) -> DocumentProfile:
    """Set the abbreviation and the header together: both are checked before either is kept."""
    access.require(principal, Right.MANAGE_ORGANISATIONS)
    found = problems(values)
    try:
        symbol = document_numbers.checked_symbol(symbol if isinstance(symbol, str) else "")
    except InvalidInput as error:
        found |= error.fields
    if found:
        raise InvalidInput("Thông tin văn bản của cơ quan chưa hợp lệ.", fields=found)
    with rt.db.writing() as session:
        if catalogue.by_code(session, organisation) is None:
            raise NotFound("Không có cơ quan này trong danh mục.")
        document_numbers.store_symbol(rt, session, principal.username, organisation, counters.BODY, symbol)
        header = _keep(rt, session, principal.username, organisation, values)
    return DocumentProfile(symbol, header)


def seed_header(rt: Runtime, organisation: str, values: dict[str, Any]) -> IssuerHeader:
    """Setup's own write of a demo body's header (actor ``setup`` in the account log)."""
    return _store(rt, "setup", organisation, values)


def _store(rt: Runtime, actor: str, organisation: str, values: dict[str, Any]) -> IssuerHeader:
    found = problems(values)
    if found:
        raise InvalidInput("Thông tin văn bản của cơ quan chưa hợp lệ.", fields=found)
    with rt.db.writing() as session:
        if catalogue.by_code(session, organisation) is None:
            raise NotFound("Không có cơ quan này trong danh mục.")
        return _keep(rt, session, actor, organisation, values)


def _keep(rt: Runtime, session: Session, actor: str, organisation: str, values: dict[str, Any]) -> IssuerHeader:
    """Keep checked header values in the caller's transaction, logged with what changed."""
    header = IssuerHeader(**{f.name: unicodedata.normalize("NFC", values.get(f.name, "").strip())
                             for f in fields(IssuerHeader)})
    row = stored.issuer(session, organisation)
    before = {} if row is None else {f.name: getattr(row, f.name) for f in fields(IssuerHeader)}
    if row is None:
        session.add(DocumentIssuer(organisation=organisation, **asdict(header)))
    else:
        for key, value in asdict(header).items():
            setattr(row, key, value)
    changed = {LABELS[k]: [before.get(k, ""), v] for k, v in asdict(header).items() if before.get(k, "") != v}
    if changed:
        audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor=actor,
                                   action="organisation_header_set", username="", data={"code": organisation, **changed})
    return header
