"""The reception plan for a National Assembly session (tiếp công dân phục vụ kỳ họp Quốc hội).

Its register (``register``, with the law's rules in ``register_rules`` and Mẫu số 03/TCD's columns in
``register_columns``), its pages' read models (``plans``), its report (``reports``), its pages
(``pages``, templates beside them) and API (``api``). The contract names every step, form field,
message and escalation code that code reads from the diagram.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask
from sqlalchemy.orm import Session

from app.persistence import queries
from app.persistence.models import Instance
from app.services.principal import Principal
from app.services.procedures import PLAN, CaseLink, Contract, Home, NavLink, Procedure, TaskHook
from app.services.runtime import Runtime

PROCESS_ID = "na_session_reception"
DAILY_TASK = "record_reception_day"
DAILY_FORM = "record_reception_day.schema.json"
CENTRAL_MESSAGE = "central_coordination"
CENTRAL_OUTCOME = "bring_citizens_back"  # the step that closes a central event with its outcome
CENTRAL_STEPS = ("alert_competent_unit", CENTRAL_OUTCOME)  # where an open central event waits
UNIT_STEP = "report_unit"
UNIT_LATE = "unit_report_overdue"

RECORD = "reception_day.records.*"
RECORD_FIELDS = tuple(f"{RECORD}.{name}" for name in (
    "persons", "persons.*.full_name", "address", "people_count", "kind", "handling", "content", "complaint",
    "representatives", "bypassing", "protracted", "within_competence"))
CONTRACT = Contract(
    steps={DAILY_TASK: DAILY_FORM, UNIT_STEP: "unit_report.schema.json",
           "alert_competent_unit": "alert_competent_unit.schema.json",
           CENTRAL_OUTCOME: "bring_citizens_back.schema.json"},
    fields={DAILY_FORM: (RECORD, *RECORD_FIELDS)},
    messages=frozenset({CENTRAL_MESSAGE}),
    escalations=frozenset({UNIT_LATE}),
)
DEADLINE_LABELS = {
    "plan_deadline": "Hạn trình kế hoạch",
    "unit_report_deadline": "Hạn báo cáo của đơn vị",
    "report_deadline": "Hạn báo cáo tổng hợp",
}
START_NOTE = ("Hệ thống tính các ngày tiếp công dân, hạn báo cáo của các đơn vị và giao việc cho từng đơn vị "
              "sau khi lưu.")


def _prepare_day(rt: Runtime, session: Session, principal: Principal, seen: dict[str, Any],
                 data: dict[str, Any]) -> Any:
    from app.procedures.na_session_reception import register

    return register.prepare_entry(rt, session, principal, str(seen.get("day", "")), data)


def _store_day(rt: Runtime, session: Session, principal: Principal, plan: Instance, prepared: Any) -> Any:
    from app.procedures.na_session_reception import register

    return register.store_entry(rt, session, principal, plan, prepared)


def _register_rows(session: Session, plan: Instance) -> list[dict[str, str]]:
    from app.procedures.na_session_reception import register

    return register.document_rows(session, plan.id)


def _register_link(session: Session, data: Mapping[str, Any]) -> list[CaseLink]:
    """The register record a case was opened from (sổ tiếp công dân), for the link back."""
    link = data.get("reception_record")
    record_id = link.get("id") if isinstance(link, dict) else None
    record = queries.reception_record(session, record_id) if isinstance(record_id, int) else None
    if record is None or not isinstance(link, dict):
        return []
    plan = str(link.get("plan_case_number") or "")
    return [CaseLink("Mở từ sổ tiếp công dân", f"Lượt tiếp số {record.sequence}" + (f" của kế hoạch {plan}" if plan else ""),
                     "web.plan_register", {"plan_id": record.plan_instance_id}, f"record-{record.id}", "from-register")]


def _reads_plans(rt: Runtime, principal: Principal) -> bool:
    from app.procedures.na_session_reception import plans

    return plans.may_read_plans(rt, principal)


def procedure() -> Procedure:
    # The hooks import the register when they run: it opens complaint cases (app.services.cases), which
    # issue documents, which reach the register's rows through the registry.
    return Procedure(
        PROCESS_ID, kind=PLAN, contract=CONTRACT, deadline_labels=DEADLINE_LABELS,
        event_fields={"sequence": "Lượt tiếp số"},
        task_hooks={DAILY_TASK: TaskHook(_prepare_day, _store_day)},
        document_sources={"register": _register_rows},
        case_links=_register_link,
        home=Home("web.plan", "plan_id", "Kế hoạch tiếp công dân", "Trang tổng quan của kế hoạch"),
        nav=NavLink("web.plan_list", "Kế hoạch tiếp công dân", _reads_plans, active="web.plan"),
        start_note=START_NOTE, start_label="Lập kế hoạch", start_cancel="web.plan_list",
    )


def init_app(app: Flask) -> None:
    """Its pages join the web blueprint (same endpoints and URLs); its templates come from here."""
    from app.procedures.na_session_reception import pages  # noqa: F401 - adds the routes

    app.register_blueprint(Blueprint(f"{PROCESS_ID}_templates", __name__, template_folder="templates"))


def api_blueprints() -> list[Any]:
    from app.procedures.na_session_reception import api

    return [api.blp]
