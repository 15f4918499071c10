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
class ProcessVersions:
    process_id: str
    name: str
    versions: list[VersionSummary]


@dataclass(frozen=True)
class OpenedVersion:
    process_id: str
    version: VersionSummary
    versions: list[VersionSummary]  # every version of the process, oldest first
    files: dict[str, str]


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


def overview(rt: Runtime, principal: Principal) -> list[ProcessVersions]:
    """Every deployed process with its versions, for the analyst's list: counts come from one grouped query each."""
    access.require(principal, Right.READ_VERSIONS)
    with rt.db.reading() as session:
        by_process: dict[str, list[Deployment]] = {}
        for deployment in queries.deployments(session):
            by_process.setdefault(deployment.process_id, []).append(deployment)
        found = []
        for process_id, deployments in by_process.items():
            counts = queries.case_counts_by_deployment(session, process_id)
            found.append(ProcessVersions(process_id, deployments[-1].name,
                                         [_summary(d, counts.get(d.id, {})) for d in deployments]))
        return found


def version_files(rt: Runtime, principal: Principal, process_id: str, version: int) -> dict[str, str]:
    """The files a version's cases run, as stored at deploy: what the modeler opens, never the files on disk.

    :raises NotFound: the process or the version was never deployed.
    """
    access.require(principal, Right.READ_VERSIONS)
    with rt.db.reading() as session:
        return _files(session, process_id, version)


def open_version(rt: Runtime, principal: Principal, process_id: str, version: int) -> OpenedVersion:
    """One version with its files and its siblings, so the analyst's page sees what it edits and what still runs."""
    summaries = deployments_of(rt, principal, process_id)
    opened = next((s for s in summaries if s.version == version), None)
    if opened is None:
        raise NotFound(f"Quy trình «{process_id}» không có phiên bản {version}.")
    return OpenedVersion(process_id, opened, summaries, version_files(rt, principal, process_id, version))


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
