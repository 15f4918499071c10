"""The auditor's search across the whole record: every case's events and the account log, newest first.

An audit asks *what did this officer do last month, who decided what, where*: one list over both
logs, filtered by officer, kind of act, process, case, organisation and period, each row named as
the case page names it (the history's labels, the forms' field titles, the step's name) and
linking to that moment of the case. Kinds of act are generic actions (``KINDS``) or, where the act
is a step («accepted», «decided»), the events each procedure declares (``Procedure.acts``), so no
generic code names a step. Read by ``Right.READ_AUDIT_LOG``, within the caller's case scope; the
account log only for those who read it (``Right.READ_ACCOUNT_LOG``) and only when no case filter
is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.clock import VIETNAM
from app.errors import InvalidInput
from app.persistence import audit_search as store
from app.persistence import queries
from app.services import access, casefile, organisations
from app.services.access import Right
from app.services.admin import ACCOUNT_ACTIONS, ACCOUNT_FIELDS
from app.services.principal import Principal
from app.services.runtime import Runtime

MAX_PER_PAGE = 200
EARLIEST = date(2000, 1, 1)  # no record is older; an earlier date is a typing error, not a search


@dataclass(frozen=True)
class Kind:
    """One kind of act an auditor asks for: generic case actions, account-log actions, and the procedures' acts."""

    label: str
    case_actions: tuple[str, ...] = ()
    account_actions: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    "registered": Kind("Tiếp nhận, tạo hồ sơ", ("instance_started",)),
    "accepted": Kind("Thụ lý"),
    "rejected": Kind("Không thụ lý, hướng dẫn hoặc trả lại đơn"),
    "decided": Kind("Ban hành quyết định giải quyết hoặc đình chỉ"),
    "withdrawn": Kind("Rút đơn"),
    "step_completed": Kind("Hoàn thành một bước", ("task_completed",)),
    "letter": Kind("Nhận văn bản gửi đến hồ sơ", ("message_received",)),
    "escalated": Kind("Cảnh báo quá hạn và xác nhận", ("escalation_raised", "escalation_acknowledged")),
    "claimed": Kind("Nhận việc, trả việc", ("task_claimed", "task_released")),
    "assigned": Kind("Giao việc cho cán bộ", ("task_assigned",)),
    "document_issued": Kind("Ban hành văn bản", ("document_issued", "document_regenerated", "document_signed_added")),
    "attachment": Kind("Thêm tài liệu", ("attachment_added",)),
    "note": Kind("Ghi chú nội bộ", ("note_added",)),
    "migrated": Kind("Chuyển sang phiên bản mới của quy trình", ("migrated",)),
    "completed": Kind("Kết thúc hồ sơ", ("instance_completed",)),
    "account": Kind("Tạo, thay đổi tài khoản", account_actions=("user_created", "user_changed")),
    "sign_in": Kind("Đăng nhập, đăng xuất, phiên và mã truy cập", account_actions=(
        "signed_in", "sign_in_failed", "sign_in_refused", "account_locked", "account_unlocked", "signed_out",
        "session_ended", "session_expired", "session_idle", "password_reset", "deactivated", "roles_changed",
        "ended_by_admin", "token_issued", "token_revoked")),
}


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    kind: str | None = None
    process_id: str | None = None
    instance_id: int | None = None
    case_number: str | None = None  # what an officer knows a case by (the page's field)
    organisation: str | None = None
    since: date | None = None  # first day, Vietnam's calendar
    until: date | None = None  # last day, included


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    actor_name: str
    action: str
    label: str  # the act, as the case history or the account log names it
    source: str  # "case" | "account"
    instance_id: int | None
    seq: int | None
    case_number: str | None
    process_id: str | None
    process_name: str | None
    organisation: str | None
    organisation_name: str | None
    step: str | None  # the step's name in the diagram
    fields: list[str]  # the changed fields by their forms' titles
    account: str | None = None  # the account concerned (account log)
    account_name: str | None = None


@dataclass(frozen=True)
class Choices:
    """What the search form offers: officers, processes and organisations by name (never a code on the page)."""

    kinds: dict[str, str] = field(default_factory=dict)
    officers: dict[str, str] = field(default_factory=dict)  # user name -> full name
    processes: dict[str, str] = field(default_factory=dict)  # process id -> name
    organisations: dict[str, str] = field(default_factory=dict)  # code -> name


@dataclass(frozen=True)
class AuditResult:
    page: queries.Page  # of AuditRow
    choices: Choices = field(default_factory=Choices)


def kinds() -> dict[str, str]:
    return {key: kind.label for key, kind in KINDS.items()}


def check_period(since: date | None, until: date | None, today: date) -> None:
    """Refuse a period no record can be in, in the officers' words (the page keeps what was typed)."""
    errors = {}
    for name, day in (("from", since), ("to", until)):
        if day is not None and not EARLIEST <= day <= today + timedelta(days=366):
            errors[name] = f"Ngày phải từ {EARLIEST:%d/%m/%Y} đến {today + timedelta(days=366):%d/%m/%Y}."
    if not errors and since and until and since > until:
        errors["to"] = "«Đến ngày» phải sau hoặc bằng «Từ ngày»."
    if errors:
        raise InvalidInput("Khoảng thời gian tìm kiếm không hợp lệ.", fields=errors)


def moment(day: date | None) -> datetime | None:
    """Midnight in Vietnam at the start of ``day``: periods are the officers' calendar days."""
    return datetime.combine(day, time(), VIETNAM) if day else None


def event_filter(rt: Runtime, principal: Principal, q: AuditQuery) -> store.EventFilter:
    if q.kind is not None and q.kind not in KINDS:
        raise InvalidInput("Loại việc không có trong danh sách.", fields={"action": "Chọn một loại việc trong danh sách."})
    check_period(q.since, q.until, rt.today())
    about_cases = any(v is not None for v in (q.process_id, q.instance_id, q.case_number, q.organisation))
    case_matches: tuple[store.CaseMatch, ...] | None = None
    account_actions: frozenset[str] | None = None
    if q.kind is not None:
        kind = KINDS[q.kind]
        case_matches = tuple(store.CaseMatch(a) for a in kind.case_actions) + tuple(
            store.CaseMatch(m.action, (m.step,) if m.step else None, m.data_contains) for m in rt.procedures.acts(q.kind))
        account_actions = frozenset(kind.account_actions)
    return store.EventFilter(
        actor=q.actor, case_matches=case_matches, account_actions=account_actions,
        accounts=access.can(principal, Right.READ_ACCOUNT_LOG) and not about_cases and account_actions != frozenset(),
        process_id=q.process_id, instance_id=q.instance_id, case_number=q.case_number, organisation=q.organisation,
        since=moment(q.since), until=moment(q.until + timedelta(days=1)) if q.until else None,
    )


def search(rt: Runtime, principal: Principal, q: AuditQuery, *, page: int, per_page: int) -> AuditResult:
    """One page of the record the caller may audit, newest first, each row named for an auditor."""
    access.require(principal, Right.READ_AUDIT_LOG)
    f = event_filter(rt, principal, q)
    with rt.db.reading() as session:
        scope = _plain(access.case_scope(rt, session, principal), session)
        found = store.event_page(session, scope, f, max(page, 1), min(max(per_page, 1), MAX_PER_PAGE))
        items: list[store.EventRow] = list(found.items)
        deployments = store.deployments_by_id(session, [r.deployment_id for r in items if r.deployment_id])
        processes = {d: rt.process(session, deployment) for d, deployment in deployments.items()}
        titles = {d: casefile.field_titles(rt, process) for d, process in processes.items()}
        people = {r.actor for r in items} | {r.username for r in items if r.username}
        names = queries.user_names(session, people)
        choices = _choices(session, scope, principal)
    org_names = organisations.names(rt)
    rows = [_row(r, processes, titles, names, org_names) for r in items]
    return AuditResult(queries.Page(rows, found.total, found.page, found.per_page),
                       replace(choices, organisations={c: organisations.display_name(org_names, c)
                                                       for c in choices.organisations}))


def _plain(scope: queries.Scope, session: Session) -> queries.Scope:
    """The same scope without a process list that names every process (the count then needs no join)."""
    every = {d.process_id for d in queries.deployments(session)}
    if scope.process_ids is not None and every <= scope.process_ids:
        return queries.Scope(None, scope.organisation)
    return scope


def _choices(session: Session, scope: queries.Scope, principal: Principal) -> Choices:
    officers = {u.username: u.full_name for u in queries.all_users(session)}
    officers |= {k: v for k, v in casefile.NON_PERSONS.items() if k not in officers}
    latest = {d.process_id: d.name for d in queries.deployments(session)
              if scope.process_ids is None or d.process_id in scope.process_ids}
    codes = [principal.organisation] if principal.organisation else store.case_organisations(session)
    return Choices(kinds(), dict(sorted(officers.items(), key=lambda kv: kv[1])), latest, dict.fromkeys(codes, ""))


def _row(r: store.EventRow, processes: dict[int, Any], titles: dict[int, dict[str, str]], names: dict[str, str],
         org_names: dict[str, str]) -> AuditRow:
    data = casefile.payload(r.data)
    actor_name = names.get(r.actor) or casefile.NON_PERSONS.get(r.actor) or (
        "Chưa đăng nhập" if r.actor == "-" else r.actor)
    if r.source == store.ACCOUNT:
        return AuditRow(r.at, r.actor, actor_name, r.action, ACCOUNT_ACTIONS.get(r.action, "Sự kiện tài khoản khác"),
                        r.source, None, None, None, None, None, None, None, None,
                        [ACCOUNT_FIELDS[k] for k in data if k in ACCOUNT_FIELDS], r.username,
                        names.get(r.username or "") or r.username)
    process = processes.get(r.deployment_id or 0)
    return AuditRow(
        r.at, r.actor, actor_name, r.action, casefile.ACTIONS.get(r.action, "Sự kiện khác"), r.source,
        r.instance_id, r.seq, r.case_number, r.process_id, process.name if process else r.process_id, r.organisation,
        organisations.display_name(org_names, r.organisation) if r.organisation else None,
        process.element_names.get(r.bpmn_id, None) if process and r.bpmn_id else None,
        _fields(r.action, data, titles.get(r.deployment_id or 0, {})),
    )


def _fields(action: str, data: dict[str, Any], titles: dict[str, str]) -> list[str]:
    """The fields an event changed, by their forms' titles (a note's text stays in the notes; unknown keys unnamed)."""
    if action == "note_added":
        return []
    found = data.get("changes")
    changed: dict[str, Any] = found if isinstance(found, dict) else {}
    keys = [*(changed.get("set") or {}), *(changed.get("removed") or [])]
    seen: list[str] = []
    for key in keys:
        title = titles.get(str(key))
        if title and title not in seen:
            seen.append(title)
    return seen
