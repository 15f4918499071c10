"""The restricted environment refuses escapes at check time and runs what procedures need."""

from __future__ import annotations

import time

import pytest

from app.engine import sandbox
from app.engine.bounded import calendar_guarded
from app.engine.budget import BudgetExceeded
from app.engine.calendar import LegalCalendar
from app.engine.deadlines import script_functions
from app.engine.sandbox import RestrictedEnvironment, UnsafeCode, check_source, normal_text

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
    started = time.thread_time()
    with pytest.raises(BudgetExceeded):
        RestrictedEnvironment({}).evaluate(source, data)
    assert time.thread_time() - started < 2  # stopped by the budget, not by running out


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


# C-level work the wall clock cannot interrupt (checked only between Python operations): each of these hung a
# worker for 30 s, grew without bound or crashed the interpreter before it was bounded before it starts.
C_LEVEL_ATTACKS = {
    "round to a hundred million digits": "k = 100000000\nx = round(1, -k)",
    "sum of lists": "z = [0] * 10000\nx = sum([z] * 3000, [])",
    "a list extended by a zip of itself": "l = [1]\nfor i in range(40):\n    l.extend(zip(l))",
    "f-strings doubled": "s = 'a' * 100000\n" + "s = f'{s}{s}'\n" * 9,
    "an f-string of 3,000 parts": "s = 'a' * 99999\nx = f'" + "{s}" * 3000 + "'",
    "starred lists doubled": "a = [0] * 100000\n" + "a = [*a, *a]\n" * 8,
    "starred arguments": "l = list(range(100000))\nx = max(" + "*l, " * 2000 + ")",
    "dicts merged 2,000 times": "d = {i: i for i in range(100000)}\nx = {" + "**d, " * 2000 + "}",
    "str of a shared list": "s = 'a' * 100000\nx = str([s] * 100000)",
    "sorted by str": "l = [['a' * 1000] * 100] * 1000\nx = sorted(l, key=str)",
    "zip of 1,000 lists": "l = list(range(1000))\nx = list(zip(*[l] * 1000))",
    "set of a shared tuple": "t = tuple(range(100000))\nx = set([t] * 100000)",
    "hash of tuples nested 100,000 deep (a segfault)": "t = ()\nfor i in range(100000):\n    t = (t,)\nd = {t: 1}",
    "tuples nested as a dict key": "t = ()\nfor i in range(100000):\n    t = (t,)\nd = {}\nd[t] = 1",
    "comparison of shared lists": "a = [[0] * 1000] * 1000\nb = [[0] * 1000] * 1000\nx = [a] * 100 == [b] * 100",
    "in over a shared list": "s = 'a' * 99999 + 'b'\nl = [s] * 100000\nx = ('a' * 100000) in l",
    "count over a shared list": "a = [[0] * 1000] * 1000\nl = [a] * 1000\nx = l.count([[0] * 1000] * 1000)",
    "startswith a shared tuple": "s = 'a' * 100000\nx = s.startswith(tuple([s[:-1] + 'b'] * 100000))",
    "slices piling up": "s = 'a' * 100000\nl = [s[1:] for i in range(100000)]",
    "strings piling up": "l = list(range(15000))\n" + "x = str(l)\n" * 1800,
    "comparisons in a straight line": "l = list(range(100000))\nm = list(range(100000))\n" + "x = l == m\n" * 1800,
    "upper of 100,000 ß": "x = ('ß' * 100000).upper()",
    "an integer of 4,000 digits squared": "x = int('9' * 4000)\ny = x * x",
    "str of a list holding itself": "l = [1]\nl.append(l)\nx = str(l)",
    "str of lists nested 100,000 deep": "a = []\nfor i in range(100000):\n    a = [a]\nx = str(a)",
    "a host function given a shared list": "x = normal_text(['a' * 100000] * 100000)",
}


@pytest.mark.parametrize("attack", list(C_LEVEL_ATTACKS))
def test_c_level_work_is_bounded_before_it_starts(attack: str) -> None:
    try:
        sandbox._compiled(C_LEVEL_ATTACKS[attack], "exec")  # what deploy does, once per source
    except UnsafeCode:
        return  # its constants already show it: refused at deploy
    started = time.thread_time()
    with pytest.raises((BudgetExceeded, UnsafeCode)):
        RestrictedEnvironment({"normal_text": normal_text}).execute(C_LEVEL_ATTACKS[attack], {})
    assert time.thread_time() - started < 1.2  # refused before the work, or stopped by the evaluation's second


@pytest.mark.parametrize("script", ["s = 'abc'\nr = s.replace\nx = r('', s)", "d = {}\ng = d.get",
                                    "x = 'a'.upper", "l = [1]\nl[:0] = l"])
def test_a_method_is_only_called_where_it_is_named(script: str) -> None:
    with pytest.raises(UnsafeCode):
        check_source(script, "exec")


def test_a_method_on_the_wrong_kind_of_data_is_an_error_not_an_escape() -> None:
    with pytest.raises(AttributeError, match="không dùng được"):
        RestrictedEnvironment({}).execute("r = range(3)\nx = r.count(1)", {})


@pytest.mark.parametrize(("call", "named"), [
    ("add_working_days('2021-01-01', 2000000)", "vượt quá"),
    ("add_days('0001-01-01', 10)", "1990"),
    ("filing_deadline_for('2021-01-01', False, [{'from': '1990-01-01', 'to': '2100-12-31'}] * 101)", "100"),
])
def test_the_calendar_helpers_refuse_what_would_walk_too_many_days(call: str, named: str) -> None:
    functions = {name: calendar_guarded(f) for name, f in script_functions(LegalCalendar()).items()}
    started = time.thread_time()
    with pytest.raises(BudgetExceeded, match=named):
        RestrictedEnvironment(functions).evaluate(call, {})
    assert time.thread_time() - started < 0.5


def test_bounded_builtins_and_operators_keep_their_meaning() -> None:
    data: dict[str, object] = {"rows": [{"n": 3, "k": "c"}, {"n": 1, "k": "a"}, {"n": 2, "k": "b"}]}
    RestrictedEnvironment({}).execute(
        "ns = [r['n'] for r in rows]\n"
        "order = [r['k'] for r in sorted(rows, key=len, reverse=True)]\n"
        "first = min(ns)\nlast = max(ns, default=0)\nnone = max([], default=-1)\nbig = max(4, 9, 2)\n"
        "total = sum(ns, 10)\npairs = dict(zip(['a', 'b'], ns))\nmerged = {**pairs, 'c': 0}\n"
        "both = [*ns, *ns[:1]]\nseen = 2 in set(ns)\nhas = 'a' in pairs\nlabel = f'{total:>5}|{first!r}|{ns}'\n"
        "indexed = [(i, n) for i, n in enumerate(ns, 1)]\nr = round(2.675, 2)\nwords = ' A b '.strip().lower().split()\n"
        "keys = sorted(pairs.keys())\nl = [1]\nl.extend(zip(l))\nt = {(1, 2): 'x'}[(1, 2)]", data)
    assert data["order"] == ["c", "a", "b"] and (data["first"], data["last"], data["none"], data["big"]) == (1, 3, -1, 9)
    assert data["total"] == 16 and data["pairs"] == {"a": 3, "b": 1} and data["merged"] == {"a": 3, "b": 1, "c": 0}
    assert data["both"] == [3, 1, 2, 3] and data["seen"] is True and data["has"] is True
    assert (data["label"] == "   16|1|[3, 1, 2]" and data["indexed"] == [[1, 3], [2, 1], [3, 2]]) or \
        data["indexed"] == [(1, 3), (2, 1), (3, 2)]
    assert data["r"] == 2.67 and data["words"] == ["a", "b"] and data["keys"] == ["a", "b"]
    assert data["l"] == [1, (1,)] and data["t"] == "x"  # a self-growing extend reads its argument first, bounded
