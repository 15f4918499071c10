"""Who may read or do what: the one access policy the API, the pages and the CLI all go through.

Every service that reads or changes a case, task, history, attachment, escalation, register
record, plan, report, user or token asks this module, so the two surfaces refuse exactly the
same things by construction. The policy (the README's role table states it; a test keeps the
two in agreement):

- **Cases** are read by the roles that work in their procedure (the lanes of its diagram) and by
  the oversight roles (``inspectorate``, ``auditor``). Analysts and admins read no case: they see
  diagrams, deployments, aggregate figures and accounts, never a citizen's file.
- **Organisations.** A user limited to an organisation reads, lists, counts and acts only on the
  cases and tasks of that organisation; a case or task without one is province-level and belongs to
  province-wide users. Out-of-scope objects answer 404, as if they did not exist, so ids and counts
  of other organisations' cases never leak; a wrong role answers 403.
- **Tasks** are done (claimed) by the role of their lane, in scope, and once claimed or assigned
  only by the assignee; oversight roles who may read the case read its tasks too.
- **Assigning** a step to a named officer (``ASSIGN_TASKS``): the resolver, any step of a case whose
  procedure it works in; a unit's head, its unit's steps (``ASSIGNED_ROLES``). The officer must be one
  who may work the step (its role, in scope). The assigner may reassign or take the step back at any
  time, whoever holds it; it completes the step only if it holds it itself.
- **Notes** (internal comments beside a case, never part of its decision) are read by whoever may
  read the case and written by the same roles but the auditor, who reads every case and changes
  nothing (a note is an event in the case's trail).
- **Letters** addressed to a case (a withdrawal, a suspension decision, a central office's call)
  are recorded by the roles their diagram declares on the message (``recordedBy``).
- Everything else is a right of a role, in ``ROLE_RIGHTS``.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from app.engine import CompiledProcess
from app.errors import AppError, Forbidden, NotFound
from app.persistence import queries
from app.persistence.models import Instance, TaskRow
from app.roles import ROLES
from app.services.principal import Principal
from app.services.runtime import Runtime

OVERSIGHT = frozenset({"inspectorate", "auditor"})
READ_ONLY = frozenset({"auditor"})  # reads every case and its history, changes nothing (docs: procedures.md, roles)


class Right(StrEnum):
    """What a role may do regardless of any one case."""

    DEPLOY = "deploy"
    READ_VERSIONS = "read_versions"
    MIGRATE = "migrate"
    READ_PROCESSES = "read_processes"
    READ_DASHBOARD = "read_dashboard"
    MANAGE_USERS = "manage_users"
    READ_ORGANISATIONS = "read_organisations"
    MANAGE_ORGANISATIONS = "manage_organisations"
    READ_ACCOUNT_LOG = "read_account_log"
    READ_ACCESS_LOG = "read_access_log"
    READ_INCIDENTS = "read_incidents"
    RETRY_INCIDENTS = "retry_incidents"
    READ_ESCALATIONS = "read_escalations"
    ACKNOWLEDGE_ESCALATIONS = "acknowledge_escalations"
    WRITE_REGISTER = "write_register"
    READ_REPORTS = "read_reports"
    VERIFY_AUDIT = "verify_audit"
    ASSIGN_TASKS = "assign_tasks"
    READ_AUDIT_LOG = "read_audit_log"
    EXPORT_CASES = "export_cases"


# whose steps a role hands to named officers: None, any step of a case it works on; else steps of these roles
ASSIGNED_ROLES: dict[str, frozenset[str] | None] = {"resolver": None, "unit_head": frozenset({"unit_head"})}
EVERY_ROLE = frozenset(ROLES)
ROLE_RIGHTS: dict[Right, frozenset[str]] = {
    Right.DEPLOY: frozenset({"analyst", "admin"}),
    # a right of its own (today the deployers) so a refusal to read says so, not «only … may deploy»
    Right.READ_VERSIONS: frozenset({"analyst", "admin"}),
    Right.MIGRATE: frozenset({"analyst", "admin"}),
    Right.READ_PROCESSES: EVERY_ROLE,
    Right.READ_DASHBOARD: EVERY_ROLE,
    Right.MANAGE_USERS: frozenset({"admin"}),
    Right.READ_ORGANISATIONS: EVERY_ROLE,
    Right.MANAGE_ORGANISATIONS: frozenset({"admin"}),
    Right.READ_ACCOUNT_LOG: frozenset({"admin", "auditor"}),
    Right.READ_ACCESS_LOG: frozenset({"admin", "auditor"}),
    Right.READ_INCIDENTS: frozenset({"admin", "auditor"}),
    Right.RETRY_INCIDENTS: frozenset({"admin"}),
    Right.READ_ESCALATIONS: frozenset({"resolver", "inspectorate", "auditor"}),
    Right.ACKNOWLEDGE_ESCALATIONS: frozenset({"resolver", "inspectorate"}),
    Right.WRITE_REGISTER: frozenset({"reception", "inspectorate"}),
    Right.READ_REPORTS: frozenset({"inspectorate", "resolver", "reception", "auditor"}),
    Right.VERIFY_AUDIT: frozenset({"auditor", "admin"}),
    Right.ASSIGN_TASKS: frozenset(ASSIGNED_ROLES),
    # search the whole record and audit deadlines: the oversight roles (Luật Thanh tra; the auditors). Not the admin,
    # who reads no citizen's file; the account-log part of a search stays READ_ACCOUNT_LOG's
    Right.READ_AUDIT_LOG: OVERSIGHT,
    # a signed case file leaves the system as evidence: the oversight roles take it, not the officers
    # who worked the case (their acts are what it proves) nor the admin (who reads no citizen's file)
    Right.EXPORT_CASES: OVERSIGHT,
}
REFUSALS: dict[Right, str] = {
    Right.DEPLOY: "Chỉ cán bộ phân tích quy trình và quản trị mới được triển khai quy trình.",
    Right.READ_VERSIONS: "Chỉ cán bộ phân tích quy trình và quản trị mới xem được các phiên bản và thay đổi của quy trình.",
    Right.MIGRATE: "Chỉ cán bộ phân tích quy trình và quản trị mới được chuyển hồ sơ đang chạy sang phiên bản khác.",
    Right.READ_PROCESSES: "Tài khoản chưa được giao vai trò nào.",
    Right.READ_DASHBOARD: "Tài khoản chưa được giao vai trò nào.",
    Right.MANAGE_USERS: "Chỉ quản trị mới quản lý người dùng.",
    Right.READ_ORGANISATIONS: "Tài khoản chưa được giao vai trò nào.",
    Right.MANAGE_ORGANISATIONS: "Chỉ quản trị mới quản lý danh mục cơ quan.",
    Right.READ_ACCOUNT_LOG: "Chỉ quản trị và kiểm tra, giám sát mới xem nhật ký tài khoản.",
    Right.READ_ACCESS_LOG: "Chỉ quản trị và kiểm tra, giám sát mới xem ai đã xem hồ sơ.",
    Right.READ_INCIDENTS: "Chỉ quản trị và kiểm tra, giám sát mới xem sự cố.",
    Right.RETRY_INCIDENTS: "Chỉ quản trị mới được thử lại sự cố.",
    Right.READ_ESCALATIONS: "Chỉ người giải quyết, Thanh tra tỉnh và kiểm tra, giám sát mới xem cảnh báo quá hạn.",
    Right.ACKNOWLEDGE_ESCALATIONS: "Chỉ người giải quyết hoặc Thanh tra tỉnh mới xác nhận cảnh báo.",
    Right.WRITE_REGISTER: "Chỉ cán bộ tiếp công dân và Thanh tra tỉnh được ghi sổ tiếp công dân.",
    Right.READ_REPORTS: "Bạn không có quyền xem báo cáo tổng hợp.",
    Right.VERIFY_AUDIT: "Chỉ kiểm tra, giám sát và quản trị mới chạy kiểm tra nhật ký.",
    Right.READ_AUDIT_LOG: "Chỉ Thanh tra tỉnh và kiểm tra, giám sát mới tra cứu nhật ký và kiểm tra thời hạn.",
    Right.ASSIGN_TASKS: ("Chỉ người có thẩm quyền giải quyết (các bước của hồ sơ) và thủ trưởng đơn vị (các bước của "
                         "đơn vị) mới giao việc cho cán bộ."),
    Right.EXPORT_CASES: "Chỉ Thanh tra tỉnh và kiểm tra, giám sát mới xuất hồ sơ có chữ ký số.",
}
CASE_NOT_FOUND = "Không tìm thấy hồ sơ (hoặc hồ sơ thuộc cơ quan khác)."
TASK_NOT_FOUND = "Không tìm thấy bước công việc (hoặc bước thuộc cơ quan khác)."
ATTACHMENT_NOT_FOUND = "Không tìm thấy tài liệu (hoặc tài liệu thuộc hồ sơ của cơ quan khác)."
ESCALATION_NOT_FOUND = "Không tìm thấy cảnh báo (hoặc cảnh báo thuộc hồ sơ của cơ quan khác)."


def can(principal: Principal, right: Right) -> bool:
    return bool(principal.roles & ROLE_RIGHTS[right])


def require(principal: Principal, right: Right) -> None:
    if not can(principal, right):
        raise Forbidden(REFUSALS[right])


def in_scope(principal: Principal, organisation: str | None) -> bool:
    """A province-wide user sees every organisation; a limited one only its own (not province-level)."""
    return principal.organisation is None or organisation == principal.organisation


# -- cases --------------------------------------------------------------------------------------

def case_readers(process: CompiledProcess) -> frozenset[str]:
    return process.roles | OVERSIGHT


def may_read_case(principal: Principal, process: CompiledProcess, instance: Instance) -> bool:
    return bool(principal.roles & case_readers(process)) and in_scope(principal, instance.organisation)


def require_case(principal: Principal, process: CompiledProcess, instance: Instance) -> None:
    """Read access to one case: 404 outside the caller's organisation, 403 for a role with no part in it."""
    if not in_scope(principal, instance.organisation):
        raise NotFound(CASE_NOT_FOUND)
    if not principal.roles & case_readers(process):
        raise Forbidden("Vai trò của bạn không tham gia quy trình này nên không xem được hồ sơ.")


def require_access_log(principal: Principal, instance: Instance) -> None:
    """Who read a case: the access-log right, within the caller's organisation (404 outside, as for the case).

    The admin holds it without reading the case: the log names readers and kinds of read, never
    the citizen's data.
    """
    if not in_scope(principal, instance.organisation):
        raise NotFound(CASE_NOT_FOUND)
    require(principal, Right.READ_ACCESS_LOG)


def works_on(principal: Principal, process: CompiledProcess) -> bool:
    """Has a lane in the case's procedure (may add files to it, sees it as work, not only oversight)."""
    return bool(principal.roles & process.roles)


def require_work(principal: Principal, process: CompiledProcess, instance: Instance) -> None:
    require_case(principal, process, instance)
    if not works_on(principal, process):
        raise Forbidden("Chỉ cán bộ xử lý hồ sơ mới được thay đổi hồ sơ.")


def require_start(principal: Principal, process: CompiledProcess) -> None:
    if process.start.role not in principal.roles:
        raise Forbidden(f"Chỉ vai trò «{ROLES.get(process.start.role, process.start.role)}» mới được tạo hồ sơ "
                        "của quy trình này.")


def require_own_new_case(principal: Principal, instance: Instance) -> None:
    """A case the caller just started must be theirs to see: a limited user opens only its organisation's cases."""
    if not in_scope(principal, instance.organisation):
        raise Forbidden("Hồ sơ này thuộc thẩm quyền của cơ quan khác; bạn không tạo được hồ sơ cho cơ quan đó.")


def may_record(principal: Principal, process: CompiledProcess, name: str) -> bool:
    return bool(principal.roles & process.message_roles.get(name, frozenset()))


def require_message(principal: Principal, process: CompiledProcess, instance: Instance, name: str) -> None:
    require_case(principal, process, instance)
    if name not in process.message_roles:
        raise NotFound("Quy trình của hồ sơ không nhận loại văn bản này.")
    if not may_record(principal, process, name):
        allowed = ", ".join(ROLES.get(r, r) for r in sorted(process.message_roles[name]))
        raise Forbidden(f"Chỉ {allowed} mới được ghi nhận văn bản này cho hồ sơ.")


def require_notes(principal: Principal, process: CompiledProcess, instance: Instance) -> None:
    """Internal notes on a case are read by whoever may read the case (same 404 and 403)."""
    require_case(principal, process, instance)


def note_writers(process: CompiledProcess) -> frozenset[str]:
    """Who writes notes on a process's cases: its readers but the auditor (a note adds an event to the trail).

    The inspectorate writes them: a note is a comment beside the file, never an act on the case.
    """
    return case_readers(process) - READ_ONLY


def may_write_notes(principal: Principal, process: CompiledProcess) -> bool:
    return bool(principal.roles & note_writers(process))


def require_note_write(principal: Principal, process: CompiledProcess, instance: Instance) -> None:
    require_case(principal, process, instance)
    if not may_write_notes(principal, process):
        raise Forbidden("Kiểm tra, giám sát chỉ xem hồ sơ, không ghi chú: mỗi ghi chú là một sự kiện trong nhật ký "
                        "của hồ sơ.")


# -- tasks --------------------------------------------------------------------------------------

def may_take(principal: Principal, role: str, organisation: str | None) -> bool:
    """Whether a principal may work tasks of a role for an organisation: the lane's role, in scope."""
    return role in principal.roles and in_scope(principal, organisation)


def may_work_task(principal: Principal, row: TaskRow) -> bool:
    return may_take(principal, row.role, row.organisation)


def may_read_task(principal: Principal, process: CompiledProcess, row: TaskRow) -> bool:
    """The task's own role reads it; so do whoever may assign it, and oversight roles who may read its case."""
    return may_work_task(principal, row) or may_assign(principal, process, row) or bool(
        principal.roles & OVERSIGHT and may_read_case(principal, process, row.instance))


def visible_tasks(principal: Principal, process: CompiledProcess, instance: Instance,
                  rows: list[TaskRow]) -> list[TaskRow]:
    """The waiting tasks a change may report back: those the caller may read, or see as a reader of the case."""
    reads_case = may_read_case(principal, process, instance)
    return [row for row in rows
            if may_read_task(principal, process, row) or (reads_case and in_scope(principal, row.organisation))]


def require_task_read(principal: Principal, process: CompiledProcess, row: TaskRow) -> None:
    if may_read_task(principal, process, row):
        return
    if not in_scope(principal, row.organisation) and not in_scope(principal, row.instance.organisation):
        raise NotFound(TASK_NOT_FOUND)
    raise Forbidden("Bước này không thuộc vai trò của bạn.")


def require_task_work(principal: Principal, row: TaskRow) -> None:
    """Complete, claim or save a draft: the lane's role, in scope, and the assignee once claimed or assigned."""
    if not in_scope(principal, row.organisation):
        raise NotFound(TASK_NOT_FOUND)
    if row.role not in principal.roles:
        raise Forbidden(f"Bước «{row.name}» thuộc vai trò «{ROLES.get(row.role, row.role)}»; "
                        "bạn không có quyền thực hiện.")
    if row.assignee and row.assignee != principal.username:
        raise Forbidden("Bước này đã được giao cho cán bộ khác; chỉ người được giao mới thực hiện được.")


def may_do_task(principal: Principal, row: TaskRow) -> bool:
    """Whether a page may offer to complete or claim the task: asked of ``require_task_work`` itself."""
    try:
        require_task_work(principal, row)
    except AppError:
        return False
    return True


def may_assign(principal: Principal, process: CompiledProcess, row: TaskRow) -> bool:
    """Hand this step to a named officer, or take it back: see ``ASSIGNED_ROLES``."""
    if not (in_scope(principal, row.organisation) and works_on(principal, process)):
        return False
    return any(role in ASSIGNED_ROLES and row.role in (ASSIGNED_ROLES[role] or process.roles)
               for role in principal.roles)


def require_task_assign(principal: Principal, process: CompiledProcess, row: TaskRow) -> None:
    if not in_scope(principal, row.organisation):
        raise NotFound(TASK_NOT_FOUND)
    if not may_assign(principal, process, row):
        raise Forbidden(REFUSALS[Right.ASSIGN_TASKS])


def require_task_release(principal: Principal, process: CompiledProcess, row: TaskRow) -> None:
    """Give a held task back to its role: its holder, whoever assigns the step, or an admin (who manages who works)."""
    if not in_scope(principal, row.organisation):
        raise NotFound(TASK_NOT_FOUND)
    if row.assignee == principal.username or can(principal, Right.MANAGE_USERS) or may_assign(principal, process, row):
        return
    if row.assignee is None and row.role in principal.roles:
        return
    raise Forbidden("Bước này đang do cán bộ khác xử lý; chỉ người đó, người giao việc hoặc quản trị mới trả lại được.")


# -- lists ----------------------------------------------------------------------------------------

def readable_processes(rt: Runtime, session: Session, principal: Principal) -> frozenset[str]:
    """The processes whose cases the caller may read (from the lanes of every deployed version)."""
    readable = set()
    for deployment in queries.deployments(session):
        process = rt.engine.process(deployment.id, deployment.process_id,
                                    lambda d=deployment.id: queries.deployment_files(session, d))  # type: ignore[misc]
        if principal.roles & case_readers(process):
            readable.add(deployment.process_id)
    return frozenset(readable)


def case_scope(rt: Runtime, session: Session, principal: Principal) -> queries.Scope:
    """The rows a list of cases may show: processes the caller reads, in the caller's organisation."""
    return queries.Scope(readable_processes(rt, session, principal), principal.organisation)


def organisation_scope(principal: Principal) -> queries.Scope:
    """Every process, limited to the caller's organisation: aggregate figures, escalations, incidents."""
    return queries.Scope(None, principal.organisation)
