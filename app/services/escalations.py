"""Escalations: legal deadlines that passed, for the resolver and the inspectorate to see."""

from __future__ import annotations

from app.errors import Forbidden, NotFound
from app.persistence import audit, queries
from app.persistence.models import Escalation
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import ESCALATION_ROLES, lock_instance

READERS = frozenset({*ESCALATION_ROLES, "auditor"})


def list_escalations(rt: Runtime, principal: Principal, *, open_only: bool, instance_id: int | None,
                     page: int, per_page: int) -> queries.Page:
    if not principal.has_any(set(READERS)):
        raise Forbidden("Chỉ người giải quyết, thanh tra và kiểm tra mới xem cảnh báo quá hạn.")
    with rt.db.reading() as session:
        return queries.escalations(session, open_only=open_only, instance_id=instance_id, page=page,
                                   per_page=per_page)


def acknowledge(rt: Runtime, principal: Principal, escalation_id: int) -> Escalation:
    if not principal.has_any(set(ESCALATION_ROLES)):
        raise Forbidden("Chỉ người giải quyết hoặc thanh tra mới xác nhận cảnh báo.")
    now = rt.now()
    with rt.db.writing() as session:
        escalation = session.get(Escalation, escalation_id)
        if escalation is None:
            raise NotFound("Không có cảnh báo này.")
        lock_instance(session, escalation.instance_id)
        if escalation.acknowledged_at is None:
            escalation.acknowledged_at, escalation.acknowledged_by = now, principal.username
            audit.append_event(session, instance_id=escalation.instance_id, at=now, actor=principal.username,
                               action="escalation_acknowledged", data={"code": escalation.code})
        return escalation
