"""The application's Prometheus metrics, counted where things happen, read at ``/metrics`` (``app.ops``).

prometheus_client picks its storage when it is imported: with ``PROMETHEUS_MULTIPROC_DIR`` set
(``make run`` sets it for gunicorn's workers and the timer worker alike) every process writes its
counts to files there and ``/metrics`` answers the sum over all processes; without it (the test
client, a single process) they live in this process's default registry. Labels are bounded: the
route is Flask's URL rule (``/api/tasks/<task:task_id>``), never the address asked for.

Nothing here imports Flask, so the services count their own events (a task completed, a timer
fired) without knowing which surface asked.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, event

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # a command run before `make run` made it (flask setup) still starts
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import Counter, Histogram, disable_created_metrics  # after the directory exists

# the *_created series say when each process started counting: noise in a sum over workers
disable_created_metrics()  # type: ignore[no-untyped-call]
HTTP_REQUESTS = Counter("app_http_requests", "HTTP requests answered, by route (URL rule), method and status",
                        ["route", "method", "status"])
HTTP_LATENCY = Histogram("app_http_request_duration_seconds", "Time to answer an HTTP request, by route (URL rule)",
                         ["route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
TASK_COMPLETIONS = Counter("app_task_completions", "Tasks completed by an officer, by process", ["process_id"])
TIMERS_FIRED = Counter("app_timers_fired", "Timer jobs fired by the timer worker, by worker", ["worker"])
SQL_STATEMENTS = Counter("app_sql_statements", "SQL statements sent to the database by this application")


def _count_statement(*_args: Any) -> None:
    SQL_STATEMENTS.inc()


def count_statements(*engines: Engine) -> None:
    """Count every statement these engines send (once per engine, however often asked)."""
    for engine in engines:
        if not event.contains(engine, "before_cursor_execute", _count_statement):
            event.listen(engine, "before_cursor_execute", _count_statement)
