"""Who read what: every read of a case writes one keyed, anchored access event; lists and refusals none.

The access log is tampered as an intruder with the owner's rights would (``tests.intruder``), and
``flask audit verify`` must name each break; retention pruning must leave it green.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from app.clock import FrozenClock
from app.persistence.models import AccessAnchor, AccessEvent, AccountEvent, Document
from app.services import attachments, cases, checkpoints, reads, users
from app.services.runtime import Runtime
from app.services.uploads import Upload
from tests import cases as payloads
from tests.conftest import basic
from tests.intruder import intrude
from tests.threads import run_at_once
from tests.web.helpers import post, ready_task_id, sign_in, start_case

ORG_A, ORG_B = "Sở Tài chính", "Sở Nông nghiệp và PTNT"
PASSWORD = "matkhau-123"


@dataclass(frozen=True)
class World:
    case: int
    task: str
    document: int
    attachment: int

    def fill(self, path: str) -> str:
        return path.format(case=self.case, task=self.task, document=self.document, attachment=self.attachment)


def _world(rt: Runtime, instance_id: int | None = None) -> World:
    instance_id = instance_id or start_case(rt)
    resolver = users.authenticate_password(rt, "resolver", "demo")
    stored = attachments.add_attachments(rt, resolver, instance_id, [Upload("don.pdf", b"%PDF-1.4 don")])
    with rt.db.reading() as session:
        document = session.scalar(select(Document.id).where(Document.instance_id == instance_id))
    assert document is not None
    return World(instance_id, ready_task_id(rt, instance_id), document, stored[0].id)


def _department_case(rt: Runtime, department: str) -> int:
    first = {**payloads.petition()["first_decision"], "issuer_level": "department_unit_head",
             "issuer": "Chi cục trưởng", "department": department}
    reception = users.authenticate_password(rt, "reception", "demo")
    petition = payloads.petition(first_decision=first, submitted_to="department_head")
    return cases.start_case(rt, reception, "complaint_second_level", petition).instance.id


def _reads(rt: Runtime) -> list[AccessEvent]:
    with rt.db.reading() as session:
        return list(session.scalars(select(AccessEvent).order_by(AccessEvent.instance_id, AccessEvent.seq)))


def _get(client: FlaskClient, surface: str, path: str, user: str, password: str = "demo") -> int:
    if surface == "api":
        return client.get(path, headers=basic(user, password)).status_code
    sign_in(client, user, password)
    return client.get(path).status_code


READS = [
    ("api", "/api/instances/{case}", "case", ""),
    ("api", "/api/instances/{case}/history", "history", ""),
    ("api", "/api/instances/{case}/documents", "documents", ""),
    ("api", "/api/documents/{document}", "document", "{document}"),
    ("api", "/api/tasks/{task}", "task", "{task}"),
    ("web", "/cases/{case}", "case", ""),
    ("web", "/cases/{case}/diagram.bpmn", "diagram", ""),
    ("web", "/attachments/{attachment}", "attachment", "{attachment}"),
    ("web", "/documents/{document}", "document", "{document}"),
    ("web", "/tasks/{task}", "task", "{task}"),
]


@pytest.mark.parametrize(("surface", "path", "kind", "target"), READS, ids=[f"{s} {p}" for s, p, _, _ in READS])
def test_every_read_of_a_case_writes_exactly_one_access_event(client: FlaskClient, rt: Runtime, surface: str,
                                                              path: str, kind: str, target: str) -> None:
    world = _world(rt)
    assert _get(client, surface, world.fill(path), "resolver") == 200
    found = _reads(rt)
    assert [(e.instance_id, e.seq, e.username, e.kind, e.target, e.address) for e in found] == [
        (world.case, 1, "resolver", kind, world.fill(target), "127.0.0.1")]
    assert found[0].key_id == rt.audit_keys.current and len(found[0].hash) == 64


LISTS = [("api", "/api/instances"), ("api", "/api/instances?q=Nguy%E1%BB%85n"), ("api", "/api/tasks"),
         ("web", "/inbox"), ("web", "/cases"), ("web", "/cases?q=Nguy%E1%BB%85n"), ("web", "/dashboard")]


@pytest.mark.parametrize(("surface", "path"), LISTS, ids=[f"{s} {p}" for s, p in LISTS])
def test_lists_and_searches_write_no_access_event(client: FlaskClient, rt: Runtime, surface: str, path: str) -> None:
    _world(rt)
    assert _get(client, surface, path, "resolver") == 200
    assert _reads(rt) == []


def test_a_refused_read_writes_nothing(client: FlaskClient, rt: Runtime) -> None:
    world, theirs = _world(rt), _department_case(rt, ORG_B)
    users.create_user(rt, "resolver_a", "Giám đốc Sở Tài chính", PASSWORD, ["resolver"], ORG_A)
    for surface, path, _, _ in READS:
        assert _get(client, surface, world.fill(path), "analyst") == 403, path
    for surface, path in (("api", "/api/instances/{case}"), ("api", "/api/instances/{case}/history"),
                          ("web", "/cases/{case}"), ("web", "/cases/{case}/diagram.bpmn")):
        assert _get(client, surface, path.format(case=theirs), "resolver_a", PASSWORD) == 404, path
        assert _get(client, surface, path.format(case=999_999), "resolver") == 404, path
    assert _reads(rt) == []


def _verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _three_reads(client: FlaskClient, rt: Runtime) -> World:
    world = _world(rt)
    for path in ("/api/instances/{case}", "/api/instances/{case}/history", "/api/tasks/{task}"):
        assert client.get(world.fill(path), headers=basic("auditor")).status_code == 200
    assert [e.seq for e in _reads(rt)] == [1, 2, 3]
    return world


TAMPERING = {
    "edited": (["UPDATE access_events SET address = '10.9.9.9' WHERE seq = 2"], "altered"),
    "middle deleted": (["DELETE FROM access_events WHERE seq = 2"], "sequence"),
    "last deleted": (["DELETE FROM access_events WHERE seq = 3"], "truncated"),
    "reordered": (["UPDATE access_events SET seq = 99 WHERE seq = 1", "UPDATE access_events SET seq = 1 WHERE seq = 2",
                   "UPDATE access_events SET seq = 2 WHERE seq = 99"], "link"),
    "who edited": (["UPDATE access_events SET username = 'reception' WHERE seq = 1"], "altered"),
    "anchor deleted": (["DELETE FROM access_anchors"], "no_anchor"),
    "anchor moved": (["UPDATE access_anchors SET seq = 2"], "anchor_forged"),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_with_the_access_log_is_caught_by_audit_verify(app: Flask, client: FlaskClient, rt: Runtime,
                                                                 owner_url: str, how: str) -> None:
    world = _three_reads(client, rt)
    assert _verify(app)[0] == 0
    statements, kind = TAMPERING[how]
    intrude(owner_url, *statements)
    code, output = _verify(app)
    assert code == 1 and f"[access:{world.case}]" in output and f"({kind})" in output, output
    # a chain whose head no longer matches its seal takes no more reads: refused rather than served unrecorded
    # (an edit further back, like one in a case's trail, is for the verifier: appending checks only the head)
    answer = client.get(world.fill("/api/instances/{case}"), headers=basic("auditor"))
    if how in {"last deleted", "anchor deleted", "anchor moved"}:
        assert answer.status_code == 409 and answer.get_json()["error"] == "audit_broken"
        assert "audit_broken" in answer.get_data(as_text=True)
    else:
        assert answer.status_code == 200 and f"({kind})" in _verify(app)[1]


def test_a_rewound_access_chain_is_caught_by_the_checkpoint(app: Flask, client: FlaskClient, rt: Runtime,
                                                            owner_url: str) -> None:
    """The intruder keeps a copy of the genuine anchor after two reads, and puts it back after deleting the third."""
    world = _world(rt)
    for path in ("/api/instances/{case}", "/api/instances/{case}/history"):
        assert client.get(world.fill(path), headers=basic("auditor")).status_code == 200
    with rt.db.reading() as session:
        copied = session.get(AccessAnchor, world.case)
        assert copied is not None
        seq, head, sealed = copied.seq, copied.head, copied.anchor
    assert client.get(world.fill("/api/tasks/{task}"), headers=basic("auditor")).status_code == 200
    checkpoints.checkpoint(rt)
    intrude(owner_url, "DELETE FROM access_events WHERE seq = 3",
            ("UPDATE access_anchors SET seq = :seq, head = :head, anchor = :anchor WHERE instance_id = :case",
             {"seq": seq, "head": head, "anchor": sealed, "case": world.case}))
    code, output = _verify(app)
    assert code == 1 and "(rewound)" in output and f"[access:{world.case}]" in output, output


def test_the_application_cannot_change_or_delete_a_kept_read(client: FlaskClient, rt: Runtime) -> None:
    world = _three_reads(client, rt)
    for statement in (update(AccessEvent).values(address="x"), delete(AccessEvent).where(AccessEvent.seq == 1),
                      delete(AccessAnchor)):
        with pytest.raises(DBAPIError), rt.db.writing() as session:
            session.execute(statement)
    with pytest.raises(DBAPIError), rt.db.writing() as session:
        session.execute(text("DELETE FROM access_events WHERE instance_id = :case"), {"case": world.case})
    assert len(_reads(rt)) == 3


def test_pruning_old_reads_keeps_audit_verify_green(app: Flask, client: FlaskClient, rt: Runtime,
                                                    clock: FrozenClock) -> None:
    world = _three_reads(client, rt)
    checkpoints.checkpoint(rt)
    clock.advance(timedelta(days=40))
    assert client.get(world.fill("/cases/{case}/diagram.bpmn")).status_code in {302, 401}  # not signed in: no read
    assert client.get(world.fill("/api/instances/{case}"), headers=basic("resolver")).status_code == 200
    cutoff = (clock.now() - timedelta(days=10)).strftime("%Y-%m-%d")
    result = app.test_cli_runner().invoke(args=["audit", "prune-access", "--before", cutoff])
    assert result.exit_code == 0 and "pruned 3 reads of 1 cases" in result.output, result.output
    assert [(e.seq, e.username) for e in _reads(rt)] == [(4, "resolver")]
    assert _verify(app)[0] == 0
    checkpoints.checkpoint(rt)
    assert client.get(world.fill("/api/instances/{case}/history"), headers=basic("auditor")).status_code == 200
    code, output = _verify(app)
    assert code == 0 and "2 reads" in output, output
    with rt.db.reading() as session:
        logged = session.scalars(select(AccountEvent).where(AccountEvent.action == "access_log_pruned")).one()
    assert '"events":3' in logged.data
    again = app.test_cli_runner().invoke(args=["audit", "prune-access", "--before", cutoff])
    assert "pruned 0 reads" in again.output and _verify(app)[0] == 0


def test_pruning_by_retention_days_from_config(app: Flask, client: FlaskClient, rt: Runtime,
                                               clock: FrozenClock) -> None:
    _three_reads(client, rt)
    app.config["ACCESS_LOG_RETENTION_DAYS"] = 30
    clock.advance(timedelta(days=31))
    result = app.test_cli_runner().invoke(args=["audit", "prune-access"])
    assert "pruned 3 reads" in result.output and _reads(rt) == [] and _verify(app)[0] == 0


def test_only_auditors_and_admins_read_the_access_log_on_the_page_and_the_api(client: FlaskClient,
                                                                             rt: Runtime) -> None:
    world = _three_reads(client, rt)
    for role in ("auditor", "admin"):
        body = client.get(world.fill("/api/instances/{case}/accesses"), headers=basic(role)).get_json()
        assert body["total"] == 3 and [i["kind"] for i in body["items"]] == ["task", "history", "case"]
        assert body["items"][0]["label"] == "Mở bước công việc" and body["items"][0]["username"] == "auditor"
        mine = client.get("/api/audit/accesses?user=auditor", headers=basic(role)).get_json()
        assert mine["total"] == 3 and mine["items"][0]["instance_id"] == world.case
        sign_in(client, role)
        page = client.get("/audit/accesses?user=auditor")
        assert page.status_code == 200 and "Mở bước công việc" in page.get_data(as_text=True)
    for role in ("reception", "resolver", "verifier", "clerk", "inspectorate", "unit_head", "analyst"):
        assert client.get(world.fill("/api/instances/{case}/accesses"), headers=basic(role)).status_code == 403
        assert client.get("/api/audit/accesses?user=auditor", headers=basic(role)).status_code == 403
        sign_in(client, role)
        assert client.get("/audit/accesses?user=auditor").status_code == 403, role
    assert len(_reads(rt)) == 3  # reading the access log is not a read of the case


def test_the_case_page_shows_its_readers_to_the_auditor_only(client: FlaskClient, rt: Runtime) -> None:
    world = _three_reads(client, rt)
    sign_in(client, "auditor")
    page = client.get(world.fill("/cases/{case}")).get_data(as_text=True)
    assert "Ai đã xem hồ sơ (3 lượt)" in page and "Xem nhật ký xử lý" in page and "127.0.0.1" in page
    sign_in(client, "resolver")
    assert "Ai đã xem hồ sơ" not in client.get(world.fill("/cases/{case}")).get_data(as_text=True)
    assert [e.kind for e in _reads(rt)][-2:] == ["case", "case"]


def test_another_organisations_case_answers_404_and_its_reads_stay_hidden(client: FlaskClient, rt: Runtime) -> None:
    theirs = _department_case(rt, ORG_B)
    assert client.get(f"/api/instances/{theirs}", headers=basic("resolver")).status_code == 200
    users.create_user(rt, "auditor_a", "Kiểm tra Sở Tài chính", PASSWORD, ["auditor"], ORG_A)
    limited = basic("auditor_a", PASSWORD)
    assert client.get(f"/api/instances/{theirs}/accesses", headers=limited).status_code == 404
    assert client.get(f"/api/instances/{theirs}", headers=limited).status_code == 404
    assert client.get("/api/audit/accesses?user=resolver", headers=limited).get_json()["total"] == 0
    assert client.get("/api/audit/accesses?user=resolver", headers=basic("auditor")).get_json()["total"] == 1
    assert len(_reads(rt)) == 1


def test_a_previewed_paper_is_a_read_and_a_refused_preview_is_not(client: FlaskClient, rt: Runtime) -> None:
    task_id = ready_task_id(rt, start_case(rt))
    sign_in(client, "resolver")
    shown = post(client, f"/tasks/{task_id}/preview/acceptance_notice", {"accepted": "true"},
                 token_from=f"/tasks/{task_id}")  # the task page, opened for its form's token, is a read too
    assert shown.status_code == 200
    assert [(e.kind, e.target) for e in _reads(rt)] == [("task", task_id), ("preview", task_id)]
    missing = post(client, f"/tasks/{task_id}/preview/decision", {}, token_from="/inbox")
    assert missing.status_code == 404 and len(_reads(rt)) == 2


def test_a_case_whose_reads_were_all_deleted_is_caught_by_the_checkpoint(app: Flask, client: FlaskClient,
                                                                          rt: Runtime, owner_url: str) -> None:
    world = _three_reads(client, rt)
    checkpoints.checkpoint(rt)
    intrude(owner_url, "DELETE FROM access_events", "DELETE FROM access_anchors")
    code, output = _verify(app)
    assert code == 1 and f"[access:{world.case}]" in output and "(deleted)" in output, output


def test_pruning_leaves_a_broken_chain_alone_and_says_so(app: Flask, client: FlaskClient, rt: Runtime,
                                                         owner_url: str, clock: FrozenClock) -> None:
    world = _three_reads(client, rt)
    intrude(owner_url, "DELETE FROM access_events WHERE seq = 3")
    clock.advance(timedelta(days=40))
    result = app.test_cli_runner().invoke(args=["audit", "prune-access", "--before", f"{clock.now():%Y-%m-%d}"])
    assert result.exit_code == 1 and f"cases {world.case}" in result.output, result.output
    assert [e.seq for e in _reads(rt)] == [1, 2]


def test_concurrent_first_reads_of_a_case_make_one_unbroken_chain(app: Flask, rt: Runtime) -> None:
    """Readers of one case wait for each other on its anchor row only; the first readers race to create it."""
    case = start_case(rt)
    auditor = users.authenticate_password(rt, "auditor", "demo")
    failures = run_at_once(6, lambda i: [reads.record(rt, auditor, "case", case, f"10.0.0.{i}") for _ in range(3)])
    assert failures == []
    assert [e.seq for e in _reads(rt)] == list(range(1, 19))
    assert _verify(app)[0] == 0
