"""Deployed process definitions held to what was deployed: their files' hash, sealed in the keyed account log.

A deployment's rules (diagrams, decision tables, forms, templates) decide every case that runs it,
so files edited in ``deployment_files`` would have the application run a rule nobody deployed. The
``content_hash`` column alone proves nothing: whoever edits the files can rewrite it too. So each
deployment writes a ``process_deployed`` event into the account log, whose events are keyed,
chained, anchored and signed into checkpoints like a case's trail; the check recomputes the files'
hash and compares it with that event. Deployments older than this event are sealed once, by the
first ``flask setup`` after the upgrade (one ``deployments_sealed`` event listing them); once that
event exists it is never written again, so a deployment added behind the application's back later
has no event and is reported.
"""

from __future__ import annotations

import hmac
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.persistence import audit
from app.persistence.models import AccountEvent, Deployment, DeploymentFile
from app.services.export_check import diagram_hash
from app.services.runtime import Runtime

DEPLOYED = "process_deployed"
SEALED = "deployments_sealed"  # the one-time sealing of the deployments made before DEPLOYED existed


@dataclass(frozen=True)
class Found:
    """One deployment that is not what was deployed."""

    deployment_id: int
    label: str
    kind: str
    message: str


def record(session: Session, keys: audit.KeyRing, deployment: Deployment, actor: str) -> None:
    """Seal a new deployment's hash into the account log, in the deploying transaction."""
    audit.append_account_event(session, keys, at=deployment.deployed_at, actor=actor, action=DEPLOYED,
                               username="-", data=_sealed(deployment))


def seal_legacy(rt: Runtime) -> int:
    """Seal the deployments made before ``process_deployed`` existed: once for the whole database (``flask setup``)."""
    with rt.db.writing() as session:
        if session.scalar(select(AccountEvent.id).where(AccountEvent.action == SEALED).limit(1)) is not None:
            return 0
        recorded = set(_recorded(rt.audit_keys, _events(session)))
        older = [d for d in session.scalars(select(Deployment).order_by(Deployment.id)) if d.id not in recorded]
        audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor="setup", action=SEALED, username="-",
                                   data={"deployments": [_sealed(d) for d in older]})
        return len(older)


def verify_all(keys: audit.KeyRing, session: Session, log: Sequence[AccountEvent]) -> list[Found]:
    """Every deployment against the hash the account log sealed, and every sealed deployment still there."""
    deployments = list(session.scalars(select(Deployment).order_by(Deployment.id)))
    files: dict[int, dict[str, str]] = defaultdict(dict)
    for row in session.execute(select(DeploymentFile.deployment_id, DeploymentFile.path, DeploymentFile.content)):
        files[row.deployment_id][row.path] = row.content
    recorded = _recorded(keys, [e for e in log if e.action in (DEPLOYED, SEALED)])
    found = [f for d in deployments if (f := _problem(d, files.get(d.id, {}), recorded.get(d.id))) is not None]
    held = {d.id for d in deployments}
    found += [Found(deployment_id, _label(sealed), "deployment_deleted",
                    f"{_label(sealed)} đã ghi trong nhật ký tài khoản nhưng không còn trong cơ sở dữ liệu (đã bị xóa)")
              for deployment_id, sealed in sorted(recorded.items()) if deployment_id not in held]
    return found


def case_problem(keys: audit.KeyRing, session: Session, deployment_id: int) -> Found | None:
    """The deployment one case runs, checked as ``verify_all`` checks it (the case page, the history API)."""
    deployment = session.get(Deployment, deployment_id)
    if deployment is None:
        return Found(deployment_id, f"#{deployment_id}", "deployment_deleted",
                     f"phiên bản quy trình #{deployment_id} của hồ sơ không còn trong cơ sở dữ liệu (đã bị xóa)")
    files = {row.path: row.content for row in session.execute(
        select(DeploymentFile.path, DeploymentFile.content).where(DeploymentFile.deployment_id == deployment_id))}
    return _problem(deployment, files, _recorded(keys, _events(session)).get(deployment_id))


def _events(session: Session) -> list[AccountEvent]:
    return list(session.scalars(select(AccountEvent).where(AccountEvent.action.in_((DEPLOYED, SEALED)))
                                .order_by(AccountEvent.seq)))


def _recorded(keys: audit.KeyRing, events: Iterable[AccountEvent]) -> dict[int, dict[str, object]]:
    """Deployment id → what a genuine (keyed) event sealed of it; a forged event seals nothing."""
    recorded: dict[int, dict[str, object]] = {}
    for event in events:
        expected = keys.mac(event.key_id, audit.account_material(event))
        if expected is None or not hmac.compare_digest(expected, event.hash):
            continue  # the account log's own check reports the event
        data = json.loads(event.data)
        for sealed in data.get("deployments", [data]) if event.action == SEALED else [data]:
            if isinstance(sealed, dict) and isinstance(sealed.get("deployment"), int):
                recorded.setdefault(sealed["deployment"], sealed)
    return recorded


def _problem(deployment: Deployment, files: dict[str, str], sealed: dict[str, object] | None) -> Found | None:
    label = _label(_sealed(deployment))  # the name people know it by, as it is now
    if sealed is None:
        return Found(deployment.id, label, "deployment_unrecorded",
                     f"{label} không có sự kiện triển khai trong nhật ký tài khoản (được thêm ngoài ứng dụng, "
                     "hoặc chưa chạy «flask setup» sau khi nâng cấp)")
    if diagram_hash(files) != sealed.get("content_hash") or deployment.content_hash != sealed.get("content_hash"):
        return Found(deployment.id, label, "deployment_altered",
                     f"các tệp của {label} khác với dấu vân tay SHA-256 đã ghi khi triển khai (đã bị sửa ngoài "
                     "ứng dụng): hồ sơ đang chạy theo quy tắc không ai triển khai")
    held = (deployment.process_id, deployment.version, deployment.name if "name" in sealed else None)
    if held != (sealed.get("process_id"), sealed.get("version"), sealed.get("name")):
        return Found(deployment.id, label, "deployment_altered",
                     f"tên, mã hoặc số phiên bản của {label} khác với khi triển khai (đã bị sửa ngoài ứng dụng)")
    return None


def _sealed(deployment: Deployment) -> dict[str, object]:
    return {"deployment": deployment.id, "process_id": deployment.process_id, "version": deployment.version,
            "name": deployment.name, "content_hash": deployment.content_hash}


def _label(sealed: dict[str, object]) -> str:
    return f"quy trình «{sealed.get('name') or sealed.get('process_id')}» phiên bản {sealed.get('version')}"
