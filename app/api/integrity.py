"""Integrity at a glance: runs of the audit check (the last, one case now, every chain queued for the worker)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from app.api.auth import current_principal, login_required, runtime
from app.api.parsing import ApiBlueprint
from app.errors import InvalidInput
from app.persistence.models import IntegrityRun
from app.routing import MAX_ID
from app.services import integrity_runs

blp = ApiBlueprint("integrity", __name__, url_prefix="/api/audit/integrity-runs",
                   description="Kiểm tra toàn vẹn nhật ký kiểm toán")


class IntegrityProblemSchema(Schema):
    chain = fields.String(metadata={"description": "case:<id> | accounts | checkpoints"})
    label = fields.String()
    seq = fields.Integer(allow_none=True)
    kind = fields.String()
    message = fields.String()


class IntegrityRunSchema(Schema):
    id = fields.Integer()
    scope = fields.String(metadata={"description": "all | case"})
    instance_id = fields.Integer(allow_none=True)
    label = fields.String()
    status = fields.String(metadata={"description": "queued | running | done | failed"})
    requested_by = fields.String()
    requested_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    ok = fields.Boolean(allow_none=True)
    cases = fields.Integer()
    events = fields.Integer()
    account_events = fields.Integer()
    checkpoints = fields.Integer()
    problem_count = fields.Integer()
    problems = fields.List(fields.Nested(IntegrityProblemSchema))
    error = fields.String(allow_none=True)


class IntegrityOverviewSchema(Schema):
    last_full = fields.Nested(IntegrityRunSchema, allow_none=True)
    pending = fields.Nested(IntegrityRunSchema, allow_none=True)
    recent = fields.List(fields.Nested(IntegrityRunSchema))


class IntegrityRunBody(Schema):
    scope = fields.String(required=True, validate=validate.OneOf(["all", "case"]))
    instance_id = fields.Integer(validate=validate.Range(1, MAX_ID))


def run_dict(run: IntegrityRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    body = {c: getattr(run, c) for c in IntegrityRunSchema().fields if c != "problems"}
    return {**body, "problems": integrity_runs.problems_of(run)}


@blp.route("")
@blp.response(200, IntegrityOverviewSchema)
@login_required
def overview() -> Any:
    """Lần kiểm tra toàn bộ gần nhất, lượt đang chờ hoặc đang chạy, và các lần gần đây."""
    found = integrity_runs.overview(runtime(), current_principal())
    return {"last_full": run_dict(found.last_full), "pending": run_dict(found.pending),
            "recent": [run_dict(r) for r in found.recent]}


@blp.route("", methods=["POST"])
@blp.arguments(IntegrityRunBody)
@blp.response(201, IntegrityRunSchema)
@login_required
def start(body: dict[str, Any]) -> Any:
    """Kiểm tra một hồ sơ ngay (scope=case, instance_id), hoặc xếp lượt kiểm tra toàn bộ cho tiến trình nền."""
    if body["scope"] == "case":
        if not body.get("instance_id"):
            raise InvalidInput("Cần instance_id khi kiểm tra một hồ sơ.", fields={"instance_id": "Bắt buộc."})
        return run_dict(integrity_runs.check_case_now(runtime(), current_principal(), body["instance_id"]))
    return run_dict(integrity_runs.queue_full_check(runtime(), current_principal()))


@blp.route("/<id:run_id>")
@blp.response(200, IntegrityRunSchema)
@login_required
def get_run(run_id: int) -> Any:
    """Một lần kiểm tra: tình trạng (queued, running, done, failed), số liệu và các điểm không khớp."""
    return run_dict(integrity_runs.get_run(runtime(), current_principal(), run_id))
