"""Bounded versions of the builtins diagram code may call, and a guard for the host's own functions.

Each builtin that can do unbounded work in C is replaced, for one evaluation, by a version that reads
its input with a bound first (``Budget.take``: a lazy or self-growing iterable is read only that far),
weighs what it will compare, hash or print (``Budget.weigh``), and checks what it builds:

========== ===============================================================================================
``str``    weighs a container before printing it; the text may not pass ``MAX_ITEMS``
``round``  ``ndigits`` within ±``MAX_ROUND_DIGITS`` (``round(1, -n)`` computes ``10**n``)
``int``    the result within ``MAX_INT_BITS`` (Python itself refuses more than 4,300 digits)
``sum``    numbers only (a sum of lists copies the total each time: quadratic)
``min``,   input read with a bound; the values (or their keys) weighed before they are compared
``max``,
``sorted``
``list``,  input read with a bound; a set or dict's keys weighed before they are hashed
``tuple``,
``set``,
``dict``
``zip``,   lazy, but yield at most ``MAX_ITEMS`` values in all (``zip(*[l] * 100000)`` would not)
``enumerate``
``range``  at most ``MAX_ITEMS`` numbers
========== ===============================================================================================

``len``, ``bool``, ``float``, ``abs``, ``any`` and ``all`` are the real ones: their work is bounded by
their input, which is itself bounded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from app.engine.budget import (
    MAX_ITEMS,
    MAX_ROUND_DIGITS,
    MAX_WEIGHT,
    TIMER_YEARS,
    Budget,
    BudgetExceeded,
    _open,
    _walk,
    checked,
    too_long,
    weigh,
)

_NUMBERS = frozenset({int, float, bool})


class _Bounded:
    """The bounded builtins of one evaluation, drawing on its budget."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

    def str_(self, value: Any = "") -> str:
        text = self.budget.render(value)
        self.budget.charge(len(text))
        return text

    def int_(self, value: Any = 0, base: Any = None) -> int:
        found: int = checked(int(value) if base is None else int(value, base))
        return found

    def round_(self, number: Any, ndigits: Any = None) -> Any:
        if ndigits is None:
            return checked(round(number))
        if not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS:
            raise BudgetExceeded(f"round() chỉ nhận số chữ số từ -{MAX_ROUND_DIGITS} đến {MAX_ROUND_DIGITS}")
        return checked(round(number, ndigits))

    def sum_(self, items: Iterable[Any], start: Any = 0) -> Any:
        values = self.budget.take(items)
        if not {type(start), *map(type, values)} <= _NUMBERS:
            raise BudgetExceeded("sum() chỉ cộng các số; hãy nối danh sách hoặc chuỗi bằng vòng lặp")
        return checked(sum(values, start))

    def min_(self, *args: Any, key: Callable[[Any], Any] | None = None, **default: Any) -> Any:
        return self._extreme(min, args, key, default)

    def max_(self, *args: Any, key: Callable[[Any], Any] | None = None, **default: Any) -> Any:
        return self._extreme(max, args, key, default)

    def _extreme(self, pick: Callable[..., Any], args: tuple[Any, ...], key: Callable[[Any], Any] | None,
                 default: dict[str, Any]) -> Any:
        if not args or set(default) - {"default"}:
            raise TypeError("min()/max() cần một danh sách hoặc nhiều giá trị (và có thể «default»)")
        items = self.budget.take(args[0]) if len(args) == 1 else list(args)
        if not items and default:
            return default["default"]
        keys = self._keys(items, key)
        return items[pick(range(len(items)), key=keys.__getitem__)]

    def sorted_(self, items: Iterable[Any], key: Callable[[Any], Any] | None = None, reverse: bool = False) -> list[Any]:
        values = self.budget.take(items)
        keys = self._keys(values, key)
        return [values[i] for i in sorted(range(len(values)), key=keys.__getitem__, reverse=reverse)]

    def _keys(self, items: list[Any], key: Callable[[Any], Any] | None) -> list[Any]:
        keys = items if key is None else [key(item) for item in self.budget.each(items)]
        self.budget.weigh(keys)  # what the comparisons may walk
        return keys

    def list_(self, items: Iterable[Any] = ()) -> list[Any]:
        return self.budget.take(items)

    def tuple_(self, items: Iterable[Any] = ()) -> tuple[Any, ...]:
        return tuple(self.budget.take(items))

    def set_(self, items: Iterable[Any] = ()) -> set[Any]:
        values = self.budget.take(items)
        if tuple in set(map(type, values)):
            self.budget.weigh(values)  # a tuple's hash walks it
        return set(values)

    def dict_(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        if len(args) > 1:
            raise TypeError("dict() nhận nhiều nhất một đối số")
        source = args[0] if args else ()
        pairs = source if isinstance(source, dict) else self.budget.take(source)
        if len(pairs) + len(kwargs) > MAX_ITEMS:
            raise too_long()
        if not isinstance(source, dict):
            self.budget.weigh(pairs)  # their keys are hashed
        self.budget.charge(len(pairs) + len(kwargs))
        return dict(pairs, **kwargs)

    def zip_(self, *iterables: Any) -> Iterator[tuple[Any, ...]]:
        return _at_most(zip(*iterables, strict=False), len(iterables))

    def enumerate_(self, items: Iterable[Any], start: int = 0) -> Iterator[tuple[int, Any]]:
        return enumerate(_at_most(items, 1), checked(start))


def _at_most(items: Iterable[Any], width: int) -> Iterator[Any]:
    """``items``, lazily, refused after ``MAX_ITEMS`` values in all (``width`` values per item)."""
    limit = MAX_ITEMS // max(width, 1)
    for count, item in enumerate(items):
        if count >= limit:
            raise too_long()
        yield item


def builtins(budget: Budget) -> dict[str, Any]:
    """The builtins of one evaluation: the harmless real ones and the bounded versions of the rest."""
    bounded = _Bounded(budget)
    return {
        "len": len, "bool": bool, "float": float, "abs": abs, "any": any, "all": all,
        "str": bounded.str_, "int": bounded.int_, "round": bounded.round_, "sum": bounded.sum_,
        "min": bounded.min_, "max": bounded.max_, "sorted": bounded.sorted_,
        "list": bounded.list_, "tuple": bounded.tuple_, "set": bounded.set_, "dict": bounded.dict_,
        "zip": bounded.zip_, "enumerate": bounded.enumerate_, "range": budget.range,
        "True": True, "False": False, "None": None,
    }


BUILTIN_NAMES = frozenset(builtins(Budget()))


# -- the host's functions -------------------------------------------------------------------------------

def guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """A host function (a deadline helper, ``require``…) whose arguments are weighed before it runs."""
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            weigh(value)
        return function(*args, **kwargs)
    return call


MAX_DAY_COUNT = 40_200  # a number of days a calendar helper takes: 110 years, the span of the dates it accepts
MAX_PERIODS = 100  # periods (or other items) in a list a calendar helper takes
_DATE = re.compile(r"\s*(\d{4})-\d{2}-\d{2}")


def _open_calendar(item: Any) -> tuple[int, Iterator[Any] | None]:
    """Arguments of the calendar helpers: they walk day by day, so days and counts are bounded first."""
    if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_DAY_COUNT:
        raise BudgetExceeded(f"số ngày {item} vượt quá {MAX_DAY_COUNT}")
    if isinstance(item, str) and (found := _DATE.match(item)) and not TIMER_YEARS[0] <= int(found[1]) <= TIMER_YEARS[1]:
        raise BudgetExceeded(f"ngày «{item[:10]}» nằm ngoài các năm {TIMER_YEARS[0]}–{TIMER_YEARS[1]}")
    if isinstance(item, list | tuple) and len(item) > MAX_PERIODS:
        raise BudgetExceeded(f"danh sách truyền cho hàm lịch dài quá {MAX_PERIODS} phần tử")
    return _open(item)


def calendar_guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """A calendar helper whose day counts, dates (1990–2100) and lists are bounded before it walks the days."""
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            _walk(value, MAX_WEIGHT, _open_calendar)
        return function(*args, **kwargs)
    return call
