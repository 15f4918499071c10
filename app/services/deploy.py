"""Deploy diagrams and forms as immutable, versioned deployments.

The same file set deploys as the same version (idempotent, by content hash); a change makes
the next version; running instances stay pinned to the deployment they started on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine import compile_process
from app.engine.documents import DOCUMENTS_DIR, TEMPLATE_SUFFIX, encode_template
from app.engine.form_bounds import MAX_CHARS
from app.engine.forms import compile_schema
from app.engine.lint import ADVISORY_RULES, UNSAFE_RULES, Problem, from_error, lint
from app.errors import DiagramError, InvalidInput, UnsafeDiagram
from app.persistence import queries
from app.persistence.models import Deployment, DeploymentFile
from app.services import access, deployment_seals, versions
from app.services.access import Right
from app.services.principal import Principal
from app.services.procedures import Procedures
from app.services.runtime import Runtime
from app.text import unfit

_SOURCE_SUFFIXES = (".bpmn", ".dmn", ".json")
_LISTED = 50  # problems spelled out in a refusal's message; details.problems holds them all
EDITABLE_SUFFIXES = (".bpmn", ".json")  # what the analyst's page edits; templates and tables travel as stored
_EDITABLE_NAME = re.compile(r"[a-z0-9][a-z0-9_]{0,99}(\.[a-z]+)+")  # a step's id and its suffixes: no folder, no «..»


@dataclass(frozen=True)
class DeployResult:
    process_id: str
    version: int
    deployment_id: int
    created: bool


def read_sources(processes_dir: Path, forms_dir: Path, process_id: str) -> dict[str, str]:
    """The files of one process as repository-relative paths: diagrams, forms and document templates together.

    A .docx template is kept base64-encoded among the text files, so the deployment's hash and its
    stored files cover the templates a case renders with.
    """
    files: dict[str, str] = {}
    folders = ((processes_dir / process_id, f"processes/{process_id}"),
               (processes_dir / process_id / DOCUMENTS_DIR, f"processes/{process_id}/{DOCUMENTS_DIR}"),
               (forms_dir / process_id, f"forms/{process_id}"))
    for base, prefix in folders:
        if base.is_dir():
            for path in sorted(base.iterdir()):
                if path.is_file() and path.suffix == TEMPLATE_SUFFIX:
                    files[f"{prefix}/{path.name}"] = encode_template(path.read_bytes())
                elif path.is_file() and path.suffix in _SOURCE_SUFFIXES:
                    files[f"{prefix}/{path.name}"] = path.read_text(encoding="utf-8")
    return files


def content_hash(files: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode("utf-8") + b"\0")
    return digest.hexdigest()


def deploy(rt: Runtime, actor: Principal | None, process_id: str, files: Mapping[str, str]) -> DeployResult:
    """Validate and store one process's files; raise DiagramError and store nothing if unfit."""
    if actor is not None:
        access.require(actor, Right.DEPLOY)
    _check_process_id(process_id)
    _refuse(process_id, lint(process_id, files))
    compiled = compile_process(process_id, files)
    _refuse(process_id, rt.procedures.contract_problems(compiled, main_diagram(process_id, files)))
    digest = content_hash(files)
    with rt.db.writing() as session:
        existing = queries.deployment_by_hash(session, process_id, digest)
        if existing is not None:
            return DeployResult(process_id, existing.version, existing.id, created=False)
        latest = queries.latest_deployment(session, process_id)
        deployment = Deployment(
            process_id=process_id, version=(latest.version + 1) if latest else 1, name=compiled.name,
            content_hash=digest, deployed_at=rt.now(), deployed_by=actor.username if actor else "system",
            files=[DeploymentFile(path=p, content=t) for p, t in sorted(files.items())],
        )
        session.add(deployment)
        session.flush()
        deployment_seals.record(session, rt.audit_keys, deployment, deployment.deployed_by)
        return DeployResult(process_id, deployment.version, deployment.id, created=True)


def _check_process_id(process_id: str) -> None:
    if not process_id.replace("_", "").isalnum():
        raise DiagramError(f"Mã quy trình «{process_id}» không hợp lệ.")


def _refuse(process_id: str, problems: list[Problem]) -> None:
    """Refuse a deployment naming every problem lint found, not only the first the compiler would meet.

    The first blocking problem's file, element and line stay in ``details`` beside the list, as one error has them.
    """
    if not any(p.rule not in ADVISORY_RULES for p in problems):
        return
    kind = UnsafeDiagram if any(p.rule in UNSAFE_RULES for p in problems) else DiagramError
    lines = "\n".join(f"- {p}" for p in problems[:_LISTED])
    if len(problems) > _LISTED:
        lines += f"\n… và {len(problems) - _LISTED} lỗi khác (xem details.problems)."
    first = next(p for p in problems if p.rule not in ADVISORY_RULES)
    raise kind(f"Quy trình {process_id} có {len(problems)} lỗi:\n{lines}",
               details={"file": first.file, "element": first.element, "line": first.line,
                        "problems": [p.as_dict() for p in problems]})


def main_diagram(process_id: str, files: Mapping[str, str]) -> str:
    """The diagram a contract's missing element is reported against: the process's own .bpmn file."""
    own = f"processes/{process_id}/{process_id}.bpmn"
    return own if own in files else next((p for p in sorted(files) if p.endswith(".bpmn")), own)


def check(process_id: str, files: Mapping[str, str], procedures: Procedures | None = None) -> list[Problem]:
    """Every problem of the files: lint's, then, when lint finds none that blocks, what the deploy gate still refuses.

    The gate includes the contract of the process's procedure (``procedures``), as ``deploy`` checks it.
    """
    problems = lint(process_id, files)
    if all(p.rule in ADVISORY_RULES for p in problems):
        try:
            compiled = compile_process(process_id, files)
        except DiagramError as exc:
            problems.append(from_error(exc, f"processes/{process_id}", "compile"))
        else:
            problems += (procedures or Procedures()).contract_problems(compiled, main_diagram(process_id, files))
    return problems


def lint_files(actor: Principal, process_id: str, files: Mapping[str, str],
               procedures: Procedures | None = None) -> list[Problem]:
    """What deploying the files would refuse, all at once, storing nothing (analysts check before they deploy)."""
    access.require(actor, Right.DEPLOY)
    _check_process_id(process_id)
    return check(process_id, files, procedures)


def lint_directory(processes_dir: Path, forms_dir: Path, procedures: Procedures | None = None) -> list[Problem]:
    """Every problem of every process folder under ``processes_dir`` with its forms under ``forms_dir``."""
    problems: list[Problem] = []
    for folder in sorted(p for p in processes_dir.iterdir() if p.is_dir()):
        problems += check(folder.name, read_sources(processes_dir, forms_dir, folder.name), procedures)
    return problems


def deploy_directory(rt: Runtime, actor: Principal | None = None) -> list[DeployResult]:
    """Deploy every process folder under ``processes/`` (used by setup and by analysts)."""
    results = []
    for folder in sorted(p for p in rt.processes_dir.iterdir() if p.is_dir()):
        results.append(deploy(rt, actor, folder.name, read_sources(rt.processes_dir, rt.forms_dir, folder.name)))
    return results


def check_paths(process_id: str, files: Mapping[str, str]) -> None:
    """Only the process's own folders, and only text a database and an XML parser can hold (no NUL, no controls)."""
    prefixes = (f"processes/{process_id}/", f"forms/{process_id}/")
    bad = [p for p in files if not p.startswith(prefixes)]
    if bad:
        raise InvalidInput(f"Tệp phải nằm trong processes/{process_id}/ hoặc forms/{process_id}/: {bad[:10]}")
    unfit_files = [p for p, text in files.items() if unfit(p) or unfit(text)]
    if unfit_files:
        raise InvalidInput(f"Tệp {', '.join(unfit_files[:10])} chứa ký tự điều khiển không hợp lệ (ví dụ ký tự NUL).")


def with_edits(rt: Runtime, actor: Principal, process_id: str, version: int, edits: Mapping[str, str]) -> dict[str, str]:
    """The stored version's files with the edited diagrams and forms laid over them.

    The page edits only text (diagrams, forms); the .docx templates and the decision tables travel as stored,
    so a new version built in the browser keeps every paper its base version issues.
    """
    check_paths(process_id, edits)
    other = [p for p in edits if not p.endswith(EDITABLE_SUFFIXES) or not _EDITABLE_NAME.fullmatch(p.rsplit("/", 1)[-1])
             or p.count("/") != 2]
    if other:
        raise InvalidInput("Trang soạn quy trình chỉ sửa được sơ đồ (.bpmn) và biểu mẫu (.json) đặt tên bằng chữ "
                           f"thường, chữ số và dấu gạch dưới: {other[:10]}")
    return {**versions.version_files(rt, actor, process_id, version), **edits}


def lint_edits(rt: Runtime, actor: Principal, process_id: str, version: int, edits: Mapping[str, str]) -> list[Problem]:
    """What deploying the edited version would refuse, storing nothing."""
    access.require(actor, Right.DEPLOY)
    return lint_files(actor, process_id, with_edits(rt, actor, process_id, version, edits))


def deploy_edits(rt: Runtime, actor: Principal, process_id: str, version: int, edits: Mapping[str, str]) -> DeployResult:
    """Deploy the edited version as the next one (or as the version that already has the same files)."""
    access.require(actor, Right.DEPLOY)
    return deploy(rt, actor, process_id, with_edits(rt, actor, process_id, version, edits))


def form_for_preview(actor: Principal, schema_text: str, ui_text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A form being edited, checked as deploy checks it, so the preview never draws what deploy would refuse."""
    access.require(actor, Right.DEPLOY)
    schema = _json_object(schema_text, "Biểu mẫu (JSON Schema)")
    ui = _json_object(ui_text, "Giao diện biểu mẫu (UI schema)") if ui_text.strip() else {}
    try:
        compile_schema(schema, "đang soạn")
    except ValueError as exc:
        raise InvalidInput(f"Biểu mẫu chưa hợp lệ: {exc}") from exc
    return schema, ui


def _json_object(text: str, what: str) -> dict[str, Any]:
    if len(text) > MAX_CHARS:
        raise InvalidInput(f"{what} quá lớn (tối đa {MAX_CHARS:,} ký tự).".replace(",", "."))
    if unfit(text):
        raise InvalidInput(f"{what} chứa ký tự điều khiển không hợp lệ (ví dụ ký tự NUL).")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno}).") from exc
    except RecursionError as exc:
        raise InvalidInput(f"{what} lồng nhau quá sâu.") from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} phải là một đối tượng JSON ({{…}}).")
    if any(unfit(text) for text in _strings(value)):  # "\u0000" spelled as an escape is a NUL all the same
        raise InvalidInput(f"{what} chứa ký tự điều khiển không hợp lệ (ví dụ ký tự NUL).")
    return value


def _strings(value: Any) -> list[str]:
    """Every key and text of a parsed JSON value, walked without recursion (a form may nest deep)."""
    found, stack = [], [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            found += [str(k) for k in node]
            stack += node.values()
        elif isinstance(node, list):
            stack += node
    return found


def list_deployments(rt: Runtime) -> list[Deployment]:
    with rt.db.reading() as session:
        return list(queries.deployments(session))
