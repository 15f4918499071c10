"""Case numbers are gapless per series and year: KN2-2021-000001, 000002, … and the plans' own TCD series.

The number is taken in the transaction that inserts the case; a creation refused inside that transaction
gives its number back. Started from many threads and from several processes at once (PostgreSQL, where
the counter row's lock is what keeps them apart; SQLite, whose writers queue), the numbers are 1..N.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import re
import tempfile
from typing import Any

import pytest
from sqlalchemy import select

from app import create_app
from app.clock import FrozenClock
from app.errors import Forbidden
from app.persistence.models import Instance
from app.services import cases, users
from app.services.principal import Principal
from app.services.runtime import Runtime
from tests import cases as payloads
from tests.conftest import TEST_CONFIG, vn
from tests.services.test_reception_plan import UNITS
from tests.threads import run_at_once

REFUSED = "Hồ sơ này thuộc thẩm quyền của cơ quan khác"


def petition(n: int) -> dict[str, Any]:
    """A different complainant and first decision each time (the same twice would be a duplicate)."""
    base = payloads.petition()
    return payloads.petition(complainant={**base["complainant"], "full_name": f"Người khiếu nại {n}",
                                          "id_number": f"0640{n:08d}"},
                             first_decision={**base["first_decision"], "number": f"{n}/QĐ-UBND"})


def plan() -> dict[str, Any]:
    return {"session_name": "Kỳ họp thứ 11, Quốc hội khóa XIV", "window_start": "2021-03-24", "window_end": "2021-03-26",
            "reception_start": "2021-03-24", "reception_end": "2021-03-26", "receive_on_weekends": False,
            "reception_office": "Trụ sở Tiếp công dân tỉnh", "units": UNITS[:1],
            "documents": [{"number": "930/UBND-TD", "issued_on": "2021-02-17", "title": "Về việc tiếp công dân"}]}


def _numbers(rt: Runtime, process_id: str = "complaint_second_level") -> list[str]:
    with rt.db.reading() as session:
        return list(session.scalars(select(Instance.case_number).where(Instance.process_id == process_id)))


def _sequence(numbers: list[str], series: str, year: int) -> list[int]:
    found = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n.startswith(f"{series}-{year}-"))
    assert len(found) == len(numbers), numbers
    return found


def _limited_reception(rt: Runtime) -> Principal:
    """A receptionist of a department: a provincial petition is not theirs, refused after it was numbered."""
    return users.create_user(rt, "tiepdan_stc", "Cán bộ tiếp dân Sở Tài chính", "pw", ["reception"], "Sở Tài chính")


@pytest.mark.fixed_clock
def test_each_series_counts_from_one_per_year_and_a_refused_creation_leaves_no_gap(rt: Runtime,
                                                                                  clock: FrozenClock) -> None:
    reception, inspectorate = (users.authenticate_password(rt, name, "demo") for name in ("reception", "inspectorate"))
    limited = _limited_reception(rt)
    first = cases.start_case(rt, reception, "complaint_second_level", petition(1)).instance.case_number
    with pytest.raises(Forbidden, match=REFUSED):  # numbered inside the transaction, then rolled back
        cases.start_case(rt, limited, "complaint_second_level", petition(2))
    second = cases.start_case(rt, reception, "complaint_second_level", petition(3)).instance.case_number
    own = cases.start_case(rt, inspectorate, "na_session_reception", plan()).instance.case_number
    assert (first, second, own) == ("KN2-2021-000001", "KN2-2021-000002", "TCD-2021-000001")
    clock.set(vn(2022, 1, 4))
    later = payloads.petition(received_on="2022-01-04")
    later["first_decision"].update(issued_on="2021-12-20", received_on="2021-12-27", number="99/QĐ-UBND")
    assert cases.start_case(rt, reception, "complaint_second_level", later).instance.case_number == "KN2-2022-000001"


@pytest.mark.fixed_clock
def test_cases_started_at_once_from_many_threads_are_numbered_1_to_n(rt: Runtime) -> None:
    reception, limited = users.authenticate_password(rt, "reception", "demo"), _limited_reception(rt)
    threads, each = 8, 4
    refused: list[int] = []

    def work(index: int) -> None:
        for k in range(each):
            n = index * each + k
            if n % 5 == 2:  # a refused creation in between, on every thread's turn
                with pytest.raises(Forbidden, match=REFUSED):
                    cases.start_case(rt, limited, "complaint_second_level", petition(10_000 + n))
                refused.append(n)
            cases.start_case(rt, reception, "complaint_second_level", petition(n))

    assert run_at_once(threads, work) == []
    assert len(refused) == 6
    assert _sequence(_numbers(rt), "KN2", 2021) == list(range(1, threads * each + 1))


def start_in_process(url: str, instance_dir: str, first: int, count: int, ready: Any, go: Any) -> list[str]:
    """A separate process (a gunicorn worker on another node, say) starting ``count`` cases, one refused each time."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "CLOCK": FrozenClock(vn(2021, 2, 17)),
                      "INSTANCE_DIR": instance_dir})
    rt = app.extensions["runtime"]
    reception = users.authenticate_password(rt, "reception", "demo")
    limited = users.authenticate_password(rt, "tiepdan_stc", "pw")
    ready.wait()
    go.wait()
    numbers = []
    for n in range(first, first + count):
        with contextlib.suppress(Forbidden):
            cases.start_case(rt, limited, "complaint_second_level", petition(50_000 + n))
        numbers.append(cases.start_case(rt, reception, "complaint_second_level", petition(n)).instance.case_number)
    rt.db.dispose()
    return numbers


@pytest.mark.fixed_clock
def test_cases_started_at_once_from_several_processes_are_numbered_1_to_n(rt: Runtime, db_url: str) -> None:
    _limited_reception(rt)
    rt.db.dispose()
    processes, each = 4, 5
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready, go = manager.Barrier(processes), manager.Event()
        with context.Pool(processes) as pool:
            results = [pool.apply_async(start_in_process, (db_url, tempfile.mkdtemp(), p * each, each, ready, go))
                       for p in range(processes)]
            go.set()
            given = [number for result in results for number in result.get(timeout=600)]
    assert sorted(_numbers(rt)) == sorted(given)
    assert _sequence(given, "KN2", 2021) == list(range(1, processes * each + 1))


def test_a_case_number_is_what_the_case_data_and_its_trail_carry(rt: Runtime) -> None:
    reception = users.authenticate_password(rt, "reception", "demo")
    change = cases.start_case(rt, reception, "complaint_second_level", petition(7))
    view = cases.get_case(rt, users.authenticate_password(rt, "auditor", "demo"), change.instance.id)
    assert view.data["case_number"] == change.instance.case_number == "KN2-2021-000001"
    _events, check = cases.get_history(rt, users.authenticate_password(rt, "auditor", "demo"), change.instance.id)
    assert check.ok and re.fullmatch(r"KN2-2021-\d{6}", view.instance.case_number or "")
