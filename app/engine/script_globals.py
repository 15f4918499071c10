"""The functions diagram code may call besides the sandbox's builtins: one table for the engine and the lint.

The engine hands them to its script environment; the lint reads their names from the same table, so a
helper added here is known to both and a diagram calling a helper that is not here is refused at deploy.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from app.engine.bounded import calendar_guarded
from app.engine.calendar import LegalCalendar
from app.engine.deadlines import script_functions
from app.engine.sandbox import normal_text, require


def script_globals(calendar: LegalCalendar, today: Callable[[], str]) -> dict[str, Callable[..., Any]]:
    """The host's functions as scripts see them: calendar helpers guarded, ``today``, ``require``, ``normal_text``."""
    functions: dict[str, Callable[..., Any]] = {name: calendar_guarded(function)
                                                for name, function in script_functions(calendar).items()}
    functions["today"] = today
    functions["require"] = require
    functions["normal_text"] = normal_text
    return functions


@lru_cache(maxsize=1)
def script_global_names() -> frozenset[str]:
    """The names of ``script_globals``: they do not depend on the calendar, so any calendar lists them."""
    return frozenset(script_globals(LegalCalendar(notes=()), lambda: ""))
