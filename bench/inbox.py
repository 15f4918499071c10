"""The inbox at scale: 100,000 cases of which 20,000 wait on a task, on SQLite, in process.

Seeded in bulk by ``bench.web``'s copier (the instance and task rows of real cases, no engine run
per copy, no workflow state: the inbox must not need it), then timed through the Flask test
client — the server's time, queries and serialization, no network — as a client uses it:

* ``GET /api/tasks`` (first page, default scope) as the resolver,
* the officers' ``/inbox`` page as the resolver,
* ``GET /api/tasks?instance_id=…&bpmn_id=…``: "my task on this case".

During the timed calls ``Engine.load`` (the only way a workflow is deserialized) is counted: the
inbox is plain columns, so the count must be 0. The query plan of the inbox's statements is read
with EXPLAIN QUERY PLAN, to show which index serves it.
``python -m bench.inbox [--cases 100000] [--open 20000] [--repeat 30]``.
"""

from __future__ import annotations

import argparse
import base64
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import percentile


def measure(workdir: Path, cases: int, open_cases: int, repeat: int) -> dict[str, Any]:
    from bench import web

    app, rt, templates = web._setup(workdir, finished=True)
    started = time.perf_counter()
    # the templates are cases too: seed what makes the totals exactly ``cases`` and ``open_cases``
    web._seed(rt, templates, cases - len(templates), False, open_cases=open_cases - (len(templates) - 1),
              events=False)
    seed_s = time.perf_counter() - started
    out: dict[str, Any] = {"cases": web._count(rt, "instances"), "open_tasks": web._count(rt, "tasks"),
                           "seed_s": round(seed_s, 1), "repeat": repeat}
    try:
        out.update(_time_calls(app, rt, repeat))
    finally:
        rt.db.dispose()
    return out


@contextmanager
def _counting_loads() -> Iterator[list[int]]:
    """Count every ``Engine.load`` (workflow deserialization) while the block runs."""
    from app.engine import Engine

    original = Engine.load
    count = [0]

    def load(self: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(self, *args, **kwargs)

    Engine.load = load  # type: ignore[method-assign]
    try:
        yield count
    finally:
        Engine.load = original  # type: ignore[method-assign]


@contextmanager
def _statements(rt: Any) -> Iterator[list[tuple[str, Any]]]:
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = rt.db.read_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _time_calls(app: Any, rt: Any, repeat: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from app.persistence.models import TaskRow

    client = app.test_client()
    basic = "Basic " + base64.b64encode(b"resolver:demo").decode()
    token = client.post("/api/auth/tokens", json={"name": "bench"}, headers={"Authorization": basic}).get_json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    pages = app.test_client()
    page = pages.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    pages.post("/login", data={"username": "resolver", "password": "demo", "csrf_token": csrf})
    with rt.db.reading() as session:  # a case in the middle of the ids with a task of the resolver's
        resolvers = select(TaskRow.instance_id).where(TaskRow.role == "resolver")
        middle = (session.scalar(select(func.count()).select_from(resolvers.subquery())) or 0) // 2
        mid = session.scalar(resolvers.order_by(TaskRow.instance_id).offset(middle).limit(1))
        step = session.scalar(select(TaskRow.bpmn_id).where(TaskRow.instance_id == mid))
    calls = {
        "GET /api/tasks (page 1, default scope)": (client, "/api/tasks", bearer),
        "officers' /inbox page": (pages, "/inbox", {}),
        "GET /api/tasks?instance_id&bpmn_id (my task on a case)": (
            client, f"/api/tasks?instance_id={mid}&bpmn_id={step}", bearer),
    }
    rows: dict[str, Any] = {}
    for name, (c, url, headers) in calls.items():
        response = c.get(url, headers=headers)  # warm-up, and the check that it answers what it should
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        body = response.get_json() if url.startswith("/api/") else None
        with _statements(rt) as seen:
            c.get(url, headers=headers)
        times = []
        with _counting_loads() as loads:
            for _ in range(repeat):
                t0 = time.perf_counter()
                c.get(url, headers=headers)
                times.append((time.perf_counter() - t0) * 1000)
        rows[name] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95), "engine_loads": loads[0],
                      "statements": len(seen), "total": body.get("total") if isinstance(body, dict) else None,
                      "plan": _plan(rt, seen)}
    return {"calls": rows}


def _plan(rt: Any, seen: list[tuple[str, Any]]) -> list[str]:
    """EXPLAIN QUERY PLAN of the statements that read the tasks table: which index each step uses."""
    plans = []
    with rt.db.read_engine.connect() as conn:
        for statement, parameters in seen:
            if not re.search(r"\bFROM tasks\b", statement) or not statement.lstrip().upper().startswith("SELECT"):
                continue
            raw = conn.connection.driver_connection
            rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()  # type: ignore[union-attr]
            plans.append("; ".join(str(r[-1]) for r in rows))
    return plans


def print_results(r: dict[str, Any]) -> None:
    print(f"inbox at scale — {r['cases']:,} cases, {r['open_tasks']:,} open tasks (SQLite, seeded in bulk in "
          f"{r['seed_s']} s; in process, Flask test client, {r['repeat']} repeats)")
    print(f"  {'call':<58}{'p50 ms':>8}{'p95 ms':>8}{'total':>8}{'SQL':>5}{'Engine.load':>13}")
    for name, x in r["calls"].items():
        total = "" if x["total"] is None else f"{x['total']:,}"
        print(f"  {name:<58}{x['p50_ms']:>8.1f}{x['p95_ms']:>8.1f}{total:>8}{x['statements']:>5}{x['engine_loads']:>13}")
    print("  Engine.load = workflows deserialized during the timed calls (0: the inbox reads plain columns only);")
    print("  SQL = statements of one call (session, user and the inbox query with its count); total = tasks found.")
    for name, x in r["calls"].items():
        for plan in x["plan"]:
            print(f"  plan, {name.split(' (')[0]}: {plan}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-inbox-") as tmp:
        print_results(measure(Path(tmp), args.cases, args.open, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
