"""A case file that proves itself: the export's layout, its Ed25519 signature, and the offline check.

Nothing here reads the database: ``verify_export`` takes the ``.zip``'s bytes (and, if the auditor
has them, the instance's public key and the audit key) and says, in Vietnamese, what was altered.

Layout of an export (every member but the signature listed in ``manifest.json`` with its SHA-256)::

    manifest.json        format, case, who exported it and when, files {name: sha256}, events [{seq, sha256}]
    manifest.sig         Ed25519 signature of manifest.json's bytes, base64
    public_key.pem       the instance's export public key (its fingerprint is in the manifest)
    case.json            the case's row (number, title, status, outcome, organisation, serialized state),
                         its anchor (seq, head, seal, state digest), its documents and attachments
    events.json          every event of its trail: the fields its MAC covers, prev_hash, hash, key_id
    documents/…, attachments/…   every file, named in case.json with its SHA-256 and the event recording it
    diagram/…            the deployment's files and deployment.json (process, version, content hash)

What the check proves without the audit key: that nothing changed since the instance signed the
manifest (if the public key is the instance's), that the events link up from the first to the anchor's
head, that every file has the SHA-256 its event recorded, that the case's state is the one the anchor's
digest names, and that the diagram's files are the deployment's. What it cannot prove without the key:
that the events were written by the application (their HMACs) — with ``--audit-key`` it checks those too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.persistence import audit

FORMAT = "khieunai-case-export/1"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "public_key.pem"
CASE, EVENTS, DEPLOYMENT = "case.json", "events.json", "diagram/deployment.json"
MAX_MEMBERS = 5_000  # a case with more files than this is not one of ours (and would be a zip bomb's shape)
MAX_MEMBER_BYTES = 200 * 1024 * 1024


# -- the instance's signing key ---------------------------------------------------------------------

def new_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption())


def private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the export signing key is not an Ed25519 key")
    return key


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public_key_pem: bytes) -> str:
    """SHA-256 of the raw 32-byte public key, grouped by four for reading aloud over the phone."""
    key = serialization.load_pem_public_key(public_key_pem)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i:i + 4] for i in range(0, 32, 4))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def event_digest(record: Mapping[str, Any]) -> str:
    return sha256(audit.canonical_json(dict(record)).encode("utf-8"))


def build_zip(members: Mapping[str, bytes], manifest: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """The signed archive: the members, the public key, the manifest naming all of them, its signature."""
    public = public_pem(key)
    files = {**members, PUBLIC_KEY: public}
    manifest = {**manifest, "format": FORMAT, "public_key_fingerprint": fingerprint(public),
                "files": {name: sha256(data) for name, data in sorted(files.items())}}
    body = dumps(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [(MANIFEST, body), (SIGNATURE, base64.b64encode(key.sign(body)) + b"\n"),
                           *sorted(files.items())]:
            archive.writestr(name, data)
    return out.getvalue()


# -- the offline check -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One thing found wrong: the member (and event) it is about, in Vietnamese."""

    member: str
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.member}, sự kiện số {self.seq}" if self.seq is not None else self.member
        return f"{where}: {self.message}"


@dataclass
class ExportCheck:
    findings: list[Finding] = field(default_factory=list)
    case_number: str = ""
    events: int = 0
    files: int = 0
    fingerprint: str = ""
    key_given: bool = False  # the public key was given by the auditor (not only the one in the zip)
    macs_checked: bool = False  # the audit key was given: every event's HMAC and the anchor's seal checked

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, member: str, message: str, seq: int | None = None) -> None:
        self.findings.append(Finding(member, seq, message))

    def limits(self) -> list[str]:
        """What this check could not prove, in Vietnamese (the CLI prints it under the verdict)."""
        said = []
        if not self.key_given:
            said.append("Chữ ký được kiểm tra bằng khóa công khai đi kèm tệp: hãy so dấu vân tay "
                        f"{self.fingerprint} với khóa công khai của cơ quan (flask audit public-key).")
        if not self.macs_checked:
            said.append("Không có khóa kiểm toán: đã kiểm tra liên kết chuỗi, dấu vân tay tệp và trạng thái hồ sơ, "
                        "nhưng chưa chứng minh được các sự kiện do ứng dụng ghi (mã HMAC); cho --audit-key để kiểm tra.")
        return said


def verify_export(data: bytes, public_key_pem: bytes | None = None,
                  keys: audit.KeyRing | None = None) -> ExportCheck:
    """Check an export without the database: signature, files, the event chain, the case and its diagram."""
    check = ExportCheck(key_given=public_key_pem is not None, macs_checked=keys is not None)
    members = _read_members(data, check)
    if members is None:
        return check
    manifest = _checked_manifest(members, public_key_pem, check)
    if manifest is None:
        return check
    _check_files(members, manifest, check)
    case, events = _json(members, CASE, check), _json(members, EVENTS, check)
    try:
        if isinstance(case, dict) and isinstance(events, list):
            check.case_number = str(case.get("case_number") or "")
            _check_event_digests(events, manifest, check)
            _check_chain(case, events, keys, check)
            _check_case_files(case, events, members, check)
        _check_diagram(members, check)
    except (KeyError, TypeError, ValueError, AttributeError):  # a file rebuilt by hand: its shape is not ours
        check.add(CASE, "nội dung bản xuất không đúng định dạng (đã bị sửa bằng tay)")
    return check


def _read_members(data: bytes, check: ExportCheck) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS or any(i.file_size > MAX_MEMBER_BYTES for i in infos):
                check.add("(tệp nén)", "tệp nén có quá nhiều hoặc quá lớn thành phần, không phải bản xuất hồ sơ")
                return None
            names = [i.filename for i in infos]
            if len(set(names)) != len(names):
                check.add("(tệp nén)", "có thành phần trùng tên trong tệp nén")
            return {i.filename: archive.read(i) for i in infos}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        check.add("(tệp nén)", f"không đọc được tệp nén ({exc.__class__.__name__})")
        return None


def _checked_manifest(members: Mapping[str, bytes], public_key_pem: bytes | None,
                      check: ExportCheck) -> dict[str, Any] | None:
    for name in (MANIFEST, SIGNATURE, PUBLIC_KEY):
        if name not in members:
            check.add(name, "thiếu trong tệp nén")
    if check.findings:
        return None
    key_pem = public_key_pem or members[PUBLIC_KEY]
    try:
        check.fingerprint = fingerprint(key_pem)
        key = serialization.load_pem_public_key(key_pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not Ed25519")
        key.verify(base64.b64decode(members[SIGNATURE].strip(), validate=True), members[MANIFEST])
    except (InvalidSignature, ValueError, TypeError):
        who = "khóa công khai đã cho" if public_key_pem else "khóa công khai đi kèm"
        check.add(MANIFEST, f"chữ ký của bản kê không hợp lệ với {who} (bản kê bị sửa hoặc được ký bằng khóa khác)")
    manifest = _json(members, MANIFEST, check)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        check.add(MANIFEST, "bản kê không đúng định dạng bản xuất hồ sơ")
        return None
    if public_key_pem is not None and sha256(members[PUBLIC_KEY]) != sha256(public_key_pem):
        check.add(PUBLIC_KEY, "khóa công khai đi kèm không phải khóa đã cho")
    return manifest


def _check_files(members: Mapping[str, bytes], manifest: Mapping[str, Any], check: ExportCheck) -> None:
    listed: dict[str, str] = manifest.get("files") or {}
    present = set(members) - {MANIFEST, SIGNATURE}
    for name in sorted(set(listed) - present):
        check.add(name, "có trong bản kê nhưng thiếu trong tệp nén (đã bị xóa)")
    for name in sorted(present - set(listed)):
        check.add(name, "không có trong bản kê (được thêm vào sau khi xuất)")
    for name in sorted(present & set(listed)):
        if sha256(members[name]) != listed[name]:
            check.add(name, "nội dung khác với dấu vân tay SHA-256 trong bản kê (đã bị sửa)")
    check.files = len(present & set(listed))


def _json(members: Mapping[str, bytes], name: str, check: ExportCheck) -> Any:
    if name not in members:
        return None
    try:
        return json.loads(members[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        check.add(name, "không đọc được (không phải JSON hợp lệ)")
        return None


def _check_event_digests(events: list[Any], manifest: Mapping[str, Any], check: ExportCheck) -> None:
    """Name the events that differ from the ones the manifest listed (edited, added, removed, moved)."""
    listed = {int(e["seq"]): e["sha256"] for e in manifest.get("events") or []}
    found: dict[int, str] = {}
    for index, event in enumerate(events, start=1):
        seq = event.get("seq") if isinstance(event, dict) else None
        seq = seq if isinstance(seq, int) else index
        found[seq] = event_digest(event) if isinstance(event, dict) else ""
        if seq in listed and found[seq] != listed[seq]:
            check.add(EVENTS, "sự kiện khác với bản kê (đã bị sửa)", seq)
        elif seq not in listed:
            check.add(EVENTS, "sự kiện không có trong bản kê (được thêm vào)", seq)
    for seq in sorted(set(listed) - set(found)):
        check.add(EVENTS, "sự kiện có trong bản kê nhưng không còn (đã bị xóa)", seq)
    check.events = len(events)


def _as_event(record: Mapping[str, Any], instance_id: int) -> Any:
    at = datetime.strptime(str(record.get("at")), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return SimpleNamespace(instance_id=instance_id, seq=record.get("seq"), at=at, actor=record.get("actor"),
                           action=record.get("action"), task_id=record.get("task_id"), bpmn_id=record.get("bpmn_id"),
                           data=record.get("data"), prev_hash=record.get("prev_hash"), hash=record.get("hash"),
                           key_id=record.get("key_id"))


def _check_chain(case: Mapping[str, Any], records: list[Any], keys: audit.KeyRing | None, check: ExportCheck) -> None:
    """Sequence and links always; the HMACs and the anchor's seal with the key; plain SHA-256 events without."""
    try:
        events = [_as_event(r, int(case["id"])) for r in records]
    except (KeyError, TypeError, ValueError, AttributeError):
        check.add(EVENTS, "sự kiện không đúng định dạng")
        return
    prev = audit.GENESIS
    for index, event in enumerate(events, start=1):
        problem = _event_problem(event, index, prev, keys)
        if problem:
            check.add(EVENTS, problem, event.seq)
        prev = event.hash
    _check_anchor(case, events, keys, check)


def _event_problem(event: Any, index: int, prev: str, keys: audit.KeyRing | None) -> str | None:
    if event.seq != index:
        return "sai thứ tự hoặc thiếu, thừa sự kiện trong chuỗi"
    if event.prev_hash != prev:
        return "liên kết tới sự kiện trước không khớp"
    ring = keys if keys is not None else (audit.KeyRing("", {}) if event.key_id == audit.LEGACY else None)
    if ring is None:
        return None  # an HMAC: not checkable without the key (``ExportCheck.limits`` says so)
    expected = ring.mac(event.key_id, audit.event_material(event))
    if expected is None:
        return f"được ký bằng khóa {event.key_id} không có trong bộ khóa đã cho"
    if not hmac.compare_digest(expected, str(event.hash)):
        return "nội dung sự kiện không khớp mã xác thực (đã bị sửa)"
    return None


def _check_anchor(case: Mapping[str, Any], events: list[Any], keys: audit.KeyRing | None,
                  check: ExportCheck) -> None:
    anchor = case.get("anchor") or {}
    last = (events[-1].seq, events[-1].hash) if events else (0, audit.GENESIS)
    if (anchor.get("seq"), anchor.get("head")) != last:
        check.add(CASE, f"mốc neo ghi {anchor.get('seq')} sự kiện, chuỗi trong tệp có {last[0]} "
                        "hoặc sự kiện cuối khác mốc neo")
    if anchor.get("state") != state_digest_of(case):
        check.add(CASE, "dữ liệu hồ sơ (trạng thái, kết quả, cơ quan, nội dung) khác với bản tóm tắt mốc neo đã niêm phong")
    if keys is not None and not keys.check_seal(anchor.get("sealed"), audit.anchor_material(
            audit.case_chain(int(case["id"])), int(anchor.get("seq") or 0), str(anchor.get("head")),
            str(anchor.get("state")))):
        check.add(CASE, "mốc neo của chuỗi không khớp mã xác thực của khóa kiểm toán")


def state_digest_of(case: Mapping[str, Any]) -> str:
    """``audit.state_digest`` of the case's row as the export carries it."""
    row = SimpleNamespace(**{k: case.get(k) for k in ("process_id", "deployment_id", "case_number", "title", "status",
                                                      "outcome", "organisation", "state")})
    return audit.state_digest(row)  # type: ignore[arg-type]


def _check_case_files(case: Mapping[str, Any], records: list[Any], members: Mapping[str, bytes],
                      check: ExportCheck) -> None:
    """Every document and attachment against the SHA-256 its event recorded."""
    by_seq = {r.get("seq"): r for r in records if isinstance(r, dict)}
    for item in [*(case.get("documents") or []), *(case.get("attachments") or [])]:
        path = str(item.get("path"))
        event = by_seq.get(item.get("audit_seq"))
        recorded = json.loads(event["data"]).get("sha256") if event else None
        if path in members and recorded != sha256(members[path]):
            check.add(path, "nội dung khác với dấu vân tay SHA-256 mà nhật ký hồ sơ đã ghi", item.get("audit_seq"))


def _check_diagram(members: Mapping[str, bytes], check: ExportCheck) -> None:
    deployment = _json(members, DEPLOYMENT, check)
    if not isinstance(deployment, dict):
        check.add(DEPLOYMENT, "thiếu thông tin phiên bản quy trình")
        return
    try:
        files = {name.removeprefix("diagram/files/"): members[name].decode("utf-8") for name in members
                 if name.startswith("diagram/files/")}
    except UnicodeDecodeError:
        check.add("diagram/files/", "tệp của quy trình không đọc được")
        return
    if diagram_hash(files) != deployment.get("content_hash"):
        check.add(DEPLOYMENT, "các tệp của quy trình khác với dấu vân tay của phiên bản đã triển khai")


def diagram_hash(files: Mapping[str, str]) -> str:
    """The deployment's content hash (``app.services.deploy.content_hash``), recomputed from the files."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode("utf-8") + b"\0")
    return digest.hexdigest()


def report_lines(check: ExportCheck, describe: Callable[[Finding], str] = str) -> Iterable[str]:
    if check.ok:
        yield (f"NGUYÊN VẸN: hồ sơ {check.case_number}, {check.events} sự kiện, {check.files} tệp; "
               f"chữ ký khóa {check.fingerprint}.")
    else:
        yield f"ĐÃ BỊ THAY ĐỔI: {len(check.findings)} điểm không khớp."
        yield from (f"  - {describe(f)}" for f in check.findings)
    yield from (f"  * {line}" for line in check.limits())
