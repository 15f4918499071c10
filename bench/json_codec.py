"""JSON encoding of what the service writes most: the stdlib ``json`` against ``orjson`` (if installed).

Measured on real payloads from the benchmark's own database: the state text of a finished
``complaint_second_level`` case (what ``complete_task`` parses and writes on every step) and the
largest audit event payload of that case. Each figure is the median of a few hundred calls.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _median_us(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def samples(db_path: Path, process_id: str) -> dict[str, str]:
    """The state of the last finished case of ``process_id`` and its largest audit payload, as stored."""
    with sqlite3.connect(db_path) as conn:
        instance_id, state = conn.execute("SELECT id, state FROM instances WHERE process_id = ? AND status = "
                                          "'completed' ORDER BY id DESC LIMIT 1", (process_id,)).fetchone()
        (event,) = conn.execute("SELECT data FROM audit_events WHERE instance_id = ? ORDER BY length(data) DESC "
                                "LIMIT 1", (instance_id,)).fetchone()
    return {"finished case state": state, "largest audit event payload": event}


def measure(texts: dict[str, str], repeat: int) -> dict[str, Any]:
    try:
        import orjson  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        orjson = None
    rows = {}
    for name, text in texts.items():
        value = json.loads(text)
        row: dict[str, Any] = {"bytes": len(text.encode("utf-8")),
                               "stdlib_loads_us": _median_us(lambda t=text: json.loads(t), repeat),
                               "stdlib_dumps_us": _median_us(lambda v=value: json.dumps(v, ensure_ascii=False),
                                                             repeat)}
        if orjson is not None:
            row["orjson_loads_us"] = _median_us(lambda t=text: orjson.loads(t), repeat)
            row["orjson_dumps_us"] = _median_us(lambda v=value: orjson.dumps(v), repeat)
        rows[name] = row
    return {"orjson": getattr(orjson, "__version__", None) if orjson is not None else None, "rows": rows}


def print_results(r: dict[str, Any]) -> None:
    print("JSON — the stdlib json vs orjson on real payloads (median µs per call)")
    if r["orjson"] is None:
        print("  orjson not installed: the stdlib figures only")
    print(f"  {'payload':<30}{'bytes':>9}{'json loads':>12}{'json dumps':>12}{'orjson loads':>14}"
          f"{'orjson dumps':>14}{'loads ×':>9}{'dumps ×':>9}")
    for name, x in r["rows"].items():
        if "orjson_loads_us" in x:
            extra = (f"{x['orjson_loads_us']:>14,.0f}{x['orjson_dumps_us']:>14,.0f}"
                     f"{x['stdlib_loads_us'] / x['orjson_loads_us']:>9.1f}{x['stdlib_dumps_us'] / x['orjson_dumps_us']:>9.1f}")
        else:
            extra = f"{'—':>14}{'—':>14}{'—':>9}{'—':>9}"
        print(f"  {name:<30}{x['bytes']:>9,}{x['stdlib_loads_us']:>12,.0f}{x['stdlib_dumps_us']:>12,.0f}{extra}")
    print("  × = how many times faster orjson is; the state is parsed and written once per completed task.")
    print()
