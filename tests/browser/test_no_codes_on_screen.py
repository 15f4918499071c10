"""Every page, as every role: no raw code in what a person sees.

Each demo user signs in and walks the site from the navigation, following every same-site link it
is shown (at most two pages of each kind: ``/cases/7`` and ``/cases/9`` are one kind), and reads the
visible text of each page in chromium. A page fails on what an officer must never read: a snake_case
key, an option's stored value (every ``const``/``enum`` of every form), an ISO date, template syntax,
``None``/``null``/``True``/``False`` or a Python object. Identifiers a person types to sign in (user
names) are shown inside ``<code>`` and skipped, as are form fields' own values.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from app.clock import VIETNAM
from app.roles import ROLES
from tests import cases
from tests.browser.conftest import ARTIFACTS, shot, sign_in
from tests.conftest import basic

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
PER_KIND = 2
MAX_PAGES = 30  # per role: every kind of page the navigation leads to (two of each), within a minute or two
SKIP = re.compile(r"/logout|\.(xlsx|bpmn|pdf|docx|png|jpg|css|js)$|/attachments/|/documents/|/download|/export|/static/")

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_RAW = re.compile(r"\{%|%\}|\{\{|\}\}|\bNone\b|\bnull\b|\bTrue\b|\bFalse\b|object at 0x|Traceback|\bundefined\b|\bsystem\b")

_VISIBLE_TEXT = """() => {
  const skip = new Set(["SCRIPT", "STYLE", "CODE", "NOSCRIPT", "TEMPLATE", "TEXTAREA", "SELECT", "OPTION"]);
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    let el = node.parentElement, hidden = false;
    while (el) {
      if (skip.has(el.tagName) || el.hidden) { hidden = true; break; }
      el = el.parentElement;
    }
    if (hidden) continue;
    const style = getComputedStyle(node.parentElement);
    if (style.display === "none" || style.visibility === "hidden") continue;
    parts.push(node.textContent);
  }
  return parts.join(" ");
}"""


def _stored_values() -> set[str]:
    """Every option value the forms store: what a page must show by its title instead."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            const = node.get("const")
            if isinstance(const, str) and re.fullmatch(r"[a-z][a-z0-9_]+", const):
                found.add(const)
            for value in node.get("enum") or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]+", value):
                    found.add(value)
            for sub in node.values():
                walk(sub)
        elif isinstance(node, list):
            for sub in node:
                walk(sub)

    for path in (ROOT / "forms").rglob("*.schema.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def raw_codes(text: str, stored: set[str]) -> list[str]:
    found = [m.group(0) for m in _SNAKE.finditer(text)]
    found += [m.group(0) for m in _ISO.finditer(text)]
    found += [m.group(0) for m in _RAW.finditer(text)]
    found += [word for word in re.findall(r"\b[a-z][a-z0-9]+\b", text) if word in stored]
    return found


def _kind(path: str) -> str:
    return re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}|/\d+", "/N", path)


def _api(server: str, method: str, path: str, user: str, body: Any) -> Any:
    request = urllib.request.Request(f"{server}{path}", method=method, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **basic(user)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _seed(server: str) -> None:
    """A complaint at each of its first steps, one carried to publication, and a plan with a central call."""
    for n, steps in enumerate((0, 2, 5, len(cases.RESOLVED_PATH))):
        first = {**cases.petition()["first_decision"], "number": f"{90 + n}/QĐ-UBND"}  # not another test's petition
        created = _api(server, "POST", "/api/processes/complaint_second_level/instances", "reception",
                       {"data": cases.petition(first_decision=first)})
        for bpmn_id, role, payload in cases.RESOLVED_PATH[:steps]:
            task = next(t for t in created["tasks"] if t["bpmn_id"] == bpmn_id)
            created = _api(server, "POST", f"/api/tasks/{task['id']}/complete", role, {"data": payload()})
    from tests.browser.test_plan_pages import _plan

    now = datetime.now(VIETNAM).replace(second=0, microsecond=0)
    plan = _api(server, "POST", "/api/processes/na_session_reception/instances", "inspectorate", {"data": _plan(now)})
    _api(server, "POST", f"/api/instances/{plan['id']}/messages/central_coordination", "inspectorate", {"payload": {
        "reported_by": "central_reception_board", "reported_at": now.isoformat(), "channel": "phone",
        "location": "Trụ sở Tiếp công dân Trung ương, Hà Nội", "people_count": 8, "home_area": "Huyện Chư Prông",
        "content": "Đề nghị giải quyết bồi thường đất rẫy."}})


def _walk(page: Page, server: str, role: str, stored: set[str]) -> tuple[int, dict[str, list[str]]]:
    seen_kinds: dict[str, int] = {}
    queue, visited, problems = deque(["/inbox"]), set(), {}
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if path in visited or seen_kinds.get(_kind(path), 0) >= PER_KIND:
            continue
        visited.add(path)
        seen_kinds[_kind(path)] = seen_kinds.get(_kind(path), 0) + 1
        response = page.goto(f"{server}{path}")
        assert response is not None and response.status < 500, f"{role} {path}: {response and response.status}"
        found = raw_codes(page.evaluate(_VISIBLE_TEXT), stored)
        if found:
            problems[path] = sorted(set(found))
            shot(page, f"codes-{role}-{_kind(path).strip('/').replace('/', '-') or 'root'}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(href)
            if target.netloc or not target.path.startswith("/") or SKIP.search(target.path):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in visited:
                queue.append(link)
    return len(visited), problems


def test_every_page_as_every_role_shows_no_raw_code(page: Page, server: str) -> None:
    _seed(server)
    stored = _stored_values()
    pages, problems = 0, {}
    for role in ROLES:
        sign_in(page, server, role)
        visited, found = _walk(page, server, role, stored)
        pages += visited
        problems.update({f"{role} {path}": codes for path, codes in found.items()})
    print(f"scanned {pages} pages as {len(ROLES)} roles")
    (ARTIFACTS / "raw-codes.json").write_text(json.dumps(problems, ensure_ascii=False, indent=1), encoding="utf-8")
    assert pages >= 8 * len(ROLES)
    assert problems == {}
