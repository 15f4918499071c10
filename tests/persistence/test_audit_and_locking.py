"""The audit trail holds against someone with the database but without the audit key.

Each test tampers as such an intruder would (``tests.intruder``: the owner's rights, the guards
switched off) and checks that all three places that judge a trail say it is broken: ``flask audit
verify`` (exit 1, the break printed), the history API and the case page. Also: the application's
own connection cannot change or delete audit rows at all, and instance rows are optimistically
locked.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from app.errors import StaleVersion
from app.persistence import audit, queries
from app.persistence.models import AuditEvent, Instance
from app.services import attachments, checkpoints, integrity, tasks, upkeep, users
from app.services.runtime import Runtime
from tests import cases
from tests.conftest import basic
from tests.intruder import intrude
from tests.web.helpers import ready_task_id, sign_in, start_case


def _case(rt: Runtime) -> int:
    """A case with six events: registered, its receipt issued, claimed, released, accepted, its notice issued."""
    instance_id = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    task_id = ready_task_id(rt, instance_id)
    tasks.claim_task(rt, resolver, task_id)
    tasks.release_task(rt, resolver, task_id)
    tasks.complete_task(rt, resolver, task_id, cases.acceptance())
    assert len(_events(rt, instance_id)) == 6
    return instance_id


def _events(rt: Runtime, instance_id: int) -> list[AuditEvent]:
    with rt.db.reading() as session:
        return list(queries.audit_events(session, instance_id))


def _verdicts(app: Flask, client: FlaskClient, instance_id: int | None) -> tuple[int, str, dict[str, Any], str]:
    """What `flask audit verify`, the history API and the case page say (the last two for one case)."""
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    if instance_id is None:
        return result.exit_code, result.output, {}, ""
    history = client.get(f"/api/instances/{instance_id}/history", headers=basic("auditor")).get_json()
    sign_in(client, "auditor")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    return result.exit_code, result.output, history["chain"], page


def _assert_caught(app: Flask, client: FlaskClient, instance_id: int, kind: str) -> None:
    code, output, chain, page = _verdicts(app, client, instance_id)
    assert code == 1 and f"({kind})" in output, output
    assert not chain["ok"] and kind in {b["kind"] for b in chain["breaks"]}, chain
    assert "✘ Kiểm tra toàn vẹn thất bại" in page


def test_an_untouched_trail_verifies_everywhere(app: Flask, client: FlaskClient, rt: Runtime) -> None:
    instance_id = _case(rt)
    checkpoints.checkpoint(rt)
    code, output, chain, page = _verdicts(app, client, instance_id)
    assert code == 0 and "intact" in output
    assert chain == {"ok": True, "events": 6, "broken_at": None, "reason": None, "breaks": []}
    assert "✔ Kiểm tra toàn vẹn: chuỗi 6 sự kiện khớp" in page
    events = _events(rt, instance_id)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6] and events[1].prev_hash == events[0].hash
    assert {e.key_id for e in events} == {rt.audit_keys.current}


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'someone'", "DELETE FROM audit_events",
                                       "UPDATE account_events SET actor = 'someone'", "DELETE FROM account_events",
                                       "TRUNCATE audit_events", "TRUNCATE account_events"])
def test_the_applications_own_connection_cannot_change_the_logs(rt: Runtime, statement: str) -> None:
    _case(rt)
    if statement.startswith("TRUNCATE") and rt.db.dialect == "sqlite":
        statement = statement.replace("TRUNCATE", "DELETE FROM")  # SQLite's truncate is an unqualified DELETE
    with pytest.raises(DBAPIError, match=r"append-only|permission denied"), rt.db.writing() as session:
        session.execute(text(statement))


def test_the_owner_cannot_change_the_logs_without_switching_the_guards_off(rt: Runtime, owner_url: str) -> None:
    _case(rt)
    statements = ["UPDATE audit_events SET actor = 'x'", "DELETE FROM account_events"]
    if rt.db.dialect == "postgresql":
        statements.append("TRUNCATE audit_events")
    for statement in statements:
        engine = create_engine(owner_url)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
        engine.dispose()


def test_an_edited_event_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    instance_id = _case(rt)
    intrude(owner_url, (f"UPDATE audit_events SET actor = 'clerk' WHERE instance_id = {instance_id} AND seq = 2", {}))
    _assert_caught(app, client, instance_id, "altered")


def test_a_deleted_middle_event_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    instance_id = _case(rt)
    intrude(owner_url, f"DELETE FROM audit_events WHERE instance_id = {instance_id} AND seq = 2")
    _assert_caught(app, client, instance_id, "sequence")


def test_the_deleted_last_event_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    instance_id = _case(rt)
    intrude(owner_url, f"DELETE FROM audit_events WHERE instance_id = {instance_id} AND seq = 6")
    _assert_caught(app, client, instance_id, "truncated")


def test_a_step_saved_after_the_last_event_was_deleted_leaves_a_gap_that_is_caught(
        app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    """The save appends from the head its anchor sealed without reading the events back: the gap stays visible."""
    instance_id = _case(rt)
    intrude(owner_url, f"DELETE FROM audit_events WHERE instance_id = {instance_id} AND seq = 6")
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, ready_task_id(rt, instance_id), cases.assignment())
    assert [e.seq for e in _events(rt, instance_id)][4:6] == [5, 7]
    _assert_caught(app, client, instance_id, "sequence")


def test_every_event_of_a_case_deleted_is_caught(app: Flask, client: FlaskClient, rt: Runtime,
                                                 owner_url: str) -> None:
    instance_id = _case(rt)
    intrude(owner_url, f"DELETE FROM audit_events WHERE instance_id = {instance_id}")
    _assert_caught(app, client, instance_id, "truncated")
    assert "mốc neo ghi 6 sự kiện, chỉ còn 0" in _verdicts(app, client, instance_id)[1]


def _forged(instance_id: int, seq: int, prev_hash: str, key_id: str) -> dict[str, Any]:
    """An event as the pre-0010 service wrote it: its hash a plain SHA-256 anyone can compute."""
    event = SimpleNamespace(instance_id=instance_id, seq=seq, at=datetime(2021, 3, 1, 2, tzinfo=UTC), actor="resolver",
                            action="task_completed", task_id=None, bpmn_id="issue_decision",
                            data='{"submitted":{"decision":"uphold"}}', prev_hash=prev_hash)
    digest = hashlib.sha256(audit.event_material(event).encode("utf-8")).hexdigest()
    return {"i": instance_id, "s": seq, "at": "2021-03-01 02:00:00", "d": event.data, "p": prev_hash, "h": digest,
            "k": key_id}


INSERT = ("INSERT INTO audit_events (instance_id, seq, at, actor, action, task_id, bpmn_id, data, prev_hash, hash, "
          "key_id) VALUES (:i, :s, :at, 'resolver', 'task_completed', NULL, 'issue_decision', :d, :p, :h, :k)")


@pytest.mark.parametrize("key_id", ["", "current"])
def test_an_appended_event_with_an_unkeyed_hash_is_caught(app: Flask, client: FlaskClient, rt: Runtime,
                                                          owner_url: str, key_id: str) -> None:
    instance_id = _case(rt)
    last = _events(rt, instance_id)[-1]
    forged = _forged(instance_id, 7, last.hash, rt.audit_keys.current if key_id == "current" else "")
    intrude(owner_url, (INSERT, forged))
    _assert_caught(app, client, instance_id, "unkeyed" if key_id == "" else "altered")
    _assert_caught(app, client, instance_id, "extra")  # and the anchor knows only four


def test_a_chain_recomputed_without_the_key_is_caught(app: Flask, client: FlaskClient, rt: Runtime,
                                                      owner_url: str) -> None:
    instance_id = _case(rt)
    statements: list[str | tuple[str, dict[str, Any]]] = []
    prev = audit.GENESIS
    for event in _events(rt, instance_id):  # rewrite the actor everywhere, every hash recomputed as SHA-256
        event.actor, event.prev_hash = "clerk", prev
        prev = hashlib.sha256(audit.event_material(event).encode("utf-8")).hexdigest()
        statements.append(("UPDATE audit_events SET actor = 'clerk', prev_hash = :p, hash = :h, key_id = '' "
                           "WHERE id = :id", {"p": event.prev_hash, "h": prev, "id": event.id}))
    statements.append((f"UPDATE instances SET audit_head = :h WHERE id = {instance_id}", {"h": prev}))
    intrude(owner_url, *statements)
    _assert_caught(app, client, instance_id, "unkeyed")
    _assert_caught(app, client, instance_id, "anchor_forged")


def test_an_anchor_put_back_to_an_earlier_genuine_value_is_caught_by_the_checkpoint(
        app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    instance_id = start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    task_id = ready_task_id(rt, instance_id)
    tasks.claim_task(rt, resolver, task_id)
    with rt.db.reading() as session:
        earlier = session.execute(select(Instance.audit_seq, Instance.audit_head, Instance.audit_anchor)
                                  .where(Instance.id == instance_id)).one()  # copied by the intruder, earlier
    tasks.complete_task(rt, resolver, task_id, cases.acceptance())
    assert checkpoints.checkpoint(rt) is not None
    intrude(owner_url, f"DELETE FROM audit_events WHERE instance_id = {instance_id} AND seq > {earlier[0]}",
            (f"UPDATE instances SET audit_seq = :s, audit_head = :h, audit_anchor = :a WHERE id = {instance_id}",
             {"s": earlier[0], "h": earlier[1], "a": earlier[2]}))
    _assert_caught(app, client, instance_id, "rewound")


def test_a_whole_case_deleted_after_a_checkpoint_is_caught(app: Flask, client: FlaskClient, rt: Runtime,
                                                           owner_url: str) -> None:
    instance_id = _case(rt)
    checkpoints.checkpoint(rt)
    intrude(owner_url, f"DELETE FROM document_versions WHERE document_id IN "
                       f"(SELECT id FROM documents WHERE instance_id = {instance_id})",
            *[f"DELETE FROM {table} WHERE instance_id = {instance_id}"
                         for table in ("audit_events", "tasks", "closed_tasks", "step_failures", "jobs", "escalations",
                                       "attachments", "case_notes", "task_routes", "task_drafts", "petition_keys",
                                       "documents")],
            f"DELETE FROM instances WHERE id = {instance_id}")
    code, output, _, _ = _verdicts(app, client, None)
    assert code == 1 and f"case:{instance_id}" in output and "(deleted)" in output


def test_truncating_the_trail_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    instance_id = _case(rt)
    other = _case(rt)
    intrude(owner_url, "TRUNCATE audit_events" if rt.db.dialect == "postgresql" else "DELETE FROM audit_events")
    code, output, _, _ = _verdicts(app, client, None)
    assert code == 1 and output.count("(truncated)") == 2
    _assert_caught(app, client, instance_id, "truncated")
    _assert_caught(app, client, other, "truncated")


def test_the_account_log_is_held_the_same_way(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    users.create_user(rt, "thanhtra_9", "Thanh tra viên", "matkhau-123", ["verifier"])
    sign_in(client, "auditor")
    assert "✔ Kiểm tra toàn vẹn" in client.get("/admin/log").get_data(as_text=True)
    intrude(owner_url, "DELETE FROM account_events WHERE seq = (SELECT max(seq) FROM account_events)")
    code, output, _, _ = _verdicts(app, client, None)
    assert code == 1 and "[accounts]" in output and "(truncated)" in output
    assert "✘ Kiểm tra toàn vẹn thất bại" in client.get("/admin/log").get_data(as_text=True)


def test_a_removed_checkpoint_entry_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str) -> None:
    _case(rt)
    _case(rt)
    seq = checkpoints.checkpoint(rt)
    intrude(owner_url, f"DELETE FROM audit_checkpoint_entries WHERE id = (SELECT max(id) FROM "
                       f"audit_checkpoint_entries WHERE checkpoint = {seq})")
    code, output, _, _ = _verdicts(app, client, None)
    assert code == 1 and "(checkpoint)" in output


def test_chains_from_before_the_key_are_sealed_once_and_still_checked(app: Flask, client: FlaskClient, rt: Runtime,
                                                                     owner_url: str) -> None:
    instance_id = _case(rt)
    statements: list[str | tuple[str, dict[str, Any]]] = []
    prev = audit.GENESIS
    for event in _events(rt, instance_id):  # as migration 0010 finds an old database: plain SHA-256, no anchor
        event.prev_hash = prev
        prev = hashlib.sha256(audit.event_material(event).encode("utf-8")).hexdigest()
        statements.append(("UPDATE audit_events SET prev_hash = :p, hash = :h, key_id = '' WHERE id = :id",
                           {"p": event.prev_hash, "h": prev, "id": event.id}))
    statements.append(f"UPDATE instances SET audit_seq = NULL, audit_head = NULL, audit_anchor = NULL "
                      f"WHERE id = {instance_id}")
    intrude(owner_url, *statements)
    assert _verdicts(app, client, instance_id)[0] == 1  # not anchored yet: reported
    assert integrity.rekey_legacy(rt) >= 1
    events = _events(rt, instance_id)
    assert events[-1].action == audit.REKEY and events[-1].key_id == rt.audit_keys.current
    assert _verdicts(app, client, instance_id)[0] == 0
    intrude(owner_url, (f"UPDATE audit_events SET actor = 'clerk' WHERE instance_id = {instance_id} AND seq = 2", {}))
    _assert_caught(app, client, instance_id, "altered")  # the old part is still checked as SHA-256 …
    statements = []
    prev = audit.GENESIS
    for event in _events(rt, instance_id)[:4]:  # … and recomputing it breaks the keyed event that sealed it
        event.actor, event.prev_hash = "clerk", prev
        prev = hashlib.sha256(audit.event_material(event).encode("utf-8")).hexdigest()
        statements.append(("UPDATE audit_events SET actor = 'clerk', prev_hash = :p, hash = :h WHERE id = :id",
                           {"p": event.prev_hash, "h": prev, "id": event.id}))
    intrude(owner_url, *statements)
    _assert_caught(app, client, instance_id, "link")


def test_a_key_rotated_out_still_checks_what_it_signed(app: Flask, rt: Runtime) -> None:
    instance_id = _case(rt)
    old = rt.audit_keys
    rt.audit_keys = audit.KeyRing.of(b"the-new-key", [b"test-audit-key"])
    resolver = users.authenticate_password(rt, "resolver", "demo")
    tasks.complete_task(rt, resolver, ready_task_id(rt, instance_id), cases.assignment())
    assert {e.key_id for e in _events(rt, instance_id)} == {old.current, rt.audit_keys.current}
    assert integrity.verify_all(rt).ok
    rt.audit_keys = audit.KeyRing.of(b"the-new-key")  # the old key lost: what it signed can no longer be checked
    assert {p.kind for p in integrity.verify_all(rt).problems} >= {"unknown_key"}


def test_concurrent_update_of_an_instance_is_refused_as_stale(rt: Runtime) -> None:
    instance_id = start_case(rt)
    with rt.db.reading() as session:
        stale = queries.instance(session, instance_id)
    assert stale is not None
    with rt.db.writing() as session:
        fresh = queries.instance(session, instance_id)
        assert fresh is not None
        fresh.title = "winner"
    with pytest.raises(StaleVersion), rt.db.writing() as session:
        session.add(stale)
        stale.title = "loser"
    with rt.db.reading() as session:
        row = queries.instance(session, instance_id)
        assert row is not None and row.title == "winner"


def test_forged_events_behind_a_deleted_anchor_are_never_sealed(app: Flask, client: FlaskClient, rt: Runtime,
                                                               owner_url: str) -> None:
    """The attack a tester found: delete the anchor, forge unkeyed events, let the application seal them."""
    upkeep.after_migrate(rt)  # the one-time sealing of pre-0010 chains is done (as after any `flask setup`)
    instance_id = _case(rt)
    last = _events(rt, instance_id)[-1]
    intrude(owner_url, (INSERT, _forged(instance_id, 7, last.hash, "")),
            f"UPDATE instances SET audit_anchor = NULL WHERE id = {instance_id}")
    task_id = _events(rt, instance_id)[-2].task_id
    refused = client.post(f"/api/tasks/{task_id}/claim", headers=basic("resolver"))
    assert refused.status_code in {404, 409}
    start_response = client.post(f"/api/instances/{instance_id}/messages/withdrawal", json={"payload": cases.withdrawal()},
                                 headers=basic("reception"))
    assert start_response.status_code == 409 and start_response.get_json()["error"] == "audit_broken"
    assert upkeep.after_migrate(rt).rekeyed == 0  # a later setup does not seal it either
    assert len(_events(rt, instance_id)) == 7
    _assert_caught(app, client, instance_id, "no_anchor")
    _assert_caught(app, client, instance_id, "unkeyed")


def test_the_case_row_edited_is_caught_and_nothing_more_is_written_on_it(app: Flask, client: FlaskClient,
                                                                        rt: Runtime, owner_url: str) -> None:
    instance_id = _case(rt)
    intrude(owner_url, f"UPDATE instances SET organisation = 'Sở Tài chính' WHERE id = {instance_id}")
    _assert_caught(app, client, instance_id, "state_altered")
    refused = client.post(f"/api/instances/{instance_id}/messages/withdrawal", json={"payload": cases.withdrawal()},
                          headers=basic("reception"))
    assert refused.status_code == 409 and refused.get_json()["error"] == "audit_broken"
    assert len(_events(rt, instance_id)) == 6


@pytest.mark.parametrize("which", ["newest", "all"])
def test_dropping_the_newest_checkpoints_is_caught(app: Flask, client: FlaskClient, rt: Runtime, owner_url: str,
                                                   which: str) -> None:
    _case(rt)
    first = checkpoints.checkpoint(rt)
    _case(rt)
    second = checkpoints.checkpoint(rt)
    assert (first, second) == (1, 2)
    doomed = "checkpoint = 2" if which == "newest" else "checkpoint >= 1"
    statements = [f"DELETE FROM audit_checkpoint_entries WHERE {doomed}",
                  f"DELETE FROM audit_checkpoints WHERE {doomed.replace('checkpoint', 'seq')}"]
    if which == "all":
        statements.append("DELETE FROM log_anchors WHERE name = 'checkpoints'")
    intrude(owner_url, *statements)
    code, output, _, _ = _verdicts(app, client, None)
    assert code == 1 and "(checkpoint)" in output, output


def test_a_file_whose_bytes_were_changed_is_not_served_and_is_reported(app: Flask, client: FlaskClient, rt: Runtime,
                                                                       owner_url: str) -> None:
    instance_id = _case(rt)
    reception = users.authenticate_password(rt, "reception", "demo")
    stored = attachments.add_attachments(rt, reception, instance_id, [attachments.Upload("don.pdf", b"%PDF-1.4 goc")])
    sign_in(client, "auditor")
    assert client.get(f"/attachments/{stored[0].id}").data == b"%PDF-1.4 goc"
    intrude(owner_url, (f"UPDATE attachments SET content = :c WHERE id = {stored[0].id}", {"c": b"%PDF-1.4 GIA"}))
    refused = client.get(f"/attachments/{stored[0].id}")
    assert refused.status_code == 409 and "khác với dấu vân tay SHA-256" in refused.get_data(as_text=True)
    code, output, _, _ = _verdicts(app, client, None)
    assert code == 1 and "(attachment)" in output


def _retyped_first_step(rt: Runtime, owner_url: str, **columns: str) -> str:
    """A case waiting at review_acceptance (the resolver's), its working task row edited by the intruder."""
    instance_id = start_case(rt)
    task_id = ready_task_id(rt, instance_id)
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    intrude(owner_url, (f"UPDATE tasks SET {assignments} WHERE id = :id", {**columns, "id": task_id}))
    return task_id


def test_a_task_row_given_another_role_is_refused_not_trusted(app: Flask, client: FlaskClient, rt: Runtime,
                                                              owner_url: str) -> None:
    task_id = _retyped_first_step(rt, owner_url, role="clerk")
    instance_id = start_case(rt)  # an untouched case beside it still completes
    done = client.post(f"/api/tasks/{ready_task_id(rt, instance_id)}/complete", headers=basic("resolver"),
                       json={"data": cases.acceptance()})
    assert done.status_code == 200, done.get_json()
    for method, path, body in (("POST", f"/api/tasks/{task_id}/complete", {"data": cases.acceptance()}),
                               ("POST", f"/api/tasks/{task_id}/claim", None),
                               ("PUT", f"/api/tasks/{task_id}/draft", {"data": {}})):
        answer = client.open(path, method=method, headers=basic("clerk"), json=body)
        assert answer.status_code == 409 and answer.get_json()["error"] == "audit_broken", (path, answer.get_json())
    refused = client.get(f"/api/tasks/{task_id}", headers=basic("clerk"))
    assert refused.status_code == 409, refused.get_json()
    with rt.db.reading() as session:
        row = queries.task_row(session, task_id)
        assert row is not None and row.assignee is None
    assert not [e for e in _events(rt, row.instance_id) if e.action in ("task_completed", "task_claimed")]


def test_a_task_row_moved_to_another_step_or_organisation_is_refused(app: Flask, client: FlaskClient, rt: Runtime,
                                                                     owner_url: str) -> None:
    task_id = _retyped_first_step(rt, owner_url, organisation="somewhere_else")
    answer = client.post(f"/api/tasks/{task_id}/complete", headers=basic("resolver"),
                         json={"data": cases.acceptance()})
    assert answer.status_code == 409 and answer.get_json()["error"] == "audit_broken", answer.get_json()
