"""The auditor's search and deadlines report at scale: ``python -m bench.audit [--cases 20000] [--repeat 20]``.

Seeds a migrated SQLite file (or ``--database-url`` PostgreSQL) with N cases in bulk — instance, task
and audit rows copied from eight real cases carried to each step of Case A (``bench.web``), each copy's
events moved to its own days and spread over four organisations — then times the search API and pages
in process (Flask test client: queries, serialization and templates) and prints p50/p95 per query.
"""

from __future__ import annotations

import argparse
import base64
import random
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import percentile
from bench.web import _count, _instance_row, _setup, _task_row


def basic(username: str) -> dict[str, str]:
    """HTTP Basic for a demo user (the bench's throwaway database; every demo password is «demo»)."""
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo".encode()).decode()}


ORGANISATIONS = ("Sở Tài chính", "Sở Nông nghiệp và PTNT", "stnmt", None)
QUERIES = {
    "API: everything, page 1": "/api/audit/events",
    "API: everything, page 100": "/api/audit/events?page=100",
    "API: one officer": "/api/audit/events?actor=resolver",
    "API: one officer, one month": "/api/audit/events?actor=resolver&from={month_start}&to={month_end}",
    "API: kind accepted": "/api/audit/events?action=accepted",
    "API: kind decided, one organisation": "/api/audit/events?action=decided&organisation=stnmt",
    "API: one case": "/api/audit/events?case={case}",
    "API: one day": "/api/audit/events?from={day}&to={day}",
    "page: /audit": "/audit",
    "page: one officer, one month": "/audit?actor=resolver&from={month_start_vn}&to={month_end_vn}",
    "API: deadlines report (all)": "/api/audit/deadlines",
    "API: deadlines report (one month)": "/api/audit/deadlines?from={month_start}&to={month_end}",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        app, rt, templates = _setup(Path(tmp))
        started = time.perf_counter()
        _seed(rt, templates, args.cases)
        events = _count(rt, "audit_events")
        print(f"seeded {args.cases} cases, {events} audit events in {time.perf_counter() - started:.1f} s")
        results = _measure(app, args.repeat)
        rt.db.dispose()
    print(f"\n{'query':<40} {'p50 ms':>8} {'p95 ms':>8}   (N = {args.cases} cases, {events} events, SQLite)")
    for name, (p50, p95) in results.items():
        print(f"{name:<40} {p50:8.1f} {p95:8.1f}")
    return 0


def _seed(rt: Any, templates: list[int], total: int) -> None:
    """Copy the templates ``total`` times; each copy's events keep their spacing from a start within 400 days."""
    from sqlalchemy import insert, select

    from app.persistence.models import AuditEvent, Instance, TaskRow

    random.seed(7)
    today = rt.today()
    with rt.db.writing() as session:
        sources = [(session.get(Instance, i), session.scalars(select(TaskRow).where(TaskRow.instance_id == i)).all(),
                    session.scalars(select(AuditEvent).where(AuditEvent.instance_id == i)).all()) for i in templates]
        next_id = (session.scalar(select(Instance.id).order_by(Instance.id.desc()).limit(1)) or 0) + 1
        for start in range(0, total, 2000):
            instances, task_rows, events = [], [], []
            for offset in range(min(2000, total - start)):
                instance_id = next_id + start + offset
                source, source_tasks, source_events = sources[(start + offset) % len(sources)]
                created = datetime.now(UTC) - timedelta(days=random.randint(0, 400), minutes=random.randint(0, 600))
                row = _instance_row(source, instance_id, created, False)
                row["organisation"] = random.choice(ORGANISATIONS)
                instances.append(row)
                task_rows += [_task_row(t, instance_id, created, today) for t in source_tasks]
                first = source_events[0].at
                events += [{"instance_id": instance_id, "seq": e.seq, "at": created + (e.at - first) * 200,
                            "actor": e.actor, "action": e.action, "task_id": e.task_id, "bpmn_id": e.bpmn_id,
                            "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash} for e in source_events]
            session.execute(insert(Instance), instances)
            if task_rows:
                session.execute(insert(TaskRow), task_rows)
            session.execute(insert(AuditEvent), events)


def _measure(app: Any, repeat: int) -> dict[str, tuple[float, float]]:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "auditor", "password": "demo", "csrf_token": token})
    month_end = datetime.now(UTC).date() - timedelta(days=30)
    month_start = month_end - timedelta(days=30)
    values = {"case": 5000, "day": (month_end - timedelta(days=3)).isoformat(), "month_start": month_start.isoformat(),
              "month_end": month_end.isoformat(), "month_start_vn": month_start.strftime("%d/%m/%Y"),
              "month_end_vn": month_end.strftime("%d/%m/%Y")}
    headers = basic("auditor")
    results = {}
    for name, path in QUERIES.items():
        url = path.format(**values)
        kwargs = {"headers": headers} if url.startswith("/api") else {}
        first = client.get(url, **kwargs)
        assert first.status_code == 200, (url, first.status_code, first.get_data(as_text=True)[:300])
        times = []
        for _ in range(repeat if "deadlines" not in name else max(3, repeat // 4)):
            started = time.perf_counter()
            response = client.get(url, **kwargs)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        results[name] = (percentile(times, 50), percentile(times, 95))
    return results


if __name__ == "__main__":
    raise SystemExit(main())
