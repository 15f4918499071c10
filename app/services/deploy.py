"""Deploy diagrams and forms as immutable, versioned deployments.

The same file set deploys as the same version (idempotent, by content hash); a change makes
the next version; running instances stay pinned to the deployment they started on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.engine import compile_process
from app.engine.documents import DOCUMENTS_DIR, TEMPLATE_SUFFIX, encode_template
from app.engine.lint import ADVISORY_RULES, UNSAFE_RULES, Problem, from_error, lint
from app.errors import DiagramError, UnsafeDiagram
from app.persistence import queries
from app.persistence.models import Deployment, DeploymentFile
from app.services import access
from app.services.access import Right
from app.services.principal import Principal
from app.services.procedures import Procedures
from app.services.runtime import Runtime

_SOURCE_SUFFIXES = (".bpmn", ".dmn", ".json")
_LISTED = 50  # problems spelled out in a refusal's message; details.problems holds them all


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


def list_deployments(rt: Runtime) -> list[Deployment]:
    with rt.db.reading() as session:
        return list(queries.deployments(session))
