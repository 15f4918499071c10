"""The organisation catalogue (danh mục cơ quan): kept by the admin, picked from everywhere else.

A user's organisation, the organisation a case and its tasks belong to (the diagrams' ``handling_organisation``)
and a reception plan's units all hold a catalogue ``code``; officers only ever read the ``name``
(``display_name`` is the one helper every page uses). What the catalogue promises:

- **Codes never change and are never reused**; the name, the parent and the dates may change.
- **Nothing in use is deleted.** Deleting is for a mistaken entry nothing refers to (no user, case,
  waiting task or child entry); anything else is *ended* (``valid_to``, the last day it exists), so old
  cases and the account log keep its name. Ending is refused while active users or entries still
  running under it remain (move them first); cases of an ended organisation go on to their end.
- **Only current entries are offered and accepted** for a user or a plan unit; a value already held
  (a user's ended organisation) is kept as it is until someone changes it.
- **Parents form a tree**: no entry is its own ancestor.
- Every change is written to the account log (``organisation_created|changed|deleted``).

A form field named ``organisation`` (a reception plan's units), or any string field declaring
``"format": "organisation"`` whatever its name (the department of a complaint's first decision), holds a
catalogue code: the start form shows it as a list of names, starting a case refuses a code that is not
current (a field error), and the case page shows the name.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput, NotFound
from app.persistence import audit, catalogue
from app.persistence.models import Organisation
from app.services import access, spreadsheet
from app.services.access import Right
from app.services.principal import Principal
from app.services.runtime import Runtime
from app.text import unfit

FIELD = "organisation"  # a form field by this name holds a catalogue code
FORMAT = "organisation"  # so does a string field of any name with this ``format``
NOT_FOUND = "Không có cơ quan này trong danh mục."
MAX_CODE, MAX_NAME = 100, 300


@dataclass(frozen=True)
class OrganisationChange:
    """What the admin sets on an entry; the code is given once, at creation."""

    name: str
    parent: str | None = None  # the parent's code
    valid_from: date | None = None
    valid_to: date | None = None


def display_name(names: Mapping[str, str], code: str | None) -> str:
    """How an organisation is shown: its catalogue name; a value the catalogue lacks (typed text) as it is."""
    if not code:
        return ""
    return names.get(code, code)


def is_reference(key: str) -> bool:
    """Whether a data key (``handling_organisation``, ``units.organisation``) holds an organisation code."""
    return key == FIELD or key.endswith((f".{FIELD}", f"_{FIELD}"))


def named_value(names: Mapping[str, str], key: str, value: Any) -> Any:
    """A value of the case data as shown: an organisation code by its name, anything else as it is."""
    return display_name(names, value) if isinstance(value, str) and is_reference(key) else value


def status_of(entry: Organisation, today: date) -> str:
    if entry.valid_from is not None and today < entry.valid_from:
        return "future"
    return "current" if entry.current_on(today) else "ended"


# -- reading ----------------------------------------------------------------------------------------

def names(rt: Runtime) -> dict[str, str]:
    """Code -> name of every entry, ended ones too (for showing; it holds nothing secret)."""
    with rt.db.reading() as session:
        return catalogue.names(session)


def list_organisations(rt: Runtime, principal: Principal) -> list[Organisation]:
    access.require(principal, Right.READ_ORGANISATIONS)
    with rt.db.reading() as session:
        return list(catalogue.organisations(session))


def get_organisation(rt: Runtime, principal: Principal, organisation_id: int) -> Organisation:
    access.require(principal, Right.READ_ORGANISATIONS)
    with rt.db.reading() as session:
        return _entry(session, organisation_id)


def require_manager(principal: Principal) -> None:
    access.require(principal, Right.MANAGE_ORGANISATIONS)


def usage_of(rt: Runtime, principal: Principal, organisation_id: int) -> catalogue.Usage:
    """What refers to an entry (users, cases, waiting tasks, entries under it), for the admin's page."""
    require_manager(principal)
    with rt.db.reading() as session:
        return catalogue.usage(session, _entry(session, organisation_id))


def parent_code(rt: Runtime, entry: Organisation) -> str | None:
    with rt.db.reading() as session:
        parent = catalogue.organisation(session, entry.parent_id) if entry.parent_id else None
        return parent.code if parent else None


def choices(rt: Runtime, keep: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the entries current today, parents before their children; ``keep`` is added if held."""
    today = rt.today()
    with rt.db.reading() as session:
        entries = list(catalogue.organisations(session))
    found = [(e.code, e.name) for e in tree_order(entries) if e.current_on(today)]
    if keep and keep not in {code for code, _ in found}:
        held = next((e for e in entries if e.code == keep), None)
        found.insert(0, (keep, f"{held.name} (đã kết thúc)" if held else keep))
    return found


def tree_order(entries: list[Organisation]) -> Iterator[Organisation]:
    children: dict[int | None, list[Organisation]] = {}
    for entry in entries:
        children.setdefault(entry.parent_id, []).append(entry)
    known = {e.id for e in entries}

    def walk(parent: int | None) -> Iterator[Organisation]:
        for entry in children.get(parent, []):
            yield entry
            yield from walk(entry.id)

    yield from walk(None)
    for parent, orphans in children.items():  # a parent id no entry has (cannot happen with the foreign key)
        if parent is not None and parent not in known:
            yield from orphans


# -- changing (the admin) -----------------------------------------------------------------------------

def create_organisation(rt: Runtime, principal: Principal, code: str, change: OrganisationChange) -> Organisation:
    require_manager(principal)
    fields = {**_check_code(code), **_check(change)}
    if fields:
        raise InvalidInput("Thông tin cơ quan chưa hợp lệ.", fields=fields)
    with rt.db.writing() as session:
        if catalogue.by_code(session, code) is not None:
            raise InvalidInput("Thông tin cơ quan chưa hợp lệ.", fields={"code": "Mã này đã có trong danh mục."})
        entry = Organisation(code=code, name=change.name.strip(), valid_from=change.valid_from,
                             valid_to=change.valid_to, parent_id=_parent_id(session, None, change.parent))
        session.add(entry)
        session.flush()
        _log(rt, session, principal.username, "organisation_created", facts(session, entry))
        return entry


def update_organisation(rt: Runtime, principal: Principal, organisation_id: int,
                        change: OrganisationChange) -> Organisation:
    require_manager(principal)
    fields = _check(change)
    if fields:
        raise InvalidInput("Thông tin cơ quan chưa hợp lệ.", fields=fields)
    with rt.db.writing() as session:
        entry = _entry(session, organisation_id)
        before = facts(session, entry)
        parent_id = _parent_id(session, entry, change.parent)
        if change.valid_to is not None and change.valid_to != entry.valid_to:
            _require_endable(session, entry, change.valid_to)
        entry.name, entry.parent_id = change.name.strip(), parent_id
        entry.valid_from, entry.valid_to = change.valid_from, change.valid_to
        session.flush()
        after = facts(session, entry)
        changed: dict[str, Any] = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            _log(rt, session, principal.username, "organisation_changed", {"code": entry.code, **changed})
        return entry


def delete_organisation(rt: Runtime, principal: Principal, organisation_id: int) -> None:
    """Remove a mistaken entry; one anything refers to is refused (409): end it instead."""
    require_manager(principal)
    with rt.db.writing() as session:
        entry = _entry(session, organisation_id)
        used = catalogue.usage(session, entry)
        if used.anything:
            raise Conflict(f"Không xóa được «{entry.name}»: {_usage_text(used)} còn gắn với cơ quan này. "
                           "Hãy ghi ngày kết thúc hoạt động thay vì xóa, để hồ sơ cũ vẫn giữ tên cơ quan.")
        data = facts(session, entry)
        session.delete(entry)
        _log(rt, session, principal.username, "organisation_deleted", data)


def _entry(session: Session, organisation_id: int) -> Organisation:
    entry = catalogue.organisation(session, organisation_id)
    if entry is None:
        raise NotFound(NOT_FOUND)
    return entry


def facts(session: Session, entry: Organisation) -> dict[str, Any]:
    """What the account log keeps of an entry (dates as ISO text, the parent by its code)."""
    parent = catalogue.organisation(session, entry.parent_id) if entry.parent_id else None
    return {"code": entry.code, "name": entry.name, "parent": parent.code if parent else None,
            "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
            "valid_to": entry.valid_to.isoformat() if entry.valid_to else None}


def log_setup(rt: Runtime, session: Session, entry: Organisation) -> None:
    """Record an entry written by setup (the codes in use, the demo catalogue) in the account log."""
    _log(rt, session, "setup", "organisation_created", facts(session, entry))


def _log(rt: Runtime, session: Session, actor: str, action: str, data: dict[str, Any]) -> None:
    audit.append_account_event(session, rt.audit_keys, at=rt.now(), actor=actor, action=action, username="",
                               data=data)


def _plain(text: str, label: str, limit: int) -> str | None:
    """Why a code or name cannot be kept, in Vietnamese; None when it can."""
    if not text.strip():
        return f"Chưa nhập «{label}»."
    if len(text) > limit:
        return f"«{label}» dài quá {limit} ký tự."
    bad = unfit(text)
    if bad:
        return bad
    if text.strip().startswith(spreadsheet.FORMULA_STARTS):
        return f"«{label}» không được bắt đầu bằng dấu =, +, - hoặc @ (bảng tính đọc thành công thức)."
    return None


def _check_code(code: str) -> dict[str, str]:
    problem = _plain(code, "Mã", MAX_CODE)
    if problem is None and code != code.strip():
        problem = "«Mã» không được có khoảng trắng ở đầu hoặc cuối."
    return {"code": problem} if problem else {}


def _check(change: OrganisationChange) -> dict[str, str]:
    fields: dict[str, str] = {}
    problem = _plain(change.name, "Tên cơ quan", MAX_NAME)
    if problem:
        fields["name"] = problem
    if change.valid_from and change.valid_to and change.valid_to < change.valid_from:
        fields["valid_to"] = "Ngày kết thúc không được trước ngày bắt đầu."
    if change.parent is not None and (len(change.parent) > MAX_CODE or unfit(change.parent)):
        fields["parent"] = NOT_FOUND
    return fields


def _parent_id(session: Session, entry: Organisation | None, parent_code: str | None) -> int | None:
    """The parent's id, refusing an unknown parent and any cycle (an entry under itself or its descendants)."""
    if not parent_code:
        return None
    parent = catalogue.by_code(session, parent_code)
    if parent is None:
        raise InvalidInput("Thông tin cơ quan chưa hợp lệ.", fields={"parent": "Cơ quan cấp trên không có trong danh mục."})
    seen: set[int] = set()
    ancestor: Organisation | None = parent
    while ancestor is not None and ancestor.id not in seen:
        if entry is not None and ancestor.id == entry.id:
            raise InvalidInput("Thông tin cơ quan chưa hợp lệ.",
                               fields={"parent": "Cơ quan cấp trên không được là chính nó hoặc một cơ quan trực thuộc nó."})
        seen.add(ancestor.id)
        ancestor = catalogue.organisation(session, ancestor.parent_id) if ancestor.parent_id else None
    return parent.id


def _require_endable(session: Session, entry: Organisation, last_day: date) -> None:
    """Ending keeps history, but nobody may be left acting for an organisation that no longer exists."""
    used = catalogue.usage(session, entry)
    running_children = [c for c in catalogue.organisations(session)
                        if c.parent_id == entry.id and (c.valid_to is None or c.valid_to > last_day)]
    if used.active_users:
        raise Conflict(f"Còn {used.active_users} người dùng đang hoạt động thuộc «{entry.name}»: hãy chuyển họ "
                       "sang cơ quan khác (hoặc khóa tài khoản) trước khi ghi ngày kết thúc.")
    if running_children:
        raise Conflict(f"Còn {len(running_children)} cơ quan trực thuộc «{entry.name}» vẫn hoạt động sau ngày "
                       "kết thúc: hãy kết thúc hoặc chuyển chúng trước.")


def _usage_text(used: catalogue.Usage) -> str:
    parts = [f"{n} {label}" for n, label in ((used.users, "người dùng"), (used.cases, "hồ sơ"),
                                             (used.tasks, "bước đang chờ"), (used.children, "cơ quan trực thuộc"))
             if n]
    return ", ".join(parts)


# -- references from users and forms ------------------------------------------------------------------

def assignable_problem(session: Session, code: str | None, today: date, held: str | None = None) -> str | None:
    """Why ``code`` cannot be given to a user now (None: it can); the value the user already holds is kept."""
    if code is None or code == held:
        return None
    entry = catalogue.by_code(session, code) if len(code) <= MAX_CODE and not unfit(code) else None
    if entry is None:
        return "Chọn cơ quan trong danh mục."
    if not entry.current_on(today):
        return f"Cơ quan «{entry.name}» không còn (hoặc chưa) hoạt động ở thời điểm này."
    return None


def require_assignable(rt: Runtime, code: str | None) -> None:
    """Refuse giving a user an organisation that is not a current catalogue entry (the CLI's check)."""
    with rt.db.reading() as session:
        problem = assignable_problem(session, code, rt.today())
    if problem:
        raise InvalidInput(problem, fields={"organisation": problem})


def reference_fields(schema: Mapping[str, Any], path: str = "") -> Iterator[str]:
    """Dotted schema paths (``units.*.organisation``) of the fields that hold a catalogue code."""
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        here = f"{path}.{key}" if path else key
        if sub.get("type") == "string" and (key == FIELD or sub.get("format") == FORMAT):
            yield here
        yield from reference_fields(sub, here)
        items = sub.get("items")
        if isinstance(items, dict):
            yield from reference_fields(items, f"{here}.*")


def check_references(session: Session, schema: Mapping[str, Any], data: Any, today: date) -> dict[str, str]:
    """Field errors for every organisation field of a form's data that is not a current catalogue entry."""
    patterns = list(reference_fields(schema))
    if not patterns:  # a form naming no organisation: the catalogue is not read
        return {}
    entries = {e.code: e for e in catalogue.organisations(session)}
    fields: dict[str, str] = {}
    for pattern in patterns:
        for where, value in _values(data, pattern.split(".")):
            if value == "":  # left blank: whether the field is needed is the form's own rule
                continue
            entry = entries.get(value) if isinstance(value, str) else None
            if entry is None:
                fields[where] = "Chọn cơ quan trong danh mục cơ quan."
            elif not entry.current_on(today):
                fields[where] = f"Cơ quan «{entry.name}» không còn (hoặc chưa) hoạt động ở thời điểm này."
    return fields


def _values(data: Any, parts: list[str], prefix: str = "") -> Iterator[tuple[str, Any]]:
    if not parts:
        yield prefix, data
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        for i, item in enumerate(data if isinstance(data, list) else []):
            yield from _values(item, rest, f"{prefix}.{i}" if prefix else str(i))
    elif isinstance(data, dict) and head in data:
        yield from _values(data[head], rest, f"{prefix}.{head}" if prefix else head)


def shown_paths(forms: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The paths (list items share their list's, as the case page reads them) of the organisation fields of
    a process's forms: the case page shows their value by its catalogue name."""
    found = {pattern.replace(".*", "") for name, schema in forms.items() if name.endswith(".schema.json")
             for pattern in reference_fields(schema)}
    return sorted(found)


def with_pickers(schema: Mapping[str, Any], options: list[tuple[str, str]]) -> dict[str, Any]:
    """A copy of a form's schema whose organisation fields are a list of names (what the page draws)."""
    shown = copy.deepcopy(dict(schema))
    for pattern in reference_fields(schema):
        node: Any = shown
        for part in pattern.split("."):
            node = node["items"] if part == "*" else node["properties"][part]
        node["oneOf"] = [{"const": code, "title": name} for code, name in options]
    return shown


# -- the catalogue as a spreadsheet -----------------------------------------------------------------

def workbook(rt: Runtime, principal: Principal) -> bytes:
    """The catalogue as a workbook for the admin (names stay text even if they begin with «=»)."""
    require_manager(principal)
    today = rt.today()
    with rt.db.reading() as session:
        entries = list(catalogue.organisations(session))
    by_id = {e.id: e for e in entries}
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh mục cơ quan"
    spreadsheet.append(sheet, ["Mã", "Tên cơ quan", "Cơ quan cấp trên", "Từ ngày", "Đến ngày", "Tình trạng"])
    for entry in tree_order(entries):
        parent = by_id.get(entry.parent_id) if entry.parent_id else None
        spreadsheet.append(sheet, [entry.code, entry.name, parent.name if parent else "", entry.valid_from,
                                   entry.valid_to, STATUS_TITLES[status_of(entry, today)]])
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=5):
        for cell in row:
            cell.number_format = "DD/MM/YYYY"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


STATUS_TITLES = {"current": "Đang hoạt động", "ended": "Đã kết thúc", "future": "Chưa đến ngày hoạt động"}
