"""Gapless official document numbers: one counter row per issuing body, year and kind, moved in the issuing transaction.

The same single upsert as ``app.persistence.numbering``: it takes the row's lock on PostgreSQL until the
transaction ends, so a second issue of the same series waits for the first to commit or roll back (no
duplicate), and a rolled-back issue gives its number back (no gap). SQLite's writers are serialised by
``BEGIN IMMEDIATE`` already (``app.persistence.db``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.persistence.models import DocumentCounter, DocumentSymbol

BODY = ""  # the kind under which a body's own abbreviation is kept


def next_document_number(session: Session, organisation: str, year: int, kind: str) -> int:
    """The next number of a series (``kind``: a symbol such as QĐ) for ``organisation`` in ``year`` (1 for the first).

    The row stays locked until the transaction ends.
    """
    table = DocumentCounter.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(organisation=organisation, year=year, kind=kind, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.organisation, table.c.year, table.c.kind],
                                      set_={"last": table.c.last + 1}).returning(table.c.last)
    return int(session.execute(stmt).scalar_one())


def symbols(session: Session, organisation: str) -> dict[str, str]:
    """Kind -> symbol the organisation set (``BODY`` for its own abbreviation)."""
    rows = session.execute(select(DocumentSymbol.kind, DocumentSymbol.symbol)
                           .where(DocumentSymbol.organisation == organisation))
    return {kind: symbol for kind, symbol in rows}


def set_symbol(session: Session, organisation: str, kind: str, symbol: str) -> str | None:
    """Keep ``symbol`` for the organisation's ``kind``; the symbol it replaces (None: there was none)."""
    row = session.get(DocumentSymbol, (organisation, kind))
    if row is None:
        session.add(DocumentSymbol(organisation=organisation, kind=kind, symbol=symbol))
        return None
    before, row.symbol = row.symbol, symbol
    return before
