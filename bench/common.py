"""Shared pieces of the benchmark: the fixture models, payloads, scenarios and statistics."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = Path(__file__).resolve().parent / "model"
FORMS_DIR = ROOT / "forms"

BENCH_PID = "five_user_tasks_one_lane"  # the shared bench model (spiff-arena was measured on it)
LOOP_PID = "bench_loop"  # one user task in a gateway loop: the "long case"
LOOP_STD_PID = "bench_loop_standard"  # the same entry as a task with standardLoopCharacteristics
REAL_PID = "complaint_second_level"  # our real process, resolved path

_MODEL_FILES = {
    BENCH_PID: ("five-user-tasks.bpmn", ["start.schema.json"] + [f"step{i}-schema.json" for i in range(1, 6)]),
    LOOP_PID: ("loop.bpmn", ["loop-start.schema.json", "entry.schema.json"]),
    LOOP_STD_PID: ("loop-standard.bpmn", ["loop-start.schema.json", "entry.schema.json"]),
}


def model_files(process_id: str) -> dict[str, str]:
    """The fixture's files in the shape ``deploy.deploy`` takes (repository-relative paths)."""
    diagram, forms = _MODEL_FILES[process_id]
    files = {f"processes/{process_id}/{diagram}": (MODEL_DIR / diagram).read_text(encoding="utf-8")}
    for form in forms:
        files[f"forms/{process_id}/{form}"] = (MODEL_DIR / form).read_text(encoding="utf-8")
    return files


def bench_payload(step: int) -> dict[str, Any]:
    """A valid form for task ``step`` (1..5) of the bench model: four required fields."""
    return {f"t{step}_name": f"Name {step}", f"t{step}_amount": 10 * step, f"t{step}_approved": step % 2 == 0,
            f"t{step}_color": ("red", "green", "blue")[step % 3]}


def loop_payload(i: int) -> dict[str, Any]:
    return {"entry_note": f"Entry {i}", "entry_amount": i}


@dataclass(frozen=True)
class Scenario:
    """One process as a client drives it: who starts it with what, then each user task in order."""

    process_id: str
    start_role: str
    start_data: Callable[[], dict[str, Any]]
    steps: Sequence[tuple[str, str, Callable[[], dict[str, Any]]]]  # (bpmn_id, role, payload)

    @property
    def roles(self) -> list[str]:
        return sorted({self.start_role, *(role for _, role, _ in self.steps)})


def _bench_step(step: int) -> Callable[[], dict[str, Any]]:
    return lambda: bench_payload(step)


BENCH = Scenario(BENCH_PID, "admin", dict, [(f"task{i}", "admin", _bench_step(i)) for i in range(1, 6)])


def real_scenario() -> Scenario:
    from tests import cases  # the payloads the test suite carries a case to publication with

    steps = [(bpmn_id, role, _defaulted(bpmn_id, payload)) for bpmn_id, role, payload in cases.RESOLVED_PATH]
    return Scenario(REAL_PID, "reception", _defaulted("register_petition", _another_complainant(cases.petition)), steps)


def _another_complainant(petition: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Each case from a different citizen: the service's duplicate check refuses the same petition twice while the
    first is running (as it must), and the HTTP clients run several cases at once."""
    serial = itertools.count(1)

    def make() -> dict[str, Any]:
        data = petition()
        n = next(serial)
        data["complainant"] = {**data["complainant"], "id_number": f"0640{n:08d}",
                               "address": f"Thôn {n}, xã Ia Mơ, huyện Chư Prông, tỉnh Gia Lai"}
        return data

    return make


def _defaulted(form: str, payload: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """The payload as the service hands it to the diagram: absent fields given their form's default.

    Why: the in-memory run (a) drives SpiffWorkflow without our services, and the diagram's scripts
    read every variable its forms declare; the service fills defaults before a step completes.
    """
    from app.engine.forms import with_defaults

    schema = json.loads((FORMS_DIR / REAL_PID / f"{form}.schema.json").read_text(encoding="utf-8"))
    return lambda: with_defaults(schema, payload())


CASE_DAY = datetime(2021, 2, 17, 2, 0, tzinfo=UTC)  # Case A of 2021 is received on 17/02/2021, 09:00


def on_its_day(clock: Any, data: Any, first: bool = False) -> None:
    """Move the bench's frozen clock to the day a step records, as an officer would do it then.

    Why: a step dated after today is refused (rules.md §3) and timers fire when the clock passes
    them; the bench plays Case A of 2021 on its own dates, on time (no escalation), case after case.
    """
    if clock is None:
        return
    from tests.cases import office_hours_of

    clock.set(office_hours_of(data, CASE_DAY if first else clock.now()))


def cases_for(completions: int, scenario: Scenario) -> int:
    return max(1, math.ceil(completions / len(scenario.steps)))


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolation percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(latencies_s: Sequence[float], wall_s: float | None = None) -> dict[str, Any]:
    """Completions per second (over ``wall_s``, else over the summed latencies) and p50/p95 in ms."""
    total = wall_s if wall_s is not None else sum(latencies_s)
    p50 = percentile(latencies_s, 50)
    return {
        "completions": len(latencies_s),
        "seconds": round(total, 4),
        "per_s": len(latencies_s) / total if total else math.nan,
        "p50_rate_per_s": 1 / p50 if p50 else math.nan,  # replaced for (c) by clients / median cycle
        "p50_ms": p50 * 1000,
        "p95_ms": percentile(latencies_s, 95) * 1000,
    }


def cpu_availability(seconds: float = 0.5) -> float:
    """Share of wall time a busy loop actually ran: pauses over 5 ms are time taken from us.

    On a shared virtual machine the host can pause the vCPU for hundreds of milliseconds; every
    figure of the run is only as good as this number (1.0 = a quiet machine).
    """
    import time

    start = last = time.perf_counter()
    lost = 0.0
    while last - start < seconds:
        now = time.perf_counter()
        if now - last > 0.005:
            lost += now - last
        last = now
    return 1 - lost / (last - start)
