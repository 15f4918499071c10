"""Run a case's timers in a child process that is killed past a hard time limit the diagram cannot escape.

The budget stops diagram code at its limits, but only between Python operations: an operation the
budget missed (a C-level loop, a crash of the interpreter) would hang or kill the timer worker itself,
and every other case's timers with it. So the worker forks a child for each job: the child has the
case in memory (loaded by the parent) and no database connection of its own to use; it fires the
timers, settles the case (serialized state, due dates) and sends that back through a pipe. The parent
waits at most ``seconds``, then kills the child (SIGKILL: no Python code runs after it) and reports a
failure, which the job's attempts turn into a back-off and then an incident. The child's address
space is also capped (``CHILD_MEMORY`` above what it inherits), so a memory bomb fails there too.

Where ``fork`` does not exist the timers fire in the worker's own process, bounded by the budget alone.
"""

from __future__ import annotations

import gc
import multiprocessing
import resource
from multiprocessing.connection import Connection
from typing import Any

from app.engine import Engine, WorkflowRun
from app.errors import AppError, EngineError

CHILD_MEMORY = 1024 * 1024 * 1024  # bytes a timer's child may allocate above what it inherits from the worker


class ChildFailed(Exception):
    """The child process failed, died or was killed; the message is what the job records."""


def fire_isolated(engine: Engine, run: WorkflowRun, seconds: float) -> WorkflowRun:
    """Fire ``run``'s due timers in a child killed after ``seconds``; return the case as the child left it.

    :raises EngineError: the diagram's code was refused (as in the worker's own process);
    :raises ChildFailed: anything else, including a child killed for its time or dead of its own.
    """
    if seconds <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        run.fire_due_timers()
        return run
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(run, writer), daemon=True, name="timer-job")
    child.start()
    writer.close()
    try:
        outcome = reader.recv() if reader.poll(seconds) else None
    except EOFError:
        outcome = None
    finally:
        reader.close()
        if outcome is None:
            child.kill()
        child.join(5)
    return _take(engine, run, outcome, seconds, child.exitcode)


def _take(engine: Engine, run: WorkflowRun, outcome: tuple[str, Any] | None, seconds: float,
          exitcode: int | None) -> WorkflowRun:
    if outcome is None:
        if exitcode is not None and exitcode >= 0:
            raise ChildFailed(f"Tiến trình chạy bộ hẹn giờ dừng bất thường (mã {exitcode}) trước khi xong việc.")
        raise ChildFailed(f"Bộ hẹn giờ chạy quá {seconds:g} giây nên đã bị dừng hẳn (mã trong sơ đồ không kết thúc "
                          "hoặc tiến trình bị hệ thống dừng); hồ sơ giữ nguyên.")
    kind, payload = outcome
    if kind == "refused":
        message, details = payload
        raise EngineError(message, details=details)
    if kind != "settled":
        raise ChildFailed(payload)
    state, steps, escalations, ready = payload
    fired = engine.load(run.process, state)  # deserializing runs none of the diagram's code
    fired.settled(steps, escalations, ready)
    return fired


def _child(run: WorkflowRun, writer: Connection) -> None:
    """In the child: fire, settle, send back; never touch the database handles inherited from the parent."""
    gc.disable()  # collecting an inherited connection object could close the parent's socket
    _limit_memory()
    try:
        run.fire_due_timers()
        writer.send(("settled", (run.state, run.steps, run.escalations, run.ready_tasks())))
    except AppError as error:
        writer.send(("refused", (error.message, {k: v for k, v in error.details.items()
                                                 if isinstance(v, str | int | None)})))
    except BaseException as error:  # whatever happened is the job's failure, reported as such
        writer.send(("failed", f"{type(error).__name__}: {error}"[:2000]))
    finally:
        writer.close()


def _limit_memory() -> None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            inherited = int(statm.read().split()[0]) * resource.getpagesize()
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = inherited + CHILD_MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    except (OSError, ValueError):
        pass  # no /proc, or a limit the system does not let us set: the time limit still holds
