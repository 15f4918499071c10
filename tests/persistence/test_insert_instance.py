"""A new case's row is written by one Core INSERT (``queries.insert_instance``), not by the ORM's flush.

That INSERT gives unset columns their scalar defaults itself and sends every column, so a default
it cannot apply — a callable, or one the database fills — must stop the module from loading, not
leave a case saved without it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, text

from app.persistence import queries
from app.persistence.models import Instance


def _table(*extra: Column) -> Table:  # type: ignore[type-arg]
    return Table("t", MetaData(), Column("id", Integer, primary_key=True), *extra)


def test_the_case_table_has_only_defaults_the_insert_applies() -> None:
    assert queries._scalar_defaults_only(Instance.__table__) is Instance.__table__  # type: ignore[arg-type]


def test_a_scalar_default_is_accepted() -> None:
    table = _table(Column("title", String, default=""))
    assert queries._scalar_defaults_only(table) is table


@pytest.mark.parametrize("column", [
    Column("stamped", DateTime, default=lambda: datetime.now(UTC)),
    Column("stamped", DateTime, server_default=text("CURRENT_TIMESTAMP")),
], ids=["callable default", "server default"])
def test_a_default_the_insert_would_skip_is_refused_by_name(column: Column) -> None:  # type: ignore[type-arg]
    with pytest.raises(TypeError, match=r"t\.stamped: insert_instance applies scalar defaults only"):
        queries._scalar_defaults_only(_table(column))
