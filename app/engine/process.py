"""Turn a deployment's files into an immutable, validated, runnable process.

Everything that can be checked once is checked here, at deploy time, so that nothing is
parsed or compiled per request: XML safety, the BPMN XSD, every script and expression
(against the sandbox and its budget), constant timer values and instance counts (``app.engine.limits``),
every form (JSON Schema), every user task's role and form, and every escalation's deadline variable
(``app.engine.deadline_contract``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from app.engine.deadline_contract import check_escalation_refs, escalation_code, escalation_deadlines
from app.engine.deadlines import REGIMES
from app.engine.documents import DOCUMENTS_DIR, DocumentKind, check_kinds, declared_kinds, deployable_names
from app.engine.forms import compile_schema, form_fields
from app.engine.instructions import InstructionsRefused, check_instructions
from app.engine.labels import FormLabels, form_labels
from app.engine.limits import BoundedBpmnParser, check_constants
from app.engine.links import settle_links
from app.engine.safe_xml import parse_xml
from app.engine.sandbox import UnsafeCode, check_source
from app.errors import DiagramError, UnsafeDiagram
from app.roles import ROLES

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
_FORM = "formJsonSchemaFilename"
_UI_FORM = "formUiSchemaFilename"
_DUE = "dueDate"
_RECORDED_BY = "recordedBy"
_CASE_ORGANISATION = "caseOrganisation"
_CASE_NUMBER_PREFIX = "caseNumberPrefix"
CASE_NUMBER_PREFIX = re.compile(r"[A-Z][A-Z0-9]{0,9}")
DEFAULT_CASE_NUMBER_PREFIX = "HS"  # hồ sơ: a process that declares no series of its own


@dataclass(frozen=True)
class UserTaskInfo:
    """What the inbox and the forms need to know about one user task of the diagram."""

    bpmn_id: str
    name: str
    role: str
    form: str
    ui_form: str | None
    due_expression: str | None
    instructions: str | None


@dataclass(frozen=True)
class StartInfo:
    role: str
    form: str
    ui_form: str | None
    event_id: str = ""


@dataclass
class CompiledProcess:
    """A parsed deployment: SpiffWorkflow specs plus our metadata; shared read-only."""

    process_id: str
    name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, Any]
    start: StartInfo
    user_tasks: dict[str, UserTaskInfo]
    messages: frozenset[str]  # names of the messages some event of the diagram catches
    message_roles: dict[str, frozenset[str]]  # message name -> the roles that record it (``recordedBy``)
    roles: frozenset[str]  # the lanes of the diagram: the roles that work on its cases
    case_organisation: str | None  # the variable naming the organisation a case belongs to (``caseOrganisation``)
    escalation_names: dict[str, str]  # escalation code -> Vietnamese name
    escalation_deadlines: dict[str, str]  # escalation code -> the case variable holding its deadline (``deadlineVariable``)
    forms: dict[str, dict[str, Any]] = field(repr=False)
    validators: dict[str, Draft202012Validator] = field(repr=False)
    element_names: dict[str, str] = field(repr=False)
    labels: FormLabels = field(repr=False, default_factory=FormLabels)  # the forms' field and option titles
    documents: dict[str, DocumentKind] = field(repr=False, default_factory=dict)  # the official papers it issues
    officer_fields: dict[str, dict[str, str]] = field(repr=False, default_factory=dict)  # form -> {path: role}
    case_number_prefix: str = DEFAULT_CASE_NUMBER_PREFIX  # its cases' series (``caseNumberPrefix``): KN2-2026-000001

    def documents_of(self, step: str) -> list[DocumentKind]:
        """The kinds a step (user task, message or start event) may issue, in their declared order."""
        return [kind for kind in self.documents.values() if kind.step == step]

    def form_schema(self, name: str) -> dict[str, Any]:
        return self.forms[name]

    def validator(self, name: str) -> Draft202012Validator:
        return self.validators[name]

    def message_form(self, message: str) -> str | None:
        name = f"{message}.schema.json"
        return name if name in self.validators else None


def compile_process(process_id: str, files: Mapping[str, str], *, check_forms: bool = True) -> CompiledProcess:
    """Validate and parse ``files`` (path -> text) of one process; raise DiagramError if unfit.

    ``check_forms=False`` is for a stored deployment, fully checked when it was deployed: it skips the
    JSON Schema metaschema check (about a second for our forms) and reads escalations under the
    convention it was deployed with (``app.engine.deadline_contract``). Input built to
    exhaust the parsers (nesting, size) is refused as a DiagramError too, never a crash.
    """
    try:
        return _compile_process(process_id, files, check_forms)
    except (RecursionError, MemoryError) as exc:
        raise DiagramError(f"Quy trình {process_id}: sơ đồ hoặc biểu mẫu lồng nhau quá sâu hoặc quá lớn.") from exc


def _compile_process(process_id: str, files: Mapping[str, str], check_forms: bool) -> CompiledProcess:
    diagrams = {p: t for p, t in files.items() if p.endswith(".bpmn")}
    decisions = {p: t for p, t in files.items() if p.endswith(".dmn")}
    if not diagrams:
        raise DiagramError(f"Quy trình {process_id} không có tệp .bpmn nào.")
    trees = {p: parse_xml(t, p) for p, t in {**diagrams, **decisions}.items()}
    for path, tree in trees.items():
        _check_expressions(tree, path)
        check_constants(tree, path)
        check_escalation_refs(tree, path)
    parser = _parse(trees, diagrams, decisions)
    try:
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, SpiffWorkflowException, KeyError) as exc:
        raise DiagramError(f"Không dựng được quy trình {process_id}: {exc}") from exc
    settle_links([spec, *subprocess_specs.values()])  # shared by every workflow: never linked while one runs
    forms = _load_forms(files)
    validators = {name: _compile(name, schema, check_forms) for name, schema in forms.items()}
    lanes, names = _lanes_and_names(trees.values())
    user_tasks = _user_tasks(spec, subprocess_specs, lanes, validators)
    start = _start_info(trees, diagrams, process_id, lanes, validators)
    _check_roles(lanes)
    message_roles = _messages(trees, diagrams)
    compiled = CompiledProcess(
        process_id=process_id,
        name=spec.description or process_id,
        spec=spec,
        subprocess_specs=subprocess_specs,
        start=start,
        user_tasks=user_tasks,
        messages=frozenset(message_roles),
        message_roles=message_roles,
        roles=frozenset(lanes.values()),
        case_organisation=_process_property(trees, diagrams, process_id, _CASE_ORGANISATION),
        case_number_prefix=_case_number_prefix(trees, diagrams, process_id),
        escalation_names=_escalation_names(trees, diagrams),
        escalation_deadlines=escalation_deadlines({p: trees[p] for p in diagrams}, forms, stored=not check_forms),
        forms=forms,
        validators=validators,
        element_names=names,
        labels=form_labels(forms),
    )
    compiled.documents = _documents(files, compiled)
    compiled.officer_fields = _officer_fields(forms, compiled.roles)
    return compiled


ASSIGNS_ROLE = "x-assigns-role"  # a form field naming an officer: the case's tasks of that role go to them


def _officer_fields(forms: Mapping[str, dict[str, Any]], roles: frozenset[str]) -> dict[str, dict[str, str]]:
    """Per form, the text fields declared to name an officer (``x-assigns-role``), each with a role of the diagram."""
    found: dict[str, dict[str, str]] = {}
    for name, schema in forms.items():
        for path, prop in form_fields(schema):
            role = prop.get(ASSIGNS_ROLE)
            if role is None:
                continue
            if role not in roles or prop.get("type") != "string":
                raise DiagramError(f"Biểu mẫu {name}, trường {path}: «{ASSIGNS_ROLE}» phải nêu một vai trò của sơ đồ "
                                   f"({', '.join(sorted(roles))}) trên một trường chữ.",
                                   details={"file": name, "field": path, "role": role})
            found.setdefault(name, {})[path] = str(role)
    return found


def _documents(files: Mapping[str, str], process: CompiledProcess) -> dict[str, DocumentKind]:
    """The process's document kinds, each checked against the step that issues it and the forms' fields."""
    kinds = declared_kinds(files)
    if kinds:
        step_forms = {task.bpmn_id: process.forms[task.form] for task in process.user_tasks.values()}
        step_forms |= {name: process.forms[form] for name in process.messages if (form := process.message_form(name))}
        step_forms[process.start.event_id] = process.forms[process.start.form]
        task_forms = [process.forms[task.form] for task in process.user_tasks.values()]
        check_kinds(kinds, step_forms, deployable_names(process.labels.titles, process.messages), REGIMES, task_forms)
    return kinds


def _parse(trees: Mapping[str, etree._ElementTree], diagrams: Mapping[str, str],
           decisions: Mapping[str, str]) -> BoundedBpmnParser:
    parser = BoundedBpmnParser(validator=VALIDATOR)
    try:
        for path in decisions:
            parser.add_dmn_xml(trees[path].getroot(), filename=path)
        for path in diagrams:
            parser.add_bpmn_xml(trees[path], filename=path)
    except ValidationException as exc:
        where = f" (phần tử {exc.id}, dòng {exc.line_number})" if exc.id or exc.line_number else ""
        raise DiagramError(
            f"Sơ đồ {exc.file_name or ''} không hợp lệ{where}: {exc}",
            details={"file": exc.file_name, "element": exc.id, "line": exc.line_number},
        ) from exc
    except SpiffWorkflowException as exc:
        raise DiagramError(f"Sơ đồ không hợp lệ: {exc}") from exc
    return parser


def _expression_sites(tree: etree._ElementTree) -> list[tuple[etree._Element, str, str]]:
    """Every place of a diagram or decision table that holds code: (node, source, mode)."""
    xp = tree.getroot().xpath
    sites: list[tuple[etree._Element, str, str]] = []
    for tag, mode in (
        ("bpmn:conditionExpression", "eval"), ("bpmn:formalExpression", "eval"),
        ("bpmn:timeDate", "eval"), ("bpmn:timeDuration", "eval"), ("bpmn:timeCycle", "eval"),
        ("bpmn:loopCardinality", "eval"), ("bpmn:completionCondition", "eval"), ("bpmn:loopCondition", "eval"),
        ("bpmn:script", "exec"), ("spiff:preScript", "exec"), ("spiff:postScript", "exec"),
        ("spiff:payloadExpression", "eval"),
    ):
        sites += [(n, n.text or "", mode) for n in xp(f".//{tag}", namespaces=NS)]
    for node in xp(f".//spiff:property[@name='{_DUE}']", namespaces=NS):
        sites.append((node, node.get("value") or "", "eval"))
    for tag in ("inputExpression", "outputEntry"):
        sites += [(n, n.findtext("{*}text") or "", "eval") for n in tree.getroot().iter(f"{{*}}{tag}")]
    sites += [(n, n.findtext("{*}text") or "", "dmn") for n in tree.getroot().iter("{*}inputEntry")]
    return [s for s in sites if s[1].strip() and not (s[2] == "dmn" and s[1].strip() == "-")]


def _check_expressions(tree: etree._ElementTree, path: str) -> None:
    for node, source, mode in _expression_sites(tree):
        try:
            _check_one(source.strip(), mode)
        except (UnsafeCode, SyntaxError) as exc:
            element = _owner_id(node)
            line = getattr(exc, "lineno", None)
            kind = UnsafeDiagram if isinstance(exc, UnsafeCode) else DiagramError
            raise kind(
                f"Biểu thức ở phần tử «{element}» của {path} bị từ chối: {exc}",
                details={"file": path, "element": element, "line": node.sourceline, "expression_line": line},
            ) from exc


def _check_one(source: str, mode: str) -> None:
    if mode != "dmn":
        check_source(source, mode)
        return
    text = re.sub(r"\?", "dmninputexpr", source)
    try:
        check_source(text, "eval")
    except SyntaxError:
        check_source(f"v {text}", "eval")


def _owner_id(node: etree._Element) -> str:
    while node is not None:
        if node.get("id"):
            return str(node.get("id"))
        node = node.getparent()
    return "?"


def _load_forms(files: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    forms: dict[str, dict[str, Any]] = {}
    for path, text in files.items():
        if path.endswith(".json") and f"/{DOCUMENTS_DIR}/" not in f"/{path}":
            try:
                forms[path.rsplit("/", 1)[-1]] = json.loads(text)
            except json.JSONDecodeError as exc:
                raise DiagramError(f"Biểu mẫu {path} không phải JSON hợp lệ (dòng {exc.lineno}).") from exc
            except RecursionError as exc:
                raise DiagramError(f"Biểu mẫu {path} lồng nhau quá sâu.") from exc
    return forms


def _compile(name: str, schema: dict[str, Any], check: bool) -> Draft202012Validator:
    try:
        return compile_schema(schema, name, check=check)
    except ValueError as exc:
        raise DiagramError(str(exc)) from exc


def _lanes_and_names(trees: Any) -> tuple[dict[str, str], dict[str, str]]:
    lanes: dict[str, str] = {}
    names: dict[str, str] = {}
    for tree in trees:
        for lane in tree.getroot().iter(f"{{{NS['bpmn']}}}lane"):
            for ref in lane.iter(f"{{{NS['bpmn']}}}flowNodeRef"):
                lanes[(ref.text or "").strip()] = str(lane.get("id"))
        for node in tree.getroot().iter():
            if isinstance(node.tag, str) and node.get("id") and node.get("name"):
                names[str(node.get("id"))] = str(node.get("name"))
    return lanes, names


def _user_tasks(spec: BpmnProcessSpec, subprocess_specs: Mapping[str, Any], lanes: Mapping[str, str],
                validators: Mapping[str, Draft202012Validator]) -> dict[str, UserTaskInfo]:
    infos: dict[str, UserTaskInfo] = {}
    for process in [spec, *subprocess_specs.values()]:
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, UserTask):
                infos[task_spec.bpmn_id] = _user_task(task_spec, lanes, validators)
    return infos


def _user_task(task_spec: Any, lanes: Mapping[str, str],
               validators: Mapping[str, Draft202012Validator]) -> UserTaskInfo:
    ext = task_spec.extensions or {}
    props = ext.get("properties", {})
    bpmn_id = task_spec.bpmn_id
    role = lanes.get(bpmn_id)
    form = props.get(_FORM)
    if not role:
        raise DiagramError(f"Bước «{task_spec.bpmn_name or bpmn_id}» ({bpmn_id}) không nằm trong làn (vai trò) nào.")
    if not form or form not in validators:
        raise DiagramError(f"Bước «{task_spec.bpmn_name or bpmn_id}» ({bpmn_id}) thiếu biểu mẫu hoặc tệp {form!r} không có.")
    ui_form = props.get(_UI_FORM)
    if ui_form is not None and ui_form not in validators:
        raise DiagramError(f"Bước {bpmn_id}: không có tệp giao diện biểu mẫu {ui_form!r}.")
    try:
        check_instructions(ext.get("instructionsForEndUser") or "")
    except InstructionsRefused as exc:
        raise DiagramError(f"Hướng dẫn của bước «{task_spec.bpmn_name or bpmn_id}» ({bpmn_id}) bị từ chối: {exc}.",
                           details={"element": bpmn_id}) from exc
    return UserTaskInfo(
        bpmn_id=bpmn_id, name=task_spec.bpmn_name or bpmn_id, role=role, form=form, ui_form=ui_form,
        due_expression=(props.get(_DUE) or "").strip() or None,
        instructions=ext.get("instructionsForEndUser"),
    )


def _start_info(trees: Mapping[str, etree._ElementTree], diagrams: Mapping[str, str], process_id: str,
                lanes: Mapping[str, str], validators: Mapping[str, Draft202012Validator]) -> StartInfo:
    for path in diagrams:
        for process in trees[path].getroot().iter(f"{{{NS['bpmn']}}}process"):
            if process.get("id") != process_id:
                continue
            for start in process.findall("bpmn:startEvent", namespaces=NS):
                props = {p.get("name"): p.get("value") for p in start.iterfind(".//spiff:property", namespaces=NS)}
                form = props.get(_FORM)
                if form in validators and lanes.get(str(start.get("id"))):
                    return StartInfo(role=lanes[str(start.get("id"))], form=str(form), ui_form=props.get(_UI_FORM),
                                     event_id=str(start.get("id")))
    raise DiagramError(f"Sự kiện bắt đầu của {process_id} phải nằm trong một làn và có biểu mẫu ({_FORM}).")


def _escalation_names(trees: Mapping[str, etree._ElementTree], diagrams: Mapping[str, str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for path in diagrams:
        for node in trees[path].getroot().iter(f"{{{NS['bpmn']}}}escalation"):
            code = escalation_code(node)
            names[code] = str(node.get("name") or code)
    return names


def _messages(trees: Mapping[str, etree._ElementTree], diagrams: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """Every message some event catches, with the roles that may record it (declared on the message)."""
    result: dict[str, frozenset[str]] = {}
    for path in diagrams:
        root = trees[path].getroot()
        messages = {m.get("id"): m for m in root.iter(f"{{{NS['bpmn']}}}message")}
        for definition in root.iter(f"{{{NS['bpmn']}}}messageEventDefinition"):
            event = definition.getparent()
            message = messages.get(definition.get("messageRef"))
            if message is None or not message.get("name"):
                continue
            if event.tag.endswith(("boundaryEvent", "intermediateCatchEvent", "startEvent")):
                result[str(message.get("name"))] = _recorded_by(message, path)
    return result


def _recorded_by(message: etree._Element, path: str) -> frozenset[str]:
    """The roles a message declares as those who record it: a contract checked here, at deploy."""
    value = _properties(message).get(_RECORDED_BY) or ""
    roles = frozenset(value.split())
    unknown = sorted(roles - set(ROLES))
    if not roles or unknown:
        problem = f"vai trò không tồn tại: {', '.join(unknown)}" if unknown else f"thiếu thuộc tính «{_RECORDED_BY}»"
        raise DiagramError(
            f"Thông điệp «{message.get('name')}» của {path} phải khai báo vai trò được ghi nhận nó ({problem}).",
            details={"file": path, "element": message.get("id"), "line": message.sourceline},
        )
    return roles


def _properties(node: etree._Element) -> dict[str, str]:
    """The spiffworkflow:properties directly under an element's extensionElements."""
    found = node.xpath("bpmn:extensionElements/spiff:properties/spiff:property", namespaces=NS)
    return {str(p.get("name")): str(p.get("value") or "") for p in found}


def _process_property(trees: Mapping[str, etree._ElementTree], diagrams: Mapping[str, str], process_id: str,
                      name: str) -> str | None:
    for path in diagrams:
        for process in trees[path].getroot().iter(f"{{{NS['bpmn']}}}process"):
            if process.get("id") == process_id:
                return _properties(process).get(name) or None
    return None


def _case_number_prefix(trees: Mapping[str, etree._ElementTree], diagrams: Mapping[str, str], process_id: str) -> str:
    """The series its cases are numbered in: 1–10 capitals and digits, a capital first (KN2, TCD)."""
    prefix = _process_property(trees, diagrams, process_id, _CASE_NUMBER_PREFIX)
    if prefix is None:
        return DEFAULT_CASE_NUMBER_PREFIX
    if not CASE_NUMBER_PREFIX.fullmatch(prefix):
        raise DiagramError(f"Quy trình {process_id}: «{_CASE_NUMBER_PREFIX}» phải gồm 1–10 chữ in hoa không dấu và "
                           f"chữ số, bắt đầu bằng chữ (ví dụ KN2), không phải «{prefix}».",
                           details={"element": process_id, "property": _CASE_NUMBER_PREFIX})
    return prefix


def _check_roles(lanes: Mapping[str, str]) -> None:
    """Every lane is a role of the application, or its tasks would reach nobody's inbox."""
    unknown = sorted(set(lanes.values()) - set(ROLES))
    if unknown:
        raise DiagramError(
            f"Làn {', '.join(unknown)} không phải vai trò đã biết; mã làn phải là một trong: {', '.join(ROLES)}.",
            details={"lanes": unknown},
        )
