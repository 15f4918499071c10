"""The restricted environment refuses escapes at check time and runs what procedures need."""

from __future__ import annotations

import pytest

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
