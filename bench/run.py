"""The benchmark: ``python -m bench.run`` (about 5 minutes on 2 cores), ``--quick`` (under a minute), ``--json PATH``.

(a)  SpiffWorkflow alone, in memory, full serializer round trip (spec embedded) after each task: the ceiling.
(e)  our engine alone: load spec-less state, validate the form, complete, dump — no database.
(b)  our services layer on a SQLite file: ``tasks.complete_task`` (one transaction each).
(c)  our HTTP API under gunicorn as gunicorn.conf.py sizes it (gthread, keep-alive), bearer tokens, clients on
     persistent connections at concurrency 1, 4 and 8, on SQLite and on PostgreSQL 15; server CPU and
     SQL statements per completion.
Then the long case (cost per step as history grows), the inbox at 100,000 cases, bytes stored per
finished case, the workers' memory over 10,000 completions, JSON encoding (stdlib vs orjson) and,
with ``--profile``, where (b) spends its time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import http_api, inbox, json_codec, pg  # light; the engine, SQLAlchemy and SpiffWorkflow load in _measure
from bench.common import (
    BENCH,
    BENCH_PID,
    LOOP_PID,
    LOOP_STD_PID,
    REAL_PID,
    cases_for,
    cpu_availability,
    real_scenario,
)

COUNTS: dict[str, dict[str, Any]] = {
    "full": {"a": 200, "b": 200, "c": 1000, "c_real": 200, "ratio_rounds": 3,
             "long": [5, 50, 100, 250, 500], "long_gateway": [5, 50, 100, 250, 500],
             "probe": 600, "repeat": 7, "profile": 100, "warmup": 8, "rss": 10_000, "rss_every": 1_000,
             "inbox_cases": 100_000, "inbox_open": 20_000, "inbox_repeat": 30, "json_repeat": 200},
    "quick": {"a": 5, "b": 5, "c": 5, "c_real": 5, "ratio_rounds": 1, "long": [5, 10], "long_gateway": [5, 10], "probe": 0,
              "repeat": 3, "profile": 10, "warmup": 0, "rss": 100, "rss_every": 50,
              "inbox_cases": 400, "inbox_open": 80, "inbox_repeat": 3, "json_repeat": 5},
}
LEVELS = (1, 4, 8)  # HTTP clients
_ROUND_LABEL = "1 then 4 clients"

# spiff-arena on the same bench model, same kind of machine (bench/model/README.md).
REFERENCE = {"c1_per_s": 18.0, "c1_p50_ms": 36.0, "c4_per_s": 21.5}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny counts")
    parser.add_argument("--json", metavar="PATH", help="also save every figure as JSON")
    parser.add_argument("--profile", action="store_true", help="cProfile (b) and print the top functions")
    parser.add_argument("--skip-http", action="store_true", help="leave out (c) and the memory series (no gunicorn)")
    parser.add_argument("--skip-postgres", action="store_true", help="(c) on SQLite only")
    args = parser.parse_args(argv)
    counts = COUNTS["quick" if args.quick else "full"]
    results: dict[str, Any] = {"meta": _meta(counts, args.quick)}
    started = time.perf_counter()
    _print_header(results["meta"])
    with tempfile.TemporaryDirectory(prefix="khieunai-bench-") as tmp:
        servers: dict[str, http_api.Server] = {}
        postgres = None
        try:
            if not args.skip_http:
                (Path(tmp) / "http-sqlite").mkdir()
                servers["SQLite"] = http_api.Server(Path(tmp) / "http-sqlite", cheap_passwords=args.quick)
                if not args.skip_postgres and pg.available():
                    postgres = pg.PostgresServer()
                    postgres.start()
                    (Path(tmp) / "http-pg").mkdir()
                    servers["PostgreSQL"] = http_api.Server(Path(tmp) / "http-pg", cheap_passwords=args.quick,
                                                            database_url=postgres.create_database("bench"))
                elif not args.skip_postgres:
                    results["postgres_missing"] = f"PostgreSQL binaries not found in {pg.PG_BIN}"
            if args.quick:  # overlap setup and boot with (a)/(b); a full run keeps them apart
                for server in servers.values():
                    server.prepare_in_background()
            _measure(Path(tmp), counts, args, results)
            if servers:
                results["c"], results["scaling"], results["rss"] = _measure_http(servers, counts)
            _progress(f"inbox at {counts['inbox_cases']:,} cases, {counts['inbox_open']:,} open tasks")
            (Path(tmp) / "inbox").mkdir()
            results["inbox"] = inbox.measure(Path(tmp) / "inbox", counts["inbox_cases"], counts["inbox_open"],
                                             counts["inbox_repeat"])
        finally:
            for server in servers.values():
                server.stop()
            if postgres is not None:
                postgres.stop()
    results["meta"]["elapsed_s"] = round(time.perf_counter() - started, 1)
    results["meta"]["cpu_availability_end"] = cpu_availability()
    results["meta"]["load_average_end"] = os.getloadavg()
    _print_results(results)
    if args.json:
        Path(args.json).write_text(json.dumps(_clean(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"figures saved to {args.json}")
    return 0


def _measure(tmp: Path, counts: dict[str, Any], args: argparse.Namespace, results: dict[str, Any]) -> None:
    from app.engine.timers import engine_time
    from bench import long_case, spiff_alone
    from bench.services import ServiceBench

    real = real_scenario()
    services = ServiceBench(tmp / "services.sqlite3")
    try:
        _progress("(a) SpiffWorkflow alone")
        spec, subs = spiff_alone.bench_spec()
        spiff_alone.run_cases(BENCH, 5, spec, subs)  # warm-up
        results["a"] = {BENCH_PID: spiff_alone.run_cases(BENCH, counts["a"], spec, subs)}
        compiled = services.compiled(REAL_PID)
        script_engine = services.rt.engine.script_engine  # the diagram calls our deadline functions
        with engine_time(services.rt.clock.now):  # same dates as (b): the timers wait, as on time
            spiff_alone.run_cases(real, 8, compiled.spec, compiled.subprocess_specs, script_engine,
                                  services.rt.clock)
            results["a"][REAL_PID] = spiff_alone.run_cases(real, counts["a"], compiled.spec,
                                                           compiled.subprocess_specs, script_engine,
                                                           services.rt.clock)
        _progress("(e) engine alone, (b) services on SQLite")
        results["e"], results["b"], results["storage"] = {}, {}, {}
        for scenario in (BENCH, real):
            services.run_cases(scenario, len(scenario.steps))  # warm-up: compile and cache the deployment
            results["e"][scenario.process_id] = services.engine_only(scenario, counts["b"])
            results["b"][scenario.process_id] = services.run_cases(scenario, counts["b"])
            results["storage"][scenario.process_id] = services.storage(scenario.process_id)
        _progress("JSON: stdlib vs orjson")
        results["json"] = json_codec.measure(json_codec.samples(services.db_path, REAL_PID), counts["json_repeat"])
        _progress("long case (engine alone)")
        engine = services.rt.engine
        standard, _ = long_case.measure(engine, LOOP_STD_PID, counts["long"], counts["repeat"])
        gateway, results["depth_probe"] = long_case.measure(engine, LOOP_PID, counts["long_gateway"], counts["repeat"],
                                                            probe_to=counts["probe"])
        results["long_case"] = {LOOP_STD_PID: standard, LOOP_PID: gateway}
        _progress("long case (services complete_task on SQLite)")
        results["long_case_services"] = {
            pid: long_case.measure_services(services, pid, counts[key], counts["repeat"])
            for pid, key in ((LOOP_STD_PID, "long"), (LOOP_PID, "long_gateway"))}
        if args.profile:
            _progress("profile of (b)")
            results["profile"] = {s.process_id: services.profile(s, counts["profile"]) for s in (BENCH, real)}
    finally:
        services.rt.db.dispose()


def _measure_http(servers: dict[str, http_api.Server],
                  counts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(c) on each database, one server at a time (the other is stopped: no idle server in the figures),
    with the 4-vs-1 rounds; then the workers' memory over many completions on the SQLite server."""
    out: dict[str, Any] = {}
    scaling: dict[str, Any] = {}
    rss: dict[str, Any] = {}
    for db, server in servers.items():
        _progress(f"(c) {db}: flask setup, then gunicorn")
        server.ready()
        _progress(f"(c) {db}: gunicorn up on 127.0.0.1:{server.port}, workers {server.worker_pids()}")
        scaling.setdefault("servers", {})[db] = server.label
        server.deploy_bench_model()
        out[db] = {}
        for scenario in (BENCH, real_scenario()):
            if counts["warmup"]:  # every worker compiles the process once, outside the measurement
                http_api.drive(server, scenario, counts["warmup"], 8)
            out[db][scenario.process_id] = {}
            for concurrency in LEVELS:
                _progress(f"(c) {db}: {scenario.process_id} at concurrency {concurrency}")
                out[db][scenario.process_id][f"c{concurrency}"] = http_api.drive(
                    server, scenario, cases_for(counts["c" if scenario is BENCH else "c_real"], scenario), concurrency)
        scaling[db] = _measure_scaling(server, db, counts)
        if db == "SQLite":
            rss = _measure_rss(server, counts)
        server.stop()
    return out, scaling, rss


def _measure_scaling(server: http_api.Server, db: str, counts: dict[str, Any]) -> dict[str, Any]:
    """4 clients against 1 on the bench model, in alternating rounds (1, 4, 1, 4, …): the median ratio.

    One pair of runs is at the mercy of whatever else the host did in those seconds; alternating
    them, as the peer comparison was measured, puts both levels under the same conditions.
    """
    rounds = []
    for n in range(counts["ratio_rounds"]):
        _progress(f"(c) {db}: 4 clients vs 1, round {n + 1} of {counts['ratio_rounds']}")
        one = http_api.drive(server, BENCH, cases_for(counts["c"], BENCH), 1)
        four = http_api.drive(server, BENCH, cases_for(counts["c"], BENCH), 4)
        rounds.append({"c1_per_s": one["per_s"], "c4_per_s": four["per_s"], "ratio": four["per_s"] / one["per_s"],
                       "c1_cpu_ms": one["server_cpu_ms_per_completion"],
                       "c4_cpu_ms": four["server_cpu_ms_per_completion"],
                       "c1_cores": one["server_cores"] + one["client_cores"],
                       "c4_cores": four["server_cores"] + four["client_cores"]})
    c1_cores = statistics.median(r["c1_cores"] for r in rounds)
    return {"rounds": rounds, "median_ratio": statistics.median(r["ratio"] for r in rounds),
            "median_c1_cpu_ms": statistics.median(r["c1_cpu_ms"] for r in rounds),
            "median_c1_cores": c1_cores, "median_c4_cores": statistics.median(r["c4_cores"] for r in rounds),
            # 4 clients can use at most every core, each completion costing at least its 1-client CPU
            "cores_ceiling": (os.cpu_count() or 1) / c1_cores}


def _measure_rss(server: http_api.Server, counts: dict[str, Any]) -> dict[str, Any]:
    """VmRSS of each worker every ``rss_every`` completions of the bench model at concurrency 4."""
    total, every = counts["rss"], counts["rss_every"]
    _progress(f"worker memory over {total:,} completions (SQLite, concurrency 4)")
    pids = server.worker_pids()
    series: list[dict[str, Any]] = [{"completions": 0, "rss_mb": [http_api.rss_mb(p) for p in pids]}]

    def sample(n: int) -> None:
        if n % every == 0:
            series.append({"completions": n, "rss_mb": [http_api.rss_mb(p) for p in pids]})

    run = http_api.drive(server, BENCH, cases_for(total, BENCH), 4, on_completion=sample)
    after = server.worker_pids()
    return {"pids": pids, "same_workers_at_end": after == pids, "series": series,
            "completions_per_s": run["per_s"], "completions": run["completions"]}


# -- output ---------------------------------------------------------------------------------

def _meta(counts: dict[str, Any], quick: bool) -> dict[str, Any]:
    return {
        "mode": "quick" if quick else "full", "cores": os.cpu_count(), "load_average": os.getloadavg(),
        "cpu_availability_start": cpu_availability(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
        "packages": {p: version(p) for p in ("SpiffWorkflow", "SQLAlchemy", "Flask", "gunicorn", "jsonschema")},
        "counts": {"a_completions": counts["a"], "b_completions": counts["b"], "c_completions_per_concurrency": counts["c"],
                   "c_real_completions_per_concurrency": counts["c_real"], "ratio_rounds": counts["ratio_rounds"],
                   "long_case_steps": counts["long"], "long_case_gateway_steps": counts["long_gateway"],
                   "timing_repeats": counts["repeat"], "c_levels": list(LEVELS), "rss_completions": counts["rss"],
                   "inbox_cases": counts["inbox_cases"], "inbox_open_tasks": counts["inbox_open"],
                   "inbox_repeats": counts["inbox_repeat"]},
        "postgresql": _pg_version(),
    }


def _pg_version() -> str | None:
    import subprocess

    if not pg.available():
        return None
    out = subprocess.run([str(pg.PG_BIN / "postgres"), "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip().rsplit(" ", 1)[-1].rstrip(")") or None


_T0 = time.perf_counter()


def _progress(message: str) -> None:
    print(f"  … [{time.perf_counter() - _T0:6.1f} s] {message}", file=sys.stderr, flush=True)


def _print_header(meta: dict[str, Any]) -> None:
    pk = meta["packages"]
    c = meta["counts"]
    print(f"Benchmark ({meta['mode']} run) — Flask + SpiffWorkflow service, one run on this machine")
    print(f"machine: {meta['cores']} cores, load average {', '.join(f'{x:.2f}' for x in meta['load_average'])}; "
          f"Python {meta['python']}, SQLite {meta['sqlite']}, SpiffWorkflow {pk['SpiffWorkflow']}, "
          f"SQLAlchemy {pk['SQLAlchemy']}, Flask {pk['Flask']}, gunicorn {pk['gunicorn']}, "
          f"PostgreSQL {meta['postgresql'] or '(not installed)'}")
    print(f"counts: (a) {c['a_completions']} completions per process, (e)/(b) {c['b_completions']}, "
          f"(c) {c['c_completions_per_concurrency']} per row ({c['c_real_completions_per_concurrency']} for our "
          f"process) at {'/'.join(map(str, c['c_levels']))} clients, {c['ratio_rounds']} alternating 1/4-client "
          f"rounds "
          f"(rounded up to whole cases), long case at {c['long_case_steps']} steps (standard loop) and "
          f"{c['long_case_gateway_steps']} (gateway loop), best of {c['timing_repeats']}; inbox at "
          f"{c['inbox_cases']:,} cases / {c['inbox_open_tasks']:,} open tasks, {c['inbox_repeats']} repeats; "
          f"worker memory over {c['rss_completions']:,} completions", flush=True)


def _f(value: float, digits: int = 1) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.{digits}f}"


def _row(label: str, fig: dict[str, Any] | None, a: dict[str, Any], cpu: str = "", sql: str = "",
         note: str = "") -> str:
    if fig is None:
        return f"  {label:<44}{'(not run)':>10}"
    return (f"  {label:<44}{_f(fig['per_s']):>9}{_f(fig['p50_rate_per_s']):>9}{_f(fig['p50_ms'], 2):>9}"
            f"{_f(fig['p95_ms'], 1):>9}{cpu:>8}{sql:>7}{fig['per_s'] / a['per_s']:>8.3f}"
            f"{fig['p50_rate_per_s'] / a['p50_rate_per_s']:>8.3f}{fig['completions']:>6}  {note}")


def _print_results(r: dict[str, Any]) -> None:
    print()
    for pid, title in ((BENCH_PID, "bench model: start, 5 user tasks (4-field forms), end"),
                       (REAL_PID, "our process: second-level complaint, resolved path (8 user tasks)")):
        _print_throughput(r, pid, title)
    print("""  p50/p95 ms: one completion — (a)/(e)/(b) in process, (c) the POST /complete as the client sees it.
  run compl/s: what this run got — (a)/(e)/(b) completions / summed completion time; (c) completions / wall
  time, where the clients also start every case (the next task id comes back in each response) and GET the
  finished case once.
  at p50 compl/s: robust to the host's pauses — 1000 / p50 for (a)/(e)/(b); for (c) Little's law, clients /
  median cycle (pick the task, complete it). Both ratios to (a) use the same basis as their column.
  CPU ms: server CPU per completed task — utime+stime of gunicorn's workers (/proc) over the run / completions,
  every request of the run included (start, completions, the final GET). SQL: statements per completion —
  (b) counted in process, (c) the delta of app_sql_statements_total from GET /metrics (n/a: no /metrics).
  (c) clients: one thread each, one persistent HTTP connection each; reconnects: new connections after a client's first.
""")
    if "postgres_missing" in r:
        print(f"  (c) on PostgreSQL not run: {r['postgres_missing']}\n")
    _print_long_case(r["long_case"], r.get("depth_probe"), r.get("long_case_services", {}))
    inbox.print_results(r["inbox"])
    _print_storage(r["storage"])
    if r.get("rss"):
        _print_rss(r["rss"])
    if "json" in r:
        json_codec.print_results(r["json"])
    if "profile" in r:
        _print_profile(r["profile"])
    m = r["meta"]
    load_end = m.get("load_average_end")
    print(f"total benchmark time {m['elapsed_s']} s; load average at start {_loads(m['load_average'])}, at end "
          f"{_loads(load_end) if load_end else '—'}; CPU availability (busy loop, share of wall time not lost to "
          f"pauses > 5 ms) {100 * m['cpu_availability_start']:.0f} % at start, {100 * m['cpu_availability_end']:.0f} % at end")
    if min(m["cpu_availability_start"], m["cpu_availability_end"]) < 0.9:
        print("WARNING: the host paused this VM's CPUs for a large share of the run: throughput figures and p95 are "
              "pessimistic; p50 is the most trustworthy figure.")


def _loads(values: Any) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def _print_scaling(scaling: dict[str, Any]) -> None:
    for db, label in scaling.get("servers", {}).items():
        figures = scaling.get(db)
        if figures:
            each = ", ".join(f"{x['c1_per_s']:.0f} → {x['c4_per_s']:.0f}/s {x['ratio']:.2f}×" for x in figures["rounds"])
            print(f"  4 clients vs 1, alternating rounds of {_ROUND_LABEL}: {db} median {figures['median_ratio']:.2f}× "
                  f"({each})")
            cpu = ", ".join(f"{x['c1_cpu_ms']:.2f}" for x in figures["rounds"])
            print(f"  server CPU per completion at 1 client in those rounds: {db} median {figures['median_c1_cpu_ms']:.2f} ms "
                  f"({cpu})")
            print(f"  cores busy (server workers + client), median: {db} {figures['median_c1_cores']:.2f} at 1 client, "
                  f"{figures['median_c4_cores']:.2f} at 4, of {os.cpu_count()}: the ratio cannot pass "
                  f"{os.cpu_count()} ÷ {figures['median_c1_cores']:.2f} = {figures['cores_ceiling']:.2f}× here")
        print(f"  (c) {db} server: {label}")


def _print_throughput(r: dict[str, Any], pid: str, title: str) -> None:
    a = r["a"][pid]
    print(f"{pid} — {title}")
    print(f"  {'':<44}{'run':>9}{'at p50':>9}{'':>18}{'server':>8}{'SQL /':>7}{'run':>8}{'at p50':>8}")
    print(f"  {'measure':<44}{'compl/s':>9}{'compl/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'CPU ms':>8}{'compl':>7}"
          f"{'vs (a)':>8}{'vs (a)':>8}{'n':>6}")
    print(_row("(a)  SpiffWorkflow alone + full ser. rt", a, a, note=(
        f"[(de)serialization {100 * a['serialization_share']:.0f} % of (a) at p50; in memory alone "
        f"{_f(a['in_memory_p50_rate_per_s'])}/s]")))
    print(_row("(e)  our engine alone, no DB", r["e"][pid], a))
    b = r["b"][pid]
    print(_row("(b)  services complete_task, SQLite file", b, a, sql=_f(b["statements_per_task"], 1),
               note=f"[start_case p50 {_f(b['start_p50_ms'], 2)} ms, SQL max {b['statements_max']}/task]"))
    ratios = []
    for db, per_db in r.get("c", {}).items():
        rows = per_db.get(pid, {})
        for level in LEVELS:
            c = rows.get(f"c{level}")
            if c is None:
                continue
            sql = "n/a" if c["sql_per_completion"] is None else _f(c["sql_per_completion"], 1)
            note = (f"[GET case p50 {_f(c['get_p50_ms'], 1)} ms, start p50 {_f(c['start_p50_ms'], 1)} ms, "
                    f"reconnects {c['reconnects']}]")
            print(_row(f"(c{level}) HTTP {db}, {level} client{'s' if level > 1 else ''}", c, a,
                       cpu=_f(c["server_cpu_ms_per_completion"], 1), sql=sql, note=note))
        if "c1" in rows and "c4" in rows:
            ratios.append(f"{db} {rows['c4']['per_s'] / rows['c1']['per_s']:.2f}× (at p50 "
                          f"{rows['c4']['p50_rate_per_s'] / rows['c1']['p50_rate_per_s']:.2f}×)")
    if ratios:
        print(f"  4 clients vs 1 (run compl/s, the rows above): {'; '.join(ratios)}")
    if pid == BENCH_PID:
        _print_scaling(r.get("scaling", {}))
    if pid == BENCH_PID:
        print(f"  reference, spiff-arena on this model: c1 {REFERENCE['c1_per_s']}/s (p50 {REFERENCE['c1_p50_ms']:.0f} ms), "
              f"c4 {REFERENCE['c4_per_s']}/s")
    print()


def _print_rss(rss: dict[str, Any]) -> None:
    series = rss["series"]
    print(f"worker memory — VmRSS of each gunicorn worker (SQLite, gthread) over {rss['completions']:,} completions "
          f"of the bench model at concurrency 4 ({_f(rss['completions_per_s'])} compl/s), after the HTTP rows")
    print(f"  {'completions':>12}  " + "".join(f"{'worker ' + str(i + 1) + ' MB':>14}" for i in range(len(rss['pids'])))
          + f"{'sum MB':>10}")
    for point in series:
        print(f"  {point['completions']:>12,}  " + "".join(f"{x:>14.1f}" for x in point["rss_mb"])
              + f"{sum(point['rss_mb']):>10.1f}")
    first, last = series[0], series[-1]
    growth = [b - a for a, b in zip(first["rss_mb"], last["rss_mb"], strict=True)]
    print(f"  growth first → last: {', '.join(f'{g:+.1f} MB' for g in growth)} "
          f"(sum {sum(last['rss_mb']) - sum(first['rss_mb']):+.1f} MB over {last['completions']:,} completions)"
          + ("" if rss["same_workers_at_end"] else "; WARNING: a worker was replaced during the run"))
    print()


def _print_storage(storage: dict[str, Any]) -> None:
    print("bytes stored per finished case (from the DB: instance state + audit data/prev_hash/hash + task rows)")
    print(f"  {'process':<28}{'state':>9}{'audit':>9}{'events':>8}{'tasks':>7}{'total':>9}"
          f"{'full Spiff ser.':>17}{'ours/full':>11}{'spec once':>11}")
    for pid, s in storage.items():
        print(f"  {pid:<28}{s['state']:>9,.0f}{s['audit']:>9,.0f}{s['audit_events']:>8.0f}{s['tasks']:>7,.0f}"
              f"{s['total']:>9,.0f}{s['full_spiff_serialization']:>17,}{s['total_vs_full']:>11.2f}"
              f"{s['spec_json_once_per_deployment']:>11,}")
    print("  full Spiff ser. = SpiffWorkflow's serialize_json of the same finished workflow, spec embedded;")
    print("  spec once = the spec as JSON, which our rows leave out (the deployment keeps the diagram once).")
    print()


def _print_long_case(long: dict[str, list[dict[str, Any]]], probe: dict[str, Any] | None,
                     services: dict[str, list[dict[str, Any]]]) -> None:
    print("long case — one entry task repeated: cost of one step vs completed steps (history); the state is saved")
    print("and loaded after every entry, compacted (app/engine/compaction.py) — and, on the right, with its full history")
    print(f"  {'model':<22}{'steps':>6}{'tasks':>7}{'state B':>10}{'dump ms':>9}{'load ms':>9}"
          f"{'step ms':>9}{'complete':>10}{'│ full: tasks':>14}{'state B':>10}{'step ms':>9}{'Spiff B':>11}{'Spiff rt':>10}")
    for pid, rows in long.items():
        for x in rows:
            f = x.get("full")
            full = (f"{f['tasks_in_tree']:>14}{f['state_bytes']:>10,}{f['step_ms']:>9.2f}{f['full_spiff_bytes']:>11,}"
                    f"{f['full_spiff_round_trip_ms']:>10.2f}" if f else f"{'  (depth limit: refused)':>54}")
            print(f"  {pid:<22}{x['steps']:>6}{x['tasks_in_tree']:>7}{x['state_bytes']:>10,}{x['dump_ms']:>9.2f}"
                  f"{x['load_ms']:>9.2f}{x['step_ms']:>9.2f}{x['complete_in_memory_ms']:>10.3f}{full}")
        first, last = rows[0], rows[-1]
        ratio = f"{last['step_ms'] / first['step_ms']:.1f}×"
        full_last = next((x for x in reversed(rows) if x.get("full")), None)
        before = (f"; full history {full_last['full']['step_ms'] / first['full']['step_ms']:.1f}× at {full_last['steps']} steps"
                  if full_last and first.get("full") else "")
        print(f"  {'':<22}→ engine alone, step at {last['steps']} / step at {first['steps']} steps: {ratio} "
              f"(state {last['state_bytes'] / first['state_bytes']:.1f}×){before}")
        srows = services.get(pid)
        if srows:
            cells = ", ".join(f"{s['steps']}: {s['complete_task_ms']:.2f} ms ({s['state_bytes']:,} B)" for s in srows)
            print(f"  {'':<22}→ services complete_task on SQLite (state row): {cells}")
            print(f"  {'':<22}→ services, step at {srows[-1]['steps']} / step at {srows[0]['steps']} steps: "
                  f"{srows[-1]['complete_task_ms'] / srows[0]['complete_task_ms']:.1f}×")
    print("  step ms = load + validate + complete one entry + dump (what complete_task does to the state each time);")
    print("  complete = the in-memory completion alone; Spiff = SpiffWorkflow's own serializer with the spec embedded")
    print("  (bytes, round trip ms) on the full history; services = tasks.complete_task, one transaction, best of the repeats.")
    if probe:
        for which in ("compacted", "full_history"):
            p = probe[which]
            if p.get("silently_ended"):
                verdict = (f"SILENTLY ENDED after {p['passes_done']} passes (reported completed={p['reported_completed']}, "
                           "loop condition still true): SpiffWorkflow's TaskIterator stops at tree depth 1000")
            elif p.get("refused"):
                verdict = (f"refused by the engine after {p['passes_done']} passes ({p['refused']}): "
                           "SpiffWorkflow's task tree stops at depth 1000")
            else:
                verdict = f"ran all {p['passes_done']} passes"
            print(f"  depth probe, {probe['process_id']} asked for {probe['passes_asked']} passes, "
                  f"{which.replace('_', ' ')}: {verdict}")
    print()


def _print_profile(profiles: dict[str, Any]) -> None:
    for pid, p in profiles.items():
        print(f"profile of (b) complete_task, {pid}: {p['calls_profiled']} calls, each profiled alone; "
              f"median {p['median_ms']:.2f} ms per call with cProfile on")
        print(f"  {'median cum ms':>14}{'share':>7}{'own ms':>8}{'calls':>7}  function (app/ and SpiffWorkflow only)")
        for f in p["top_cumulative"]:
            print(f"  {f['median_cum_ms']:>14.3f}{100 * f['median_cum_ms'] / p['median_ms']:>6.0f}%"
                  f"{f['median_own_ms']:>8.3f}{f['calls_per_completion']:>7.0f}  {f['function']}")
        shares = ", ".join(f"{k} {v:.2f}" for k, v in list(p["median_self_ms_by_package"].items())[:9])
        print(f"  median self time per call by package (ms): {shares}")
        print()


def _clean(value: Any) -> Any:
    """JSON has no NaN: missing figures become null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _terminated(_signum: int, _frame: Any) -> None:
    raise SystemExit(143)  # run the finally blocks: stop gunicorn, remove the temporary files


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminated)
    raise SystemExit(main())
