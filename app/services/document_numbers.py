"""Official document numbers (số và ký hiệu văn bản): ``45/TB-UBND`` — a number per issuing body, year and kind.

The kinds, with their default symbols and titles, are those the deployed processes declare
(``documents/documents.json``, read by ``app.engine.documents``); a body may override a kind's symbol.
Numbers run per symbol (the series): a body's acceptance and non-acceptance notices share «TB».
A number is issued inside the caller's transaction (the one that records the document), so it is gapless
and unique per series (``app.persistence.document_numbers``). The issuing body's abbreviation (UBND,
TTr, SNNMT) is set by the admin per catalogue organisation and written to the account log; a body that
has none yet cannot issue, since a number with a made-up symbol would be an official mistake.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.clock import local_date
from app.engine.documents import DocumentKind
from app.errors import Conflict, InvalidInput, NotFound
from app.persistence import audit, catalogue, queries
from app.persistence import document_numbers as counters
from app.persistence.models import Deployment
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.text import unfit

MAX_SYMBOL = 20
_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
# An uppercase letter first; lowercase letters after it are kept for established abbreviations (TTr: Thanh tra).
_SYMBOL = re.compile(f"[{_UPPER}][{_UPPER}{_UPPER.lower()}0-9-]{{0,{MAX_SYMBOL - 1}}}")
SYMBOL_RULE = ("Ký hiệu gồm 1–20 ký tự: chữ cái tiếng Việt viết hoa (chữ thường chỉ sau chữ hoa đầu, như «TTr»), "
               "chữ số và dấu «-», bắt đầu bằng chữ hoa.")


@dataclass(frozen=True)
class DocumentNumber:
    number: int
    text: str  # 45/TB-UBND
    series: str  # TB


def issue_number(rt: Runtime, session: Session, organisation: str, kind: str, symbol: str,
                 on_date: date) -> DocumentNumber:
    """Give the next number of the body's series for ``kind`` in the issue date's year, in the caller's transaction.

    A series is the kind's symbol as the body writes it (``symbol``, the declaration's default, unless
    the body set its own for the kind): all of a body's decisions of a year share the «QĐ» series, so
    no two of its documents ever carry the same number and symbol.
    :raises Conflict: the body has no abbreviation set yet.
    """
    symbols = counters.symbols(session, organisation)
    body = symbols.get(counters.BODY)
    if body is None:
        raise Conflict("Cơ quan ban hành chưa có ký hiệu viết tắt: quản trị cần đặt ký hiệu trước khi cấp số văn bản.")
    series = symbols.get(kind, symbol)
    number = counters.next_document_number(session, organisation, _issue_year(on_date), series)
    return DocumentNumber(number, f"{number}/{series}-{body}", series)


def deployed_kinds(rt: Runtime, session: Session) -> dict[str, DocumentKind]:
    """Every document kind the latest version of each deployed process declares."""
    latest: dict[str, Deployment] = {}
    for deployment in queries.deployments(session):
        latest[deployment.process_id] = deployment  # ordered by version
    kinds: dict[str, DocumentKind] = {}
    for deployment in latest.values():
        kinds.update(rt.process(session, deployment).documents)
    return kinds


def _issue_year(on_date: date) -> int:
    """The year in Vietnam: a moment is read in UTC+7, a calendar date as it is."""
    return local_date(on_date).year if isinstance(on_date, datetime) else on_date.year


def symbol_problem(symbol: str) -> str | None:
    """Why ``symbol`` cannot be an abbreviation (in Vietnamese); None when it can."""
    if not symbol:
        return "Chưa nhập ký hiệu viết tắt."
    bad = unfit(symbol)
    if bad:
        return bad
    if len(symbol) > MAX_SYMBOL:
        return f"Ký hiệu viết tắt dài quá {MAX_SYMBOL} ký tự."
    return None if _SYMBOL.fullmatch(symbol) else SYMBOL_RULE


def set_body_symbol(rt: Runtime, principal: Principal, organisation: str, symbol: str) -> None:
    """Set the issuing body's abbreviation (the part after «-»), audited like every catalogue change."""
    _set(rt, principal, organisation, counters.BODY, symbol)


def set_kind_symbol(rt: Runtime, principal: Principal, organisation: str, kind: str, symbol: str) -> None:
    """Override a kind's symbol for one body (a body whose notices are «TB» by default but wants another)."""
    _set(rt, principal, organisation, kind, symbol)


def seed_body_symbol(rt: Runtime, organisation: str, symbol: str) -> None:
    """Setup's own write of a demo body's abbreviation (actor ``setup`` in the account log)."""
    _store(rt, "setup", organisation, counters.BODY, symbol)


def _set(rt: Runtime, principal: Principal, organisation: str, kind: str, symbol: str) -> None:
    access.require(principal, Right.MANAGE_ORGANISATIONS)
    _store(rt, principal.username, organisation, kind, symbol)


def _store(rt: Runtime, actor: str, organisation: str, kind: str, symbol: str) -> None:
    symbol = checked_symbol(symbol)
    with rt.db.writing() as session:
        if catalogue.by_code(session, organisation) is None:
            raise NotFound("Không có cơ quan này trong danh mục.")
        store_symbol(rt, session, actor, organisation, kind, symbol)


def checked_symbol(symbol: str) -> str:
    """The symbol as it is kept (NFC, trimmed). :raises InvalidInput: why it cannot be one, beside «symbol»."""
    symbol = unicodedata.normalize("NFC", symbol.strip())
    problem = symbol_problem(symbol)
    if problem:
        raise InvalidInput(problem, fields={"symbol": problem})
    return symbol


def store_symbol(rt: Runtime, session: Session, actor: str, organisation: str, kind: str, symbol: str) -> None:
    """Keep a checked symbol in the caller's transaction, logged when it changes."""
    kinds = deployed_kinds(rt, session)
    if kind != counters.BODY and kind not in kinds:
        raise InvalidInput("Không có loại văn bản này trong các quy trình đã triển khai.")
    before = counters.set_symbol(session, organisation, kind, symbol)
    if before != symbol:
        audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor=actor,
                                   action="organisation_symbol_set", username="",
                                   data={"code": organisation, "kind": _kind_title(kinds, kind),
                                         "symbol": [before or "", symbol]})


def _kind_title(kinds: dict[str, DocumentKind], kind: str) -> str:
    """How the account log names what was set (read by officers, so no codes)."""
    return "Ký hiệu viết tắt của cơ quan" if kind == counters.BODY else kinds[kind].title


def symbols_of(rt: Runtime, organisation: str) -> dict[str, str]:
    """Kind -> the symbol the body uses (its overrides, else the defaults), and ``""`` -> its abbreviation if set."""
    with rt.db.reading() as session:
        own = counters.symbols(session, organisation)
        defaults = {kind: k.symbol for kind, k in deployed_kinds(rt, session).items()}
    return {**defaults, **own}
