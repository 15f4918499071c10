"""The restricted environment refuses escapes at check time and runs what procedures need."""

from __future__ import annotations

import time

import pytest

from app.engine.budget import BudgetExceeded
from app.engine.sandbox import RestrictedEnvironment, UnsafeCode, check_source

ESCAPES = [
    "__import__('os').system('true')",
    "().__class__.__base__.__subclasses__()",
    "[c for c in ().__class__.__bases__[0].__subclasses__()]",
    "open('/etc/passwd').read()",
    "eval('1+1')",
    "exec('x=1')",
    "getattr(x, 'y')",
    "'{0.__class__}'.format(x)",
    "f'{x.__class__}'",
    "x.__dict__",
    "(lambda: 1)()",
    "globals()",
    "type(x)",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_refuses_escape_attempts_at_check_time(source: str) -> None:
    with pytest.raises(UnsafeCode):
        check_source(source, "eval")


@pytest.mark.parametrize("script", ["import os", "from os import path", "def f():\n    return 1",
                                    "class A:\n    pass", "with x:\n    pass", "try:\n    x = 1\nexcept Exception:\n    pass"])
def test_refuses_imports_and_definitions_in_scripts(script: str) -> None:
    with pytest.raises(UnsafeCode):
        check_source(script, "exec")


def test_evaluates_expressions_procedures_need() -> None:
    env = RestrictedEnvironment({"add_one": lambda n: n + 1})
    data = {"dialogue": {"participants": [{"confirmation": "signed"}, {"confirmation": "refused"}]},
            "first_decision": {"issuer_level": "district_chair"}, "n": 2}
    assert env.evaluate("any(p['confirmation'] == 'refused' for p in dialogue['participants'])", data) is True
    assert env.evaluate("first_decision.get('issuer_level', '') == 'district_chair'", data) is True
    assert env.evaluate("add_one(n) * 10 if n > 1 else 0", data) == 30
    assert env.evaluate("len(dialogue['participants'])", data) == 2


def test_script_assignments_and_deletions_land_in_task_data() -> None:
    env = RestrictedEnvironment({"add_one": lambda n: n + 1})
    data = {"n": 1, "scratch": True}
    env.execute("m = add_one(n)\nflags = [k for k in ['a', 'b']]\ndel scratch", data)
    assert data == {"n": 1, "m": 2, "flags": ["a", "b"]}


def test_builtins_are_not_reachable_at_run_time() -> None:
    env = RestrictedEnvironment({})
    with pytest.raises(NameError):
        env.evaluate("hash(1)", {})


def test_task_data_may_not_shadow_a_function() -> None:
    env = RestrictedEnvironment({"add_days": lambda d, n: d})
    with pytest.raises(UnsafeCode):
        env.execute("x = 1", {"add_days": "2021-01-01"})


@pytest.mark.parametrize("source", ["sum(range(1000000*1000000))", "'a'*(100000*1000000)", "f'{1:>{1000000000}}'",
                                    "[0] * 1000000", "x = 'ab' * 60000", "'x' + '=' * 200000"])
def test_code_whose_constants_exceed_the_budget_is_refused_at_deploy(source: str) -> None:
    with pytest.raises(UnsafeCode, match="quá"):
        check_source(source, "exec" if "=" in source.split("'")[0] else "eval")


@pytest.mark.parametrize(("source", "data"), [
    ("sum(range(n))", {"n": 10**12}),
    ("s * n", {"s": "ab", "n": 10**9}),
    ("f'{x:>{w}}'", {"x": 1, "w": 10**9}),
    ("[i for i in range(n) for j in range(n)]", {"n": 1000}),
    ("x * x * x", {"x": 10**1000}),
    ("'%s' % x", {"x": 1}),
])
def test_code_that_would_run_without_bound_is_stopped_at_once(source: str, data: dict[str, object]) -> None:
    started = time.monotonic()
    with pytest.raises(BudgetExceeded):
        RestrictedEnvironment({}).evaluate(source, data)
    assert time.monotonic() - started < 2  # stopped by the budget, not by running out


def test_a_growing_script_is_stopped_before_it_allocates() -> None:
    with pytest.raises(BudgetExceeded, match=r"100\.000"):
        RestrictedEnvironment({}).execute("s = 'a'\nfor i in range(40):\n    s = s + s\n", {})
    with pytest.raises(BudgetExceeded):
        RestrictedEnvironment({}).execute("xs = [1]\nfor i in range(40):\n    xs.extend(xs)\n", {})
    with pytest.raises(BudgetExceeded):
        RestrictedEnvironment({}).execute("s = 'a' * 1000\nt = s.replace('a', 'b' * 120)", {})


def test_the_budget_lets_ordinary_procedure_code_through() -> None:
    data: dict[str, object] = {"v": {"k": 1}, "rows": [{"n": i} for i in range(500)]}
    RestrictedEnvironment({}).execute("v['k'] += 2\ntotal = 0\nfor r in rows:\n    total += r['n']\n"
                                      "label = f'{total:>10}' + ' người'\n"
                                      "names = [str(r['n']) for r in rows if r['n'] % 2]", data)
    assert data["v"] == {"k": 3} and data["total"] == sum(range(500)) and data["label"] == "    124750 người"


def test_a_script_may_not_leave_a_live_object_in_the_case() -> None:
    for script in ("g = (x for x in [1, 2])", "r = range(3)", "f = float('inf')"):
        with pytest.raises(UnsafeCode, match="không lưu được"):
            RestrictedEnvironment({}).execute(script, {})


def test_code_nested_too_deep_for_the_parser_is_refused_not_crashed() -> None:
    with pytest.raises((UnsafeCode, SyntaxError)):
        check_source("x" + "+x" * 100_000, "eval")
    with pytest.raises((UnsafeCode, SyntaxError)):
        check_source("(" * 5000 + "1" + ")" * 5000, "eval")
