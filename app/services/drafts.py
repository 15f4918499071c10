"""Drafts of a task's form (lưu nháp): kept per task and officer until the task stops waiting.

A draft is what the officer typed, kept as it was posted — the page's raw fields, or the API's
JSON — so nothing is lost to a validation rule the form would apply. It is no part of the case:
not in its data, not in its legal trail. Saving one is allowed exactly to those who may complete
the task (``access.require_task_work``); it is bounded in size, and refused (naming the field)
when a value holds a control character, as every field of the product is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.errors import InvalidInput, TaskNotReady
from app.persistence import worklist
from app.persistence.worklist import TaskDraft
from app.services import access
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.tasks import require_row_sealed, task_or_error
from app.text import unfit

MAX_BYTES = 1024 * 1024  # a draft's stored text; a page's whole form is at most MAX_FORM_MEMORY_SIZE (2 MB)
MAX_FIELDS = 5_000  # fields of a page's draft (as MAX_FORM_PARTS)


@dataclass(frozen=True)
class Draft:
    task_id: str
    saved_at: datetime
    size: int
    fields: list[tuple[str, str]] | None  # a page's posted fields, in order
    data: dict[str, Any] | None  # the API's JSON


def save_draft(rt: Runtime, principal: Principal, task_id: str, *, fields: list[tuple[str, str]] | None = None,
               data: dict[str, Any] | None = None) -> Draft:
    """Keep what was typed for this task and officer, replacing the previous draft."""
    content = _content(fields, data)
    size = len(content.encode("utf-8"))
    if size > MAX_BYTES:
        raise InvalidInput(f"Bản nháp quá lớn ({size // 1024:,} kB; tối đa {MAX_BYTES // 1024:,} kB).".replace(",", "."))
    with rt.db.writing() as session:
        row = task_or_error(session, task_id, principal)
        access.require_task_work(principal, row)
        require_row_sealed(rt, session, row)
        now = rt.now()
        found = worklist.draft(session, task_id, principal.username)
        if found is None:
            session.add(TaskDraft(task_id=task_id, username=principal.username, instance_id=row.instance_id,
                                  content=content, size=size, saved_at=now))
            try:
                session.flush()
            except IntegrityError as exc:  # the task was completed meanwhile: its row, which drafts need, is gone
                raise TaskNotReady() from exc
        else:
            found.content, found.size, found.saved_at = content, size, now
        return Draft(task_id, now, size, fields, data)


def get_draft(rt: Runtime, principal: Principal, task_id: str) -> Draft | None:
    """The caller's draft of a task they may work on (None if they have none, or may not work it now)."""
    with rt.db.reading() as session:
        row = task_or_error(session, task_id, principal)
        if not access.may_do_task(principal, row):
            return None
        found = worklist.draft(session, task_id, principal.username)
        return _draft(found) if found is not None else None


def discard_draft(rt: Runtime, principal: Principal, task_id: str) -> bool:
    """Throw the caller's draft away; whether there was one."""
    with rt.db.writing() as session:
        row = task_or_error(session, task_id, principal)
        access.require_task_work(principal, row)
        require_row_sealed(rt, session, row)
        found = worklist.draft(session, task_id, principal.username)
        if found is not None:
            session.delete(found)
        return found is not None


def _content(fields: list[tuple[str, str]] | None, data: dict[str, Any] | None) -> str:
    if fields is not None:
        if len(fields) > MAX_FIELDS:
            raise InvalidInput(f"Bản nháp có quá nhiều trường (tối đa {MAX_FIELDS:,}).".replace(",", "."))
        bad = {name or "_form": reason for name, value in fields if (reason := unfit(name) or unfit(value))}
        if bad:
            raise InvalidInput("Bản nháp có ký tự không hợp lệ; hãy sửa trường được đánh dấu.", fields=bad)
        return json.dumps({"fields": [list(pair) for pair in fields]}, ensure_ascii=False, separators=(",", ":"))
    if not isinstance(data, dict):
        raise InvalidInput("Bản nháp phải là một đối tượng JSON.")
    return json.dumps({"data": data}, ensure_ascii=False, separators=(",", ":"))


def _draft(row: TaskDraft) -> Draft:
    content = json.loads(row.content)
    fields = content.get("fields")
    return Draft(row.task_id, row.saved_at, row.size,
                 [(str(name), str(value)) for name, value in fields] if isinstance(fields, list) else None,
                 content.get("data") if isinstance(content.get("data"), dict) else None)
