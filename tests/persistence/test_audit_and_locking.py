"""The audit trail is append-only and tamper-evident; instance rows are optimistically locked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.errors import StaleVersion
from app.persistence import audit, queries
from app.persistence.db import Database
from app.persistence.models import Deployment, Instance


def _instance(db: Database) -> int:
    now = datetime(2021, 2, 17, 2, tzinfo=UTC)
    with db.writing() as session:
        deployment = Deployment(process_id="p", version=1, name="p", content_hash="h", deployed_at=now, deployed_by="t")
        instance = Instance(deployment=deployment, process_id="p", title="", status="running", state="{}",
                            serializer_version="1.5", started_by="t", created_at=now, updated_at=now)
        session.add(instance)
        session.flush()
        for n in range(3):
            audit.append_event(session, instance_id=instance.id, at=now, actor="reception", action=f"step_{n}",
                               data={"n": n, "tên": "Nguyễn Văn A"})
        return instance.id


def test_chain_of_untouched_events_verifies(db_url: str) -> None:
    db = Database(db_url)
    instance_id = _instance(db)
    with db.reading() as session:
        events = list(queries.audit_events(session, instance_id))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert audit.verify_chain(events) == audit.ChainCheck(True, 3)
    db.dispose()


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'someone'", "DELETE FROM audit_events"])
def test_database_refuses_to_change_or_delete_audit_events(db_url: str, statement: str) -> None:
    db = Database(db_url)
    _instance(db)
    with pytest.raises(DBAPIError, match="append-only"), db.writing() as session:
        session.execute(text(statement))
    with db.reading() as session:
        assert session.scalar(text("SELECT count(*) FROM audit_events WHERE actor = 'reception'")) == 3
    db.dispose()


def test_chain_check_finds_an_event_changed_behind_the_applications_back(db_url: str) -> None:
    db = Database(db_url)
    instance_id = _instance(db)
    with db.writing() as session:  # an intruder with owner rights disables the guard first
        if db.dialect == "postgresql":
            session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        else:
            session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("UPDATE audit_events SET data = :forged WHERE seq = 2"), {"forged": '{"n":99}'})
    with db.reading() as session:
        check = audit.verify_chain(list(queries.audit_events(session, instance_id)))
    assert (check.ok, check.broken_at) == (False, 2)
    db.dispose()


def test_concurrent_update_of_an_instance_is_refused_as_stale(db_url: str) -> None:
    db = Database(db_url)
    instance_id = _instance(db)
    with db.reading() as session:
        stale = queries.instance(session, instance_id)
    assert stale is not None
    with db.writing() as session:
        fresh = queries.instance(session, instance_id)
        assert fresh is not None
        fresh.state = '{"winner": 1}'
    with pytest.raises(StaleVersion), db.writing() as session:
        session.add(stale)
        stale.state = '{"loser": 1}'
    with db.reading() as session:
        row = queries.instance(session, instance_id)
        assert row is not None and row.state == '{"winner": 1}' and row.version == 2
    db.dispose()
