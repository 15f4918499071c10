"""A budget for diagram code: bounded steps, sizes, work and time, so an analyst's script cannot hang the service.

The sandbox (``app.engine.sandbox``) decides *what* code may do; this module bounds *how much*. Python
finishes any one C-level operation (``str`` of a list, ``round(1, -10**8)``, ``sum`` of lists) whatever a
clock says, so every operation that can do more than a little work is bounded *before* it starts, and
the clock is read between operations. The vetted tree is rewritten (``app.engine.rewrite``) so that:

- every loop and comprehension draws one step per item (``Budget.each``);
- ``*``, ``+``, ``%``, f-strings, starred displays (``[*a, *a]``, ``{**d}``), slices and the data methods
  refuse a string, list or number past the limits *before* building it, and charge what they build to
  the evaluation's allowance of work (``MAX_WORK``), which bounds its memory;
- comparisons, hashing (dict keys, sets, ``in``) and conversions to text first *weigh* their operands:
  the size of the data as it would be written out, shared parts counted each time, so that
  ``str(["a" * 100000] * 100000)`` is refused instead of building 10 GB;
- every method call goes through ``Budget.call`` (the sandbox allows attributes only as calls), and the
  builtins are bounded versions (``app.engine.bounded``).

The clock — the thread's own CPU time (``cpu_clock``), so a loaded machine or another request holding
the interpreter does not make a lawful script look slow — is checked at every step and every bounded
operation, against the evaluation's own
second and the run's deadline (``run_clock``: every evaluation of one request's step or one timer
together). Exceeding any limit raises ``BudgetExceeded``, which the engine reports as a 422 naming the
step. Deploy runs the same checks on what constants alone already exceed (``app.engine.rewrite``).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from itertools import chain, islice
from typing import Any

# -- the limits -------------------------------------------------------------------------------------
# Diagram code, per evaluation (one script, condition, expression or DMN cell):
MAX_STEPS = 200_000  # loop items
MAX_ITEMS = 100_000  # elements of a list or range, characters of a string a script may build
MAX_INT_BITS = 4_096  # size of an integer a script may build (10**1233)
MAX_SECONDS = 1.0  # CPU seconds of the thread
MAX_WIDTH = 1_000  # a format spec's width or precision
MAX_WORK = 10_000_000  # characters and items built in all: at most ~80 MB of memory, even if all kept
MAX_WEIGHT = 1_000_000  # what one comparison, hash, sort or conversion may examine (shared parts each time)
MAX_DEPTH = 32  # nesting of data (a hash of nested tuples recurses in C without a guard)
MAX_ROUND_DIGITS = 100  # round()'s ndigits, either way (round(1, -n) computes 10**n)
# What one run of the engine (a request's step, a timer) may do with it:
MAX_RUN_SECONDS = 5.0  # CPU seconds of every evaluation of the run together
MAX_RUN_STEPS = 2_000  # tasks the engine completes; one task at most MAX_INSTANCES + 1 times (a spinning loop)
MAX_INSTANCES = 500  # instances of one multi-instance activity, and a standard loop's loopMaximum
# What a case may keep. The largest case the forms allow (a plan of 200 units and 50 documents) holds
# 43 KB of data and 10 MB of state (SpiffWorkflow copies the data into each of its ~220 tasks); a
# resolved complaint 57 KB of state. A 16 MB state serializes and saves in well under a second, where
# the 204 MB one of the attack took 9.5 s holding the write lock; no request can bring more than 2 MB.
MAX_CASE_DATA = 2_000_000  # characters of one task's data, as JSON
MAX_STATE_BYTES = 16 * 1024 * 1024  # the serialized state of a case
# Timers (the range the forms accept for dates):
TIMER_YEARS = (1990, 2100)
MIN_CYCLE_SECONDS = 3_600  # between two fires of a cycle timer
MAX_CYCLES = 1_000  # fires of one cycle timer ("R/…" without a count is refused)


cpu_clock = time.thread_time  # what a budget counts: work done by this thread, not time waited (a wall clock
# on a loaded 2-core machine refused a lawful step; the timer worker's child process adds a hard wall limit)


class BudgetExceeded(ValueError):
    """Diagram code went over one of its limits; the message says which, in Vietnamese."""


class NotStorable(ValueError):
    """A value the case cannot keep (a generator, a range, a function…); the message names its type."""


def _number(value: float) -> str:
    return f"{value:,}".replace(",", ".")


def too_long() -> BudgetExceeded:
    return BudgetExceeded(f"mã trong sơ đồ tạo chuỗi hoặc danh sách dài quá {_number(MAX_ITEMS)} phần tử")


# -- one run's deadline ------------------------------------------------------------------------------

_run_deadline: ContextVar[float | None] = ContextVar("run_deadline", default=None)


@contextmanager
def run_clock(seconds: float = MAX_RUN_SECONDS) -> Iterator[None]:
    """Give every evaluation in the block one shared deadline, unless an enclosing block already set one."""
    if _run_deadline.get() is not None:
        yield
        return
    token = _run_deadline.set(cpu_clock() + seconds)
    try:
        yield
    finally:
        _run_deadline.reset(token)


def check_run_clock() -> None:
    """Refuse to go on once the run's deadline has passed (between the engine's own steps)."""
    deadline = _run_deadline.get()
    if deadline is not None and cpu_clock() > deadline:
        raise BudgetExceeded(f"bước này chạy quá {MAX_RUN_SECONDS:g} giây")


# -- weighing data ------------------------------------------------------------------------------------

_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()))
_SEQUENCES = frozenset({list, tuple, set, frozenset, *_VIEWS})
_PAIRS = frozenset({dict, type({}.items())})
_FLAT = frozenset({float, bool, type(None), date, datetime, timedelta})
_Opener = Callable[[Any], tuple[int, Iterator[Any] | None]]


def _walk(value: Any, limit: int, opener: _Opener) -> int:
    """Sum ``opener``'s units over ``value`` and everything inside it, depth-first, stopping past ``limit``."""
    total = 0
    stack: list[Iterator[Any]] = [iter((value,))]
    while stack:
        for item in stack[-1]:
            units, children = opener(item)
            total += units
            if total > limit:
                raise BudgetExceeded(f"mã trong sơ đồ xử lý dữ liệu lớn quá {_number(limit)} ký tự hoặc phần tử")
            if children is not None:
                if len(stack) > MAX_DEPTH:
                    raise BudgetExceeded(f"dữ liệu lồng nhau sâu quá {MAX_DEPTH} tầng")
                stack.append(children)
                break
        else:
            stack.pop()
    return total


def _flat_units(items: Any) -> int | None:
    """The size of a container of plain values, at C speed; ``None`` when it holds containers."""
    kinds = set(map(type, items))
    if kinds <= {str}:
        return sum(map(len, items))
    if kinds <= {int}:
        return sum(map(int.bit_length, items)) // 4
    return 0 if kinds <= _FLAT else None


def _open(item: Any) -> tuple[int, Iterator[Any] | None]:
    kind = type(item)
    if kind is str:
        return len(item) + 1, None
    if kind is int:
        return 1 + item.bit_length() // 4, None
    if kind in _SEQUENCES:
        if len(item) > MAX_WEIGHT:
            return len(item), None  # over any limit already; the caller refuses it without looking inside
        flat = _flat_units(item)
        return len(item) + 1 + (flat or 0), (iter(item) if flat is None else None)
    if kind in _PAIRS:
        pairs = item.items() if kind is dict else item
        return 2 * len(item) + 1, chain.from_iterable(pairs)
    return 1, None


def weigh(value: Any, limit: int = MAX_WEIGHT) -> int:
    """The size of ``value`` as data (characters, items, digits), shared parts counted each time; refused past
    ``limit`` or ``MAX_DEPTH``. What a comparison, a hash or ``str`` does is proportional to it."""
    return _walk(value, limit, _open)


def _open_storable(item: Any) -> tuple[int, Iterator[Any] | None]:
    kind = type(item)
    if kind is str:
        return len(item) + 3, None
    if kind is dict:
        if not set(map(type, item)) <= {str}:
            raise NotStorable("dict (khóa không phải chuỗi)")
        return 2 + 4 * len(item) + sum(map(len, item)), iter(item.values())
    if kind is list or kind is tuple:
        flat = _flat_units(item)
        return 2 + 2 * len(item) + (flat or 0), (iter(item) if flat is None or not _all_finite(item) else None)
    if kind is float and not math.isfinite(item):
        raise NotStorable("float (không hữu hạn)")
    if kind in (int, float, bool, type(None), date, datetime, timedelta):
        return 8 + (item.bit_length() // 3 if kind is int else 0), None
    raise NotStorable(kind.__name__)


def _all_finite(items: Any) -> bool:
    return float not in set(map(type, items))  # floats are looked at one by one (NaN, infinities)


def data_size(value: Any, limit: int) -> int:
    """Roughly how many characters ``value`` takes as JSON; ``NotStorable`` for anything the case cannot keep,
    ``BudgetExceeded`` past ``limit`` or ``MAX_DEPTH``."""
    return _walk(value, limit, _open_storable)


# -- the budget of one evaluation ---------------------------------------------------------------------

_SPEC_NUMBER = re.compile(r"[0-9]+")
LITERAL = -2  # an f-string's constant part, in ``Budget.text``
_TEXT_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONVERSIONS: dict[int, Callable[[Any], str]] = {ord("r"): repr, ord("a"): ascii, ord("s"): str}
_UNHASHED = frozenset({dict, set, frozenset, str, range, type({}.keys())})  # ``in`` looks these up, not through


class Budget:
    """One evaluation's allowance; handed to the rewritten code as ``_b``."""

    def __init__(self) -> None:
        # not a dataclass: SpiffWorkflow reads an error raised in generated code ("<string>") as the script's line
        self.steps = self.work = 0
        self.started = cpu_clock()
        own, run = self.started + MAX_SECONDS, _run_deadline.get()
        self.deadline = own if run is None else min(own, run)
        self.by_run = run is not None and run < own
        self.tick()

    # -- time, steps, work --------------------------------------------------------------------------

    def tick(self) -> None:
        if cpu_clock() > self.deadline:
            if self.by_run:
                raise BudgetExceeded(f"bước này chạy quá {MAX_RUN_SECONDS:g} giây")
            raise BudgetExceeded(f"mã trong sơ đồ chạy quá {MAX_SECONDS:g} giây")

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise BudgetExceeded(f"mã trong sơ đồ lặp quá {_number(MAX_STEPS)} lần")
        self.tick()

    def charge(self, units: int) -> None:
        self.work += units
        if self.work > MAX_WORK:
            raise BudgetExceeded(f"mã trong sơ đồ tạo quá {_number(MAX_WORK)} ký tự hoặc phần tử dữ liệu")
        self.tick()

    def each(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            self.step()
            yield item

    def weigh(self, value: Any, limit: int = MAX_WEIGHT) -> int:
        units = weigh(value, limit)
        self.tick()
        return units

    def take(self, items: Iterable[Any], room: int = MAX_ITEMS) -> list[Any]:
        """``items`` as a list of at most ``room`` elements, refused (not built) past it; a lazy or self-growing
        iterable is read only that far."""
        if isinstance(items, list | tuple | str | dict | set | range) and len(items) > room:
            raise too_long()
        found = list(islice(iter(items), room + 1))
        if len(found) > room:
            raise too_long()
        self.charge(len(found))
        return found

    def built(self, value: Any) -> Any:
        """A value just built (a slice, a method's result): checked against the limits and charged."""
        self.charge(_size_of(checked(value)))
        return value

    # -- operators ------------------------------------------------------------------------------------

    def mul(self, left: Any, right: Any) -> Any:
        _check_repeat(left, right)
        _check_repeat(right, left)
        return self.built(left * right)

    def add(self, left: Any, right: Any) -> Any:
        if _is_sized(left) and _is_sized(right):
            _check_length(len(left) + len(right))
        return self.built(left + right)

    def mod(self, left: Any, right: Any) -> Any:
        if isinstance(left, str):
            raise BudgetExceeded("định dạng chuỗi bằng «%» không được hỗ trợ; hãy dùng f-string")
        return self.built(left % right)

    def range(self, *args: int) -> range:
        found = range(*args)
        _check_length(len(found))
        return found

    def cmp(self, value: Any) -> Any:
        """An operand of a comparison: containers are weighed first (a comparison may walk all of them)."""
        if type(value) not in _TEXT_SCALARS:
            self.weigh(value)
        return value

    def haystack(self, value: Any) -> Any:
        """The right side of ``in``: a list, tuple or lazy iterable is read (bounded) and weighed, a dict or set
        is looked up."""
        if type(value) in _UNHASHED:
            return value
        items = value if isinstance(value, list | tuple) else self.take(value)
        self.weigh(items)
        return items

    def key(self, value: Any) -> Any:
        """A dict key or set element: a tuple is weighed first (its hash walks it, in C, with no depth guard)."""
        if type(value) is tuple:
            self.weigh(value)
        return value

    # -- displays and f-strings ----------------------------------------------------------------------

    def display(self, kind: str, items: tuple[Any, ...], starred: str) -> Any:
        """``[a, *b]``, ``(a, *b)``, ``{a, *b}``, and starred call arguments: sizes checked before building."""
        flat: list[Any] = []
        for item, star in zip(items, starred, strict=True):
            if star == "1":
                flat.extend(self.take(item, MAX_ITEMS - len(flat)))
            else:
                flat.append(item)
        _check_length(len(flat))
        if kind == "set":
            return {self.key(item) for item in flat} if tuple in set(map(type, flat)) else set(flat)
        return flat if kind == "list" else tuple(flat)

    def merge(self, *entries: tuple[Any, ...]) -> dict[Any, Any]:
        """``{k: v, **d}``: one-element entries are the unpacked dicts; the size is checked before merging."""
        size = sum(len(entry[0]) if len(entry) == 1 and isinstance(entry[0], dict) else 1 for entry in entries)
        _check_length(size)
        self.charge(size)
        merged: dict[Any, Any] = {}
        for entry in entries:
            if len(entry) == 2:
                merged[self.key(entry[0])] = entry[1]
            elif isinstance(entry[0], dict):
                merged.update(entry[0])
            else:
                raise TypeError(f"'{type(entry[0]).__name__}' không phải từ điển để mở bằng **")
        return merged

    def text(self, *parts: tuple[Any, int, Any]) -> str:
        """An f-string: each part rendered within what is left of the limit, the whole refused past it."""
        pieces: list[str] = []
        length = 0
        for value, conversion, spec in parts:
            piece = value if conversion == LITERAL else self.render(value, conversion, spec, MAX_ITEMS - length)
            length += len(piece)
            _check_length(length)
            pieces.append(piece)
        self.charge(length)
        return "".join(pieces)

    def render(self, value: Any, conversion: int = -1, spec: str = "", room: int = MAX_ITEMS) -> str:
        """``value`` as text (``str``, ``repr`` or ``ascii``, then a format spec), weighed before it is built."""
        if type(value) not in _TEXT_SCALARS or conversion in (ord("r"), ord("a")):
            self.weigh(value, room)
        if any(int(number) > MAX_WIDTH for number in _SPEC_NUMBER.findall(spec)):
            raise BudgetExceeded(f"định dạng yêu cầu độ rộng quá {MAX_WIDTH} ký tự")
        converted: Callable[[Any], str] | None = _CONVERSIONS.get(conversion)
        found = format(converted(value) if converted is not None else value, spec)
        if len(found) > room:
            raise too_long()
        return found

    def fmt(self, value: Any, spec: str) -> str:
        return self.render(value, -1, spec)

    # -- methods ---------------------------------------------------------------------------------------

    def call(self, target: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        """A data method (allowed by name by the sandbox), checked for the type and for what it can do."""
        kind = next((k for k in _METHODS if isinstance(target, k)), None)
        if kind is None or name not in _METHODS[kind]:
            raise AttributeError(f"«.{name}» không dùng được với dữ liệu kiểu {type(target).__name__}")
        args = self._checked_call(target, kind, name, args)
        found = getattr(target, name)(*args, **kwargs)
        return self.built(found) if name in _BUILDING else found

    def _checked_call(self, target: Any, kind: type, name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        if name in ("count", "index") and kind is not str:  # compares every element with the argument
            self.weigh(target)
            self.weigh(args)
        elif name in ("startswith", "endswith") and args and type(args[0]) is tuple:
            self.weigh(args[0])
        elif name == "get" and args:
            self.key(args[0])
        elif name == "append":
            _check_length(len(target) + 1)
        elif name == "extend" and args:  # read first, with a bound: ``l.extend(zip(l))`` would never end
            return (self.take(args[0], MAX_ITEMS - len(target)), *args[1:])
        elif name == "replace":
            _check_replace(target, args)
        return args


_METHODS: dict[type, frozenset[str]] = {
    str: frozenset({"lower", "upper", "strip", "startswith", "endswith", "split", "replace", "count", "index"}),
    list: frozenset({"append", "extend", "count", "index"}),
    tuple: frozenset({"count", "index"}),
    dict: frozenset({"get", "keys", "values", "items"}),
}
_BUILDING = frozenset({"lower", "upper", "strip", "split", "replace"})  # methods that make new data


def _check_replace(target: str, args: tuple[Any, ...]) -> None:
    """How long ``target.replace(old, new[, count])`` would be, from its real arguments, before it runs."""
    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], str):
        return  # the method itself refuses other arguments
    old, new = args[0], args[1]
    grows = len(new) - len(old)
    if grows <= 0:
        return
    times = target.count(old) if old else len(target) + 1
    if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
        times = min(times, args[2])
    _check_length(len(target) + grows * times)


def _is_sized(value: Any) -> bool:
    return isinstance(value, str | list | tuple | bytes)


def _check_length(length: int) -> None:
    if length > MAX_ITEMS:
        raise too_long()


def _check_repeat(sequence: Any, times: Any) -> None:
    if _is_sized(sequence) and isinstance(times, int) and not isinstance(times, bool):
        _check_length(len(sequence) * max(times, 0))


def checked(value: Any) -> Any:
    """``value`` if it is within the limits of what a script may build (length, integer size)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded("mã trong sơ đồ tạo số quá lớn")
    if _is_sized(value) or isinstance(value, dict | set):
        _check_length(len(value))
    return value


def _size_of(value: Any) -> int:
    if isinstance(value, int):
        return 1 + value.bit_length() // 64
    return len(value) if isinstance(value, str | list | tuple | dict | set) else 1
