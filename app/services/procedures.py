"""The registry of procedures: what one process adds to the generic services, and what it needs from its diagram.

Generic services, pages and templates never name a process or a step: they ask the registry the
app factory filled (``rt.procedures``). A procedure's code reads its diagram's step ids, forms,
messages and escalation codes, so its ``Contract`` declares them and every deploy checks it
(``Contract.check``): renaming a step the code relies on is refused, naming the element, instead
of deploying cleanly and breaking a page later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.engine import CompiledProcess
from app.engine.lint_problem import Problem
from app.persistence.models import Instance

if TYPE_CHECKING:  # the runtime holds the registry
    from app.services.principal import Principal
    from app.services.runtime import Runtime

CONTRACT_RULE = "procedure-contract"
CASE, PLAN = "case", "plan"  # a case is received at the desk; a plan is drawn up from its own pages


@dataclass(frozen=True)
class Contract:
    """What a procedure's code reads from its diagram; a field path is dotted, ``*`` for an array's items."""

    start_form: str | None = None  # the form the start event must collect
    steps: Mapping[str, str] = field(default_factory=dict)  # user-task id -> the form it must collect
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # form file -> field paths it must have
    messages: frozenset[str] = frozenset()  # message names the code sends or expects the diagram to catch
    escalations: frozenset[str] = frozenset()  # escalation codes the code reads from the audit trail

    def check(self, process: CompiledProcess, diagram: str) -> list[Problem]:
        """Every element the code needs that the compiled process lacks, each named with its file."""
        problems = [self._step_problem(process, diagram, step, form) for step, form in sorted(self.steps.items())]
        if self.start_form is not None and process.start.form != self.start_form:
            problems.append(Problem(diagram, process.start.event_id or process.process_id, None, CONTRACT_RULE,
                                    f"Sự kiện bắt đầu phải dùng biểu mẫu {self.start_form} "
                                    f"(sơ đồ ghi {process.start.form})."))
        problems += [Problem(diagram, name, None, CONTRACT_RULE,
                             f"Thiếu thông điệp «{name}» mà mã của quy trình {process.process_id} dùng.")
                     for name in sorted(self.messages - process.messages)]
        problems += [Problem(diagram, code, None, CONTRACT_RULE,
                             f"Thiếu mã cảnh báo «{code}» mà mã của quy trình {process.process_id} đọc.")
                     for code in sorted(self.escalations - set(process.escalation_names))]
        for form, paths in sorted(self.fields.items()):
            problems += [Problem(f"forms/{process.process_id}/{form}", path, None, CONTRACT_RULE,
                                 f"Biểu mẫu {form} thiếu trường «{path}» mà mã của quy trình dùng.")
                         for path in paths if not _has_field(process.forms.get(form), path)]
        return [p for p in problems if p is not None]

    @staticmethod
    def _step_problem(process: CompiledProcess, diagram: str, step: str, form: str) -> Problem | None:
        info = process.user_tasks.get(step)
        if info is None:
            return Problem(diagram, step, None, CONTRACT_RULE,
                           f"Thiếu bước «{step}» mà mã của quy trình {process.process_id} dùng (bước bị đổi tên "
                           "hoặc bị xóa?).")
        if info.form != form:
            return Problem(diagram, step, None, CONTRACT_RULE,
                           f"Bước «{step}» phải dùng biểu mẫu {form} (sơ đồ ghi {info.form}).")
        return None


def _has_field(schema: dict[str, Any] | None, path: str) -> bool:
    node: Any = schema
    for part in path.split("."):
        if not isinstance(node, dict):
            return False
        node = node.get("items") if part == "*" else (node.get("properties") or {}).get(part)
    return isinstance(node, dict)


@dataclass(frozen=True)
class TaskHook:
    """Extra work around one step: ``prepare`` checks what the step submits before anything is saved
    (no lock held), ``store`` saves rows in the step's own write transaction (which holds the case's lock)."""

    prepare: Callable[[Runtime, Session, Principal, dict[str, Any], dict[str, Any]], Any]  # ..., seen, submitted
    store: Callable[[Runtime, Session, Principal, Instance, Any], Any]  # ..., the case, what prepare returned


@dataclass(frozen=True)
class Home:
    """The page where a case of the procedure is looked after instead of the generic case page."""

    endpoint: str  # a web endpoint taking ``param``
    param: str
    term: str  # how the case page names the link («Kế hoạch tiếp công dân»)
    text: str


@dataclass(frozen=True)
class NavLink:
    """A navigation entry the procedure adds, shown to those ``visible`` admits (rt, principal)."""

    endpoint: str
    label: str
    visible: Callable[[Runtime, Principal], bool]
    active: str  # the endpoints (by prefix) on which the entry shows as the current page


@dataclass(frozen=True)
class CaseLink:
    """A line a procedure adds to any case's page, linking to one of its own pages."""

    term: str
    text: str
    endpoint: str
    values: Mapping[str, Any]  # the endpoint's arguments
    anchor: str | None = None
    element_id: str | None = None  # the line's id on the page


@dataclass(frozen=True)
class ActMatch:
    """Which events of the audit trail are one kind of act (``services.audit_search.KINDS``): an action, on a step
    if the act is a step, and a fragment of the event's canonical JSON where the step's answer decides (accepted or
    not) — declared by the procedure so generic code never names a step."""

    action: str
    step: str | None = None
    data_contains: str | None = None  # e.g. '"accepted":false' (canonical JSON: no spaces, sorted keys)


@dataclass(frozen=True)
class Procedure:
    """One process's own knowledge, handed to the generic services by the registry."""

    process_id: str
    kind: str = CASE
    contract: Contract = field(default_factory=Contract)
    deadline_labels: Mapping[str, str] = field(default_factory=dict)  # deadline variable -> officers' label
    case_variables: Mapping[str, str] = field(default_factory=dict)  # what the diagram computes, named for officers
    event_fields: Mapping[str, str] = field(default_factory=dict)  # what its events record, named for officers
    choices_of: Mapping[str, str] = field(default_factory=dict)  # computed variable -> field whose options it takes
    duplicate_checked: bool = False  # its start form names a complainant and a first decision
    task_hooks: Mapping[str, TaskHook] = field(default_factory=dict)  # step id -> hook
    document_sources: Mapping[str, Callable[[Session, Instance], Any]] = field(default_factory=dict)
    home: Home | None = None
    case_links: Callable[[Session, Mapping[str, Any]], list[CaseLink]] | None = None  # from any case's data
    nav: NavLink | None = None
    start_note: str = ""  # what the new-case page says the system computes once the form is saved
    start_label: str = ""  # the new-case page's button, when not «Tiếp nhận đơn»
    start_cancel: str = ""  # where the new-case page's «Hủy» leads, when not the inbox
    acts: Mapping[str, tuple[ActMatch, ...]] = field(default_factory=dict)  # kind of act -> the events that are it
    outcomes: Mapping[str, str] = field(default_factory=dict)  # a finished case's ``outcome`` -> officers' label
    resolved_outcomes: frozenset[str] = frozenset()  # the outcomes the dashboard counts as «đã giải quyết»


class Procedures:
    """The procedures an app knows, by process id; a process without one runs on the generic services alone."""

    def __init__(self, procedures: list[Procedure] | None = None) -> None:
        self._by_id: dict[str, Procedure] = {}
        for procedure in procedures or []:
            self.add(procedure)

    def add(self, procedure: Procedure) -> None:
        if procedure.process_id in self._by_id:
            raise ValueError(f"procedure {procedure.process_id} registered twice")
        self._by_id[procedure.process_id] = procedure

    def get(self, process_id: str) -> Procedure | None:
        return self._by_id.get(process_id)

    def all(self) -> list[Procedure]:
        return list(self._by_id.values())

    def of_kind(self, kind: str) -> frozenset[str]:
        return frozenset(p.process_id for p in self._by_id.values() if p.kind == kind)

    def task_hook(self, process_id: str, step: str) -> TaskHook | None:
        procedure = self._by_id.get(process_id)
        return procedure.task_hooks.get(step) if procedure else None

    def document_source(self, process_id: str, name: str) -> Callable[[Session, Instance], Any] | None:
        procedure = self._by_id.get(process_id)
        return procedure.document_sources.get(name) if procedure else None

    def case_links(self, session: Session, data: Mapping[str, Any]) -> list[CaseLink]:
        """What every procedure adds to a case's page from the case's data (a case knows not which one did)."""
        return [link for p in self._by_id.values() if p.case_links for link in p.case_links(session, data)]

    def labels(self, attribute: str) -> dict[str, str]:
        """One kind of label (``deadline_labels``, ``case_variables``, …) of every procedure, in registration order."""
        merged: dict[str, str] = {}
        for procedure in self._by_id.values():
            merged.update(getattr(procedure, attribute))
        return merged

    def resolved_outcomes(self) -> frozenset[str]:
        """Outcomes any procedure counts as a case resolved (the dashboard's «Đã giải quyết trong tháng»)."""
        return frozenset().union(*(p.resolved_outcomes for p in self._by_id.values()))

    def acts(self, kind: str) -> list[ActMatch]:
        """The events every procedure declares to be one kind of act (an audit search's «loại việc»)."""
        return [match for p in self._by_id.values() for match in p.acts.get(kind, ())]

    def contract_problems(self, process: CompiledProcess, diagram: str) -> list[Problem]:
        procedure = self._by_id.get(process.process_id)
        return procedure.contract.check(process, diagram) if procedure else []
