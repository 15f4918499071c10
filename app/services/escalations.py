"""Escalations: legal deadlines that passed, for the resolver and the inspectorate to see."""

from __future__ import annotations

from app.errors import NotFound
from app.persistence import audit, queries
from app.persistence.models import Escalation
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.services.state import lock_instance


def list_escalations(rt: Runtime, principal: Principal, *, open_only: bool, instance_id: int | None,
                     page: int, per_page: int) -> queries.Page:
    """Escalations of the cases the caller may read, newest first."""
    access.require(principal, Right.READ_ESCALATIONS)
    with rt.db.reading() as session:
        scope = access.case_scope(rt, session, principal)
        return queries.escalations(session, scope, open_only=open_only, instance_id=instance_id, page=page,
                                   per_page=per_page)


def acknowledge(rt: Runtime, principal: Principal, escalation_id: int) -> Escalation:
    access.require(principal, Right.ACKNOWLEDGE_ESCALATIONS)
    now = rt.now()
    with rt.db.writing() as session:
        escalation = session.get(Escalation, escalation_id)
        if escalation is None or not access.in_scope(principal, escalation.instance.organisation):
            raise NotFound(access.ESCALATION_NOT_FOUND)
        instance = lock_instance(rt, session, escalation.instance_id)
        access.require_case(principal, rt.process(session, instance.deployment), instance)
        if escalation.acknowledged_at is None:
            escalation.acknowledged_at, escalation.acknowledged_by = now, principal.username
            audit.append_event(session, rt.audit_keys, instance, at=now, actor=principal.username,
                               action="escalation_acknowledged", data={"code": escalation.code})
        return escalation
