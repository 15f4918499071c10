"""Move running cases to another deployed version of their process (analysts and admins).

A case stays pinned to the deployment it started on until an analyst moves it. The preview tries
each case's move in memory (``app.engine.migration``: SpiffWorkflow's diff and migration, our
safety rule) and says which can move and why the others cannot; the move does the same, then saves
each movable case in a transaction of its own under its optimistic version, through the same
``save_run`` a completed step goes through (task rows, timer job, escalations, routed officers) with
a ``migrated`` event in its trail. A case that cannot move, or fails, is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.engine import MoveRefused, WorkflowRun
from app.errors import AppError, FormValidationError, NotFound
from app.persistence import audit, queries
from app.persistence.models import Deployment, Instance
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import load_run, relock, save_run

MAX_CASES = 500
# whoever runs ``flask processes migrate`` on the server holds the database already; the trail names them "cli"
COMMAND_LINE = Principal(0, "cli", "Dòng lệnh", frozenset({"admin"}))
MAX_ID = 2**31  # ids past the id columns (PostgreSQL integer) name no case, and are never sent to the database
NOT_FOUND = "Không tìm thấy hồ sơ đang chạy của quy trình này (hoặc hồ sơ thuộc cơ quan khác)."


@dataclass(frozen=True)
class CaseMove:
    """One case of a preview or a move: whether it can move (or moved) and, if not, why."""

    instance_id: int
    case_number: str | None
    from_version: int | None
    movable: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MigrationPreview:
    process_id: str
    to_version: int
    cases: list[CaseMove]
    more: bool  # more running cases on ``from_version`` than one request takes (``MAX_CASES``)


@dataclass(frozen=True)
class MigrationResult:
    process_id: str
    to_version: int
    moved: list[CaseMove]
    refused: list[CaseMove]


@dataclass(frozen=True)
class _Selection:
    target: Deployment
    instances: list[Instance | int]  # an id that names no case of the process (in the caller's scope) stays an int
    more: bool


def preview(rt: Runtime, principal: Principal, process_id: str, to_version: int,
            instance_ids: Sequence[int] | None = None, from_version: int | None = None) -> MigrationPreview:
    """Which of the selected cases can move to ``to_version``, and what keeps each other one where it is."""
    access.require(principal, Right.MIGRATE)
    with rt.db.reading() as session:
        chosen = _select(session, principal, process_id, to_version, instance_ids, from_version)
        cases = [_tried(rt, session, item, chosen.target).entry for item in chosen.instances]
    return MigrationPreview(process_id, to_version, cases, chosen.more)


def migrate(rt: Runtime, principal: Principal, process_id: str, to_version: int,
            instance_ids: Sequence[int] | None = None, from_version: int | None = None) -> MigrationResult:
    """Move every selected case that can move, each in its own transaction; report the others untouched."""
    access.require(principal, Right.MIGRATE)
    with rt.db.reading() as session:
        chosen = _select(session, principal, process_id, to_version, instance_ids, from_version)
    moved: list[CaseMove] = []
    refused: list[CaseMove] = []
    for item in chosen.instances:
        entry = _move_one(rt, principal, item, chosen.target)
        (moved if entry.movable else refused).append(entry)
    return MigrationResult(process_id, to_version, moved, refused)


def _move_one(rt: Runtime, principal: Principal, item: Instance | int, target: Deployment) -> CaseMove:
    with rt.db.reading() as session:
        if isinstance(item, Instance):  # read again: the selection's session is closed
            item = queries.instance(session, item.id) or item.id
        tried = _tried(rt, session, item, target)
    if tried.run is None or not isinstance(item, Instance):
        return tried.entry
    entry = tried.entry
    try:
        with rt.db.writing() as session:
            instance = relock(rt, session, item.id, item.version)
            old_version = instance.deployment.version
            instance.deployment = session.get_one(Deployment, target.id)
            save_run(rt, session, instance, tried.run, actor=principal.username, action="migrated", before=tried.before,
                     extra={"from_version": old_version, "to_version": target.version})
    except AppError as error:  # e.g. someone completed a step meanwhile (409): the case stays as it was
        return CaseMove(entry.instance_id, entry.case_number, entry.from_version, False, [error.message])
    return entry


@dataclass(frozen=True)
class _Tried:
    entry: CaseMove
    run: WorkflowRun | None = None  # the case moved in memory, when it can move
    before: dict[str, Any] = field(default_factory=dict)  # its data before the move, for the trail's changes


def _tried(rt: Runtime, session: Session, item: Instance | int, target: Deployment) -> _Tried:
    """The case's move tried in memory, nothing saved."""
    if not isinstance(item, Instance):
        return _Tried(CaseMove(item, None, None, False, [NOT_FOUND]))
    refusal = _refusal(rt, item, target)
    if refusal:
        return _Tried(_entry(item, [refusal]))
    try:
        _, run = load_run(rt, session, item)
        before, new = run.data, rt.process(session, target)
        moved = rt.engine.move(run, new, rt.engine.plan_move(run, new))
    except MoveRefused as refused:
        return _Tried(_entry(item, [o.sentence(target.version) for o in refused.obstacles]))
    except AppError as error:
        return _Tried(_entry(item, [error.message]))
    return _Tried(_entry(item, []), moved, before)


def _refusal(rt: Runtime, instance: Instance, target: Deployment) -> str | None:
    if instance.status != "running":
        return "Hồ sơ đã kết thúc; hồ sơ đã kết thúc không chuyển phiên bản."
    if instance.deployment_id == target.id:
        return f"Hồ sơ đã chạy trên phiên bản {target.version}."
    if not audit.row_is_sealed(rt.audit_keys, instance):
        return "Hồ sơ không khớp với nhật ký đã niêm phong; không chuyển phiên bản."
    return None


def _entry(instance: Instance, reasons: list[str]) -> CaseMove:
    return CaseMove(instance.id, instance.case_number, instance.deployment.version, not reasons, reasons)


def _select(session: Session, principal: Principal, process_id: str, to_version: int,
            instance_ids: Sequence[int] | None, from_version: int | None) -> _Selection:
    """The target deployment and the cases chosen by exactly one of ``instance_ids`` and ``from_version``.

    A case of another process, or out of the caller's organisation, is reported as not found, like an unknown id.
    """
    _check_selector(to_version, instance_ids, from_version)
    target = _deployment(session, process_id, to_version)
    if from_version is not None:
        source = _deployment(session, process_id, from_version)
        found = queries.running_on(session, access.organisation_scope(principal), source.id, MAX_CASES + 1)
        return _Selection(target, list(found[:MAX_CASES]), len(found) > MAX_CASES)
    ids = list(dict.fromkeys(instance_ids or []))
    known = queries.instances_by_ids(session, [i for i in ids if 0 < i < MAX_ID])
    chosen: list[Instance | int] = []
    for instance_id in ids:
        instance = known.get(instance_id)
        visible = instance is not None and instance.process_id == process_id and access.in_scope(
            principal, instance.organisation)
        chosen.append(instance if visible and instance is not None else instance_id)
    return _Selection(target, chosen, False)


def _check_selector(to_version: int, instance_ids: Sequence[int] | None, from_version: int | None) -> None:
    if (instance_ids is None) == (from_version is None):
        raise FormValidationError("Hãy chọn hồ sơ theo đúng một cách: danh sách hồ sơ hoặc phiên bản hiện tại.",
                                  fields={"instance_ids": "Gửi instance_ids hoặc from_version, không cả hai."})
    if instance_ids is not None and not 1 <= len(instance_ids) <= MAX_CASES:
        raise FormValidationError(f"Mỗi lần chuyển từ 1 đến {MAX_CASES} hồ sơ.",
                                  fields={"instance_ids": f"Từ 1 đến {MAX_CASES} hồ sơ."})
    if from_version is not None and from_version == to_version:
        raise FormValidationError("Phiên bản đích trùng phiên bản hiện tại của hồ sơ.",
                                  fields={"to_version": "Hãy chọn một phiên bản khác phiên bản hiện tại."})


def _deployment(session: Session, process_id: str, version: int) -> Deployment:
    deployment = queries.deployment_of(session, process_id, version)
    if deployment is not None:
        return deployment
    if queries.latest_deployment(session, process_id) is None:
        raise NotFound(f"Không tìm thấy quy trình «{process_id}».")
    raise NotFound(f"Quy trình «{process_id}» không có phiên bản {version}.")
