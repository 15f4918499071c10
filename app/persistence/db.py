"""Database engines and sessions, for SQLite (embedded default) and PostgreSQL alike.

SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writing transactions, so two
writers queue instead of failing on lock upgrade; reads use a deferred BEGIN and never block
behind a writer. PostgreSQL gets a connection pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.errors import StaleVersion

SINGLE_STATEMENT = "single_statement"  # an execution option of ours: no BEGIN on SQLite (see Database.single_statement)


def make_engine(url: str, *, immediate: bool = False, echo: bool = False, connect_timeout: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine, "BEGIN IMMEDIATE" if immediate else "BEGIN")
        return engine
    # a server that never answers (a firewall dropping packets, a stalled host) fails the connection after
    # connect_timeout seconds, not the minutes TCP would wait: /readyz says so and a request gets its 503
    timeout = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": connect_timeout}
    return create_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True, connect_args=timeout)


def _configure_sqlite(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get(SINGLE_STATEMENT):
            connection.exec_driver_sql(begin)


class Database:
    """Two session factories over one URL: one for reading, one for writing."""

    def __init__(self, url: str, echo: bool = False, connect_timeout: int = 10) -> None:
        self.url = url
        self.read_engine = make_engine(url, echo=echo, connect_timeout=connect_timeout)
        self.write_engine = make_engine(url, immediate=True, echo=echo) if url.startswith("sqlite") else self.read_engine
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        self._single = self.read_engine.execution_options(**{SINGLE_STATEMENT: True})

    @property
    def dialect(self) -> str:
        return self.read_engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def single_statement(self) -> Iterator[Connection]:
        """A connection for one SELECT that needs no snapshot shared with another statement.

        A statement is atomic on its own, so SQLite is sent no BEGIN and no COMMIT around it: the
        bearer-token lookup every API request makes costs one round of the driver, not three.
        """
        with self._single.connect() as connection:
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction: committed if the block returns, rolled back if it raises.

        A row whose version changed under us (optimistic lock) becomes StaleVersion.
        """
        try:
            with self._write() as session, session.begin():
                yield session
        except StaleDataError as exc:
            raise StaleVersion() from exc

    def dispose(self) -> None:
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()
