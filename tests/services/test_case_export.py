"""A case file that proves itself: Case A resolved, exported, checked offline, then tampered with every way.

The round trip runs on SQLite and PostgreSQL; the tampering is offline (no database), on one export.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask

from app.clock import FrozenClock
from app.errors import Forbidden, NotFound
from app.persistence import queries
from app.persistence.audit import KeyRing
from app.services import attachments, case_export, documents, export_check
from app.services.runtime import Runtime
from app.services.uploads import Upload
from app.services.users import authenticate_password
from tests.services.test_case_a_deadlines import CASE_A_ON_TIME, Desk

AUDIT_KEY = "test-audit-key"  # tests/conftest.py TEST_CONFIG


def resolved_case_with_papers(rt: Runtime, clock: FrozenClock) -> int:
    """Case A carried to publication, with a file attached on the way and the decision's signed scan."""
    desk = Desk(rt, clock)
    for number, (day, bpmn_id, role, payload) in enumerate(CASE_A_ON_TIME):
        desk.act(day, bpmn_id, role, payload())
        if number == 0:
            attachments.add_attachments(rt, authenticate_password(rt, "resolver", "demo"), desk.instance_id,
                                        [Upload("don-khieu-nai.pdf", b"%PDF-1.4\n% don khieu nai\n" * 200)])
    resolver = authenticate_password(rt, "resolver", "demo")
    decision = documents.case_documents(rt, resolver, desk.instance_id)[-1]
    documents.attach_signed(rt, resolver, decision.document.id, Upload("quyet-dinh-da-ky.pdf", b"%PDF-1.4\n%ky\n" * 300))
    return desk.instance_id


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _resign(members: dict[str, bytes]) -> dict[str, bytes]:
    """Someone who rebuilt the manifest after a change and signed it with a key of their own."""
    forger = Ed25519PrivateKey.generate()
    manifest = json.loads(members[export_check.MANIFEST])
    members = {**members, export_check.PUBLIC_KEY: export_check.public_pem(forger)}
    manifest["files"] = {n: export_check.sha256(c) for n, c in members.items()
                         if n not in (export_check.MANIFEST, export_check.SIGNATURE)}
    manifest["events"] = [{"seq": e["seq"], "sha256": export_check.event_digest(e)}
                          for e in json.loads(members[export_check.EVENTS])]
    body = export_check.dumps(manifest)
    return {**members, export_check.MANIFEST: body, export_check.SIGNATURE: base64.b64encode(forger.sign(body))}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[bytes, bytes]:
    """One export of a resolved case (SQLite) and the instance's public key, for the offline tampering."""
    import shutil

    from app import create_app
    from tests.conftest import TEST_CONFIG, vn

    path = tmp_path_factory.mktemp("export") / "db.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path}", "CLOCK": FrozenClock(vn(2021, 2, 17)),
                      "INSTANCE_DIR": str(path.parent / "instance")})
    rt: Runtime = app.extensions["runtime"]
    instance_id = resolved_case_with_papers(rt, rt.clock)  # type: ignore[arg-type]
    found = case_export.export_case(rt, authenticate_password(rt, "auditor", "demo"), instance_id)
    key = case_export.public_key(rt)[0]
    rt.db.dispose()
    return found.content, key


def test_a_resolved_case_round_trips_and_records_its_export(rt: Runtime, clock: FrozenClock) -> None:
    instance_id = resolved_case_with_papers(rt, clock)
    found = case_export.export_case(rt, authenticate_password(rt, "auditor", "demo"), instance_id)
    members = _members(found.content)
    assert found.filename.startswith("ho-so-KN2-") and found.filename.endswith(".zip")
    assert sum(n.startswith("documents/") for n in members) >= 7 and sum(n.startswith("attachments/") for n in members) == 1
    assert any(n.endswith(".bpmn") for n in members if n.startswith("diagram/files/"))
    events = json.loads(members[export_check.EVENTS])
    assert events[-1]["action"] == "case_exported" and events[-1]["actor"] == "auditor"  # the export carries its record
    with rt.db.reading() as session:
        assert queries.audit_events(session, instance_id)[-1].action == "case_exported"
    public = case_export.public_key(rt)[0]
    check = export_check.verify_export(found.content, public, KeyRing.of(AUDIT_KEY.encode()))
    assert check.ok, [str(f) for f in check.findings]
    assert check.macs_checked and check.events == len(events) and check.files == len(members) - 2
    parts = {part: sum(len(c) for n, c in members.items() if n.startswith(part))
             for part in ("documents/", "attachments/", "diagram/", "events.json", "case.json", "manifest")}
    counts = {part: sum(n.startswith(part) for n in members) for part in ("documents/", "attachments/", "diagram/files/")}
    print(f"export of a resolved case: {len(found.content):,} B zipped, {len(members)} members, {len(events)} events;"
          f" unzipped by part: {parts}; members by part: {counts}")


def test_only_oversight_roles_export_and_other_organisations_cases_do_not_exist(rt: Runtime, clock: FrozenClock) -> None:
    instance_id = Desk(rt, clock).instance_id
    for role in ("resolver", "reception", "analyst", "admin"):
        with pytest.raises(Forbidden):
            case_export.export_case(rt, authenticate_password(rt, role, "demo"), instance_id)
    case_export.export_case(rt, authenticate_password(rt, "inspectorate", "demo"), instance_id)
    with pytest.raises(NotFound):
        case_export.export_case(rt, authenticate_password(rt, "auditor", "demo"), instance_id + 999)


def test_the_intact_export_passes_without_the_audit_key_and_says_what_it_could_not_prove(
        exported: tuple[bytes, bytes]) -> None:
    check = export_check.verify_export(exported[0])
    assert check.ok, [str(f) for f in check.findings]
    limits = " ".join(check.limits())
    assert "HMAC" in limits and check.fingerprint in limits


def test_a_changed_byte_in_any_member_is_named(exported: tuple[bytes, bytes]) -> None:
    data, public = exported
    members = _members(data)
    for name, content in members.items():
        at = len(content) // 2
        changed = {**members, name: content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1:]}
        check = export_check.verify_export(_zip(changed), public)
        named = {f.member for f in check.findings}
        expected = export_check.MANIFEST if name in (export_check.MANIFEST, export_check.SIGNATURE) else name
        assert not check.ok and expected in named, (name, [str(f) for f in check.findings])


def test_a_removed_or_added_member_is_named(exported: tuple[bytes, bytes]) -> None:
    data, public = exported
    members = _members(data)
    scan = next(n for n in members if n.startswith("attachments/"))
    removed = export_check.verify_export(_zip({n: c for n, c in members.items() if n != scan}), public)
    assert [(f.member, "xóa" in f.message) for f in removed.findings] == [(scan, True)]
    added = export_check.verify_export(_zip({**members, "attachments/99-them.pdf": b"%PDF"}), public)
    assert [(f.member, "thêm" in f.message) for f in added.findings] == [("attachments/99-them.pdf", True)]


def test_an_edited_or_reordered_event_is_named_even_under_a_forged_manifest(exported: tuple[bytes, bytes]) -> None:
    data, public = exported
    members = _members(data)
    events = json.loads(members[export_check.EVENTS])
    edited = [dict(e) for e in events]
    edited[3]["actor"] = "someone_else"
    check = export_check.verify_export(_zip({**members, export_check.EVENTS: export_check.dumps(edited)}), public,
                                       KeyRing.of(AUDIT_KEY.encode()))
    assert (export_check.EVENTS, 4) in {(f.member, f.seq) for f in check.findings}
    swapped = [events[0], events[2], events[1], *events[3:]]
    forged = _resign({**members, export_check.EVENTS: export_check.dumps(swapped)})
    check = export_check.verify_export(_zip(forged))  # even trusting the forger's own key: the chain breaks
    assert any(f.member == export_check.EVENTS and f.seq == 3 and "thứ tự" in f.message for f in check.findings)


def test_a_manifest_signed_with_another_key_is_refused_against_the_instances_key(exported: tuple[bytes, bytes]) -> None:
    data, public = exported
    forged = _resign(_members(data))
    check = export_check.verify_export(_zip(forged), public)
    assert {f.member for f in check.findings} >= {export_check.MANIFEST, export_check.PUBLIC_KEY}
    assert "khóa khác" in " ".join(f.message for f in check.findings)


def test_verify_export_command_says_intact_or_altered(app: Flask, exported: tuple[bytes, bytes],
                                                      tmp_path: Path) -> None:
    data, public = exported
    (tmp_path / "ok.zip").write_bytes(data)
    (tmp_path / "key.pem").write_bytes(public)
    members = _members(data)
    members[export_check.CASE] = members[export_check.CASE].replace(b'"status"', b'"status" ', 1)
    (tmp_path / "bad.zip").write_bytes(_zip(members))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify-export", str(tmp_path / "ok.zip"), "--public-key", str(tmp_path / "key.pem"),
                             "--audit-key", AUDIT_KEY])
    assert ok.exit_code == 0 and "NGUYÊN VẸN" in ok.output, ok.output
    bad = runner.invoke(args=["audit", "verify-export", str(tmp_path / "bad.zip")])
    assert bad.exit_code == 1 and "ĐÃ BỊ THAY ĐỔI" in bad.output and "case.json" in bad.output
    key = runner.invoke(args=["audit", "public-key"])
    assert key.exit_code == 0 and "BEGIN PUBLIC KEY" in key.output and "dấu vân tay" in key.output


def test_a_file_that_is_no_export_is_answered_not_crashed_on(exported: tuple[bytes, bytes]) -> None:
    members = _members(exported[0])
    assert not export_check.verify_export(b"not a zip").ok
    assert not export_check.verify_export(_zip({"x.txt": b"x"})).ok
    for name in (export_check.EVENTS, export_check.CASE, export_check.MANIFEST):
        for garbage in (b"[1, 2]", b'[{"seq": "a", "data": 3}]', b"{", b'{"anchor": 1, "id": "x"}', b"\xff"):
            check = export_check.verify_export(_zip({**members, name: garbage}))
            assert not check.ok and check.findings[0].member == (
                export_check.MANIFEST if name == export_check.MANIFEST else name), (name, garbage)
