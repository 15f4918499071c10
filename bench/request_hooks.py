"""What the per-request hooks cost: ``python -m bench.request_hooks`` (about a minute on 2 cores).

2,000 ``GET /api/tasks?instance_id=…`` (bearer token, SQLite) through Flask's test client, the CPU
time of the calling thread spent in each before/after/teardown hook and in the token's look-up,
per request; then the whole request with and without the operator's hooks (``app.ops``: request
id, JSON log line, metrics). The log line goes to /dev/null: what is measured is making it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REQUESTS = 2_000


def _timed(function: Callable[..., Any], label: str, spent: dict[str, int]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time_ns()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.thread_time_ns() - started

    return timed


def main() -> None:
    from app import create_app, ops
    from app.persistence.migrate import upgrade
    from app.services import cases, deploy, organisation_seed, sessions, users
    from bench.common import real_scenario

    work = Path(tempfile.mkdtemp(prefix="khieunai-hooks-"))
    url = f"sqlite:///{work / 'hooks.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(work), "SECRET_KEY": "bench", "AUDIT_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "DEMO_USERS": "1"})
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open("/dev/null", "w"))  # noqa: SIM115 - open for the whole run
    rt = app.extensions["runtime"]
    deploy.deploy_directory(rt)  # as `flask setup`: processes, demo users and organisations
    users.ensure_demo_users(rt)
    organisation_seed.ensure_demo(rt)
    reception = users.authenticate_password(rt, "reception", "demo")
    instance_id = cases.start_case(rt, reception, "complaint_second_level", real_scenario().start_data()).instance.id
    token = sessions.issue_token(rt, users.authenticate_password(rt, "resolver", "demo"), "hooks").value
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    path = f"/api/tasks?instance_id={instance_id}"
    assert client.get(path, headers=headers).status_code == 200

    def run() -> float:
        started = time.thread_time()
        for _ in range(REQUESTS):
            client.get(path, headers=headers)
        return (time.thread_time() - started) / REQUESTS * 1e6

    run()  # warm up
    hooks = (app.before_request_funcs[None], app.after_request_funcs[None], app.teardown_request_funcs[None])
    saved = [list(h) for h in hooks]
    for kept, mine in zip(hooks, (ops._begin, ops._finish, ops._end), strict=True):
        kept.remove(mine)
    without = run()
    for kept, before in zip(hooks, saved, strict=True):
        kept[:] = before
    with_ops = run()
    spent: dict[str, int] = defaultdict(int)
    for kept, kind in zip(hooks, ("before", "after", "teardown"), strict=True):
        kept[:] = [_timed(f, f"{kind} {getattr(f, '__module__', '')}.{getattr(f, '__name__', type(f).__name__)}", spent)
                   for f in kept]
    sessions_module: Any = sessions
    sessions_module.authenticate_token = _timed(sessions.authenticate_token, "auth   sessions.authenticate_token", spent)
    run()
    print(f"{REQUESTS} × GET {path} (CPU µs per request)")
    print(f"  whole request without app.ops hooks  {without:8.0f}")
    print(f"  whole request with them              {with_ops:8.0f}")
    for label, nanoseconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {label:60s} {nanoseconds / REQUESTS / 1000:8.1f}")


if __name__ == "__main__":
    main()
