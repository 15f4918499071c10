"""A process's deployed versions and what changed between two of them (analysts and admins).

An analyst deciding whether a new version is safe to roll out needs to see which versions still
carry cases and what exactly a version changed; both are read from what was stored at deploy,
never from the files on disk, so the answer is what the cases actually run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.engine.diff import VersionDiff, diff_files
from app.errors import NotFound
from app.persistence import queries
from app.persistence.models import Deployment
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime


@dataclass(frozen=True)
class VersionSummary:
    version: int
    deployment_id: int
    name: str
    deployed_by: str
    deployed_at: datetime
    content_hash: str
    cases: int  # every case started on this version
    running: int
    finished: int


@dataclass(frozen=True)
class VersionChanges:
    process_id: str
    from_version: int
    to_version: int
    diff: VersionDiff


def deployments_of(rt: Runtime, principal: Principal, process_id: str) -> list[VersionSummary]:
    """Every version of a process, oldest first, with how many cases run on each and how many finished."""
    access.require(principal, Right.READ_VERSIONS)
    with rt.db.reading() as session:
        deployments = queries.process_deployments(session, process_id)
        if not deployments:
            raise NotFound(f"Không tìm thấy quy trình «{process_id}».")
        counts = queries.case_counts_by_deployment(session, process_id)
        return [_summary(d, counts.get(d.id, {})) for d in deployments]


def _summary(deployment: Deployment, counts: dict[str, int]) -> VersionSummary:
    return VersionSummary(
        version=deployment.version, deployment_id=deployment.id, name=deployment.name,
        deployed_by=deployment.deployed_by, deployed_at=deployment.deployed_at, content_hash=deployment.content_hash,
        cases=sum(counts.values()), running=counts.get("running", 0), finished=counts.get("completed", 0),
    )


def diff(rt: Runtime, principal: Principal, process_id: str, from_version: int, to_version: int) -> VersionChanges:
    """What ``to_version`` changed against ``from_version``: diagram elements, forms, templates, other files.

    :raises NotFound: the process or either version was never deployed.
    """
    access.require(principal, Right.READ_VERSIONS)
    with rt.db.reading() as session:
        before = _files(session, process_id, from_version)
        after = _files(session, process_id, to_version)
    return VersionChanges(process_id, from_version, to_version, diff_files(before, after))


def _files(session: Session, process_id: str, version: int) -> dict[str, str]:
    deployment = queries.deployment_of(session, process_id, version)
    if deployment is None:
        if queries.latest_deployment(session, process_id) is None:
            raise NotFound(f"Không tìm thấy quy trình «{process_id}».")
        raise NotFound(f"Quy trình «{process_id}» không có phiên bản {version}.")
    return queries.deployment_files(session, deployment.id)
