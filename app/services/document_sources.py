"""The lists a document template may ask for beyond the case's own data («sources» in ``documents.json``).

Each is read in the issuing transaction from what the services keep apart from the case: the reception
register's entries of a plan, for its register extract and final report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.persistence.models import Instance


def _register(session: Session, plan: Instance) -> list[dict[str, str]]:
    # Imported here: the register opens cases from its records (app.services.cases), and opening a case
    # issues its documents, which reach these sources.
    from app.services import register

    return register.document_rows(session, plan.id)


SOURCES: Mapping[str, Callable[[Session, Instance], Any]] = {"register": _register}
