"""Official document numbers are 1..n per issuing body, year and kind, with the body's symbol: ``45/TB-UBND``.

A number is taken in the issuing transaction; one rolled back gives its number back. Issued at once from
two processes on PostgreSQL (the counter row's lock keeps them apart) and from many threads on SQLite
(whose writers queue), the numbers are exactly 1..N. The body's abbreviation is set by the admin,
checked, and written to the account log.
"""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select

from app import create_app
from app.clock import FrozenClock
from app.errors import Conflict, Forbidden, InvalidInput
from app.persistence.migrate import alembic_config, upgrade
from app.persistence.models import AccountEvent, DocumentSymbol
from app.services import document_numbers, organisations, users
from app.services.document_numbers import deployed_kinds, issue_number
from app.services.organisations import OrganisationChange
from app.services.runtime import Runtime
from tests.conftest import TEST_CONFIG, vn
from tests.threads import run_at_once

BODY = "ubnd_tinh"  # in every seeded catalogue


class Rollback(Exception):
    """Raised inside a transaction to undo an issue."""


def _admin(rt: Runtime) -> Any:
    return users.authenticate_password(rt, "admin", "demo")


def _issue(rt: Runtime, kind: str, on: date, organisation: str = BODY) -> str:
    with rt.db.writing() as session:
        return issue_number(rt, session, organisation, kind, _symbol(rt, session, kind), on).text


def _symbol(rt: Runtime, session: Any, kind: str) -> str:
    """The kind's default symbol as its deployed process declares it."""
    return deployed_kinds(rt, session)[kind].symbol


def _other_body(rt: Runtime) -> str:
    organisations.create_organisation(rt, _admin(rt), "thanh_tra_test", OrganisationChange("Thanh tra tỉnh"))
    document_numbers.set_body_symbol(rt, _admin(rt), "thanh_tra_test", "TTr")
    return "thanh_tra_test"


def test_numbers_count_from_one_per_body_year_and_kind(rt: Runtime) -> None:
    document_numbers.set_body_symbol(rt, _admin(rt), BODY, "UBND")
    inspectorate = _other_body(rt)
    issued = [_issue(rt, "acceptance_notice", date(2026, 3, 2)) for _ in range(3)]
    assert issued == ["1/TB-UBND", "2/TB-UBND", "3/TB-UBND"]
    assert _issue(rt, "non_acceptance_notice", date(2026, 3, 2)) == "4/TB-UBND"  # the body's one «TB» series
    assert _issue(rt, "decision", date(2026, 3, 2)) == "1/QĐ-UBND"
    assert _issue(rt, "verification_assignment", date(2026, 3, 2)) == "2/QĐ-UBND"  # never two «1/QĐ-UBND»
    assert _issue(rt, "receipt", date(2026, 3, 2)) == "1/GBN-UBND"
    assert _issue(rt, "plan", date(2026, 3, 2), inspectorate) == "1/KH-TTr"
    assert _issue(rt, "acceptance_notice", date(2026, 3, 2), inspectorate) == "1/TB-TTr"
    assert _issue(rt, "acceptance_notice", date(2027, 1, 4)) == "1/TB-UBND"  # a new year starts again
    assert _issue(rt, "acceptance_notice", date(2026, 12, 30)) == "5/TB-UBND"


def test_the_year_is_vietnams_and_a_rolled_back_issue_gives_its_number_back(rt: Runtime) -> None:
    document_numbers.set_body_symbol(rt, _admin(rt), BODY, "UBND")
    new_year_in_hanoi = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Vietnam
    assert _issue(rt, "decision", new_year_in_hanoi) == "1/QĐ-UBND"
    with pytest.raises(Rollback), rt.db.writing() as session:
        assert issue_number(rt, session, BODY, "decision", "QĐ", date(2027, 2, 1)).number == 2
        raise Rollback
    assert _issue(rt, "decision", date(2027, 2, 1)) == "2/QĐ-UBND"
    assert _issue(rt, "decision", vn(2026, 12, 31)) == "1/QĐ-UBND"


def test_every_kind_has_its_symbol_and_a_body_may_override_one(rt: Runtime) -> None:
    document_numbers.set_body_symbol(rt, _admin(rt), BODY, "SNNMT")
    expected = {"receipt": "GBN", "acceptance_notice": "TB", "non_acceptance_notice": "TB",
                "verification_assignment": "QĐ", "dialogue_minutes": "BB", "verification_report": "BC",
                "decision": "QĐ", "termination": "QĐ", "suspension": "QĐ", "resumption": "QĐ", "plan": "KH",
                "register_extract": "TrS", "final_report": "BC"}
    with rt.db.reading() as session:
        assert {kind: k.symbol for kind, k in deployed_kinds(rt, session).items()} == expected
    document_numbers.set_kind_symbol(rt, _admin(rt), BODY, "final_report", "BC-KQ")
    assert [_issue(rt, kind, date(2026, 5, 5)) for kind in ("verification_report", "final_report", "final_report")] \
        == ["1/BC-SNNMT", "1/BC-KQ-SNNMT", "2/BC-KQ-SNNMT"]  # the override is a series of its own


def test_an_unknown_kind_or_a_body_without_abbreviation_issues_nothing(rt: Runtime) -> None:
    with rt.db.writing() as session:  # the demo province's, seeded at setup, taken away
        session.execute(DocumentSymbol.__table__.delete().where(DocumentSymbol.organisation == BODY))
    with pytest.raises(Conflict, match="chưa có ký hiệu viết tắt"):
        _issue(rt, "decision", date(2026, 5, 5))
    document_numbers.set_body_symbol(rt, _admin(rt), BODY, "UBND")
    with pytest.raises(InvalidInput, match="Không có loại văn bản"):
        document_numbers.set_kind_symbol(rt, _admin(rt), BODY, "memo", "CV")
    assert _issue(rt, "decision", date(2026, 5, 5)) == "1/QĐ-UBND"


@pytest.mark.parametrize("bad", ["", "ubnd", "UBND TỈNH", "UB/ND", "-UBND", "A" * 21, "UB\x00ND", "UB\u202eND"])
def test_a_bad_abbreviation_is_refused_in_vietnamese(rt: Runtime, bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        document_numbers.set_body_symbol(rt, _admin(rt), BODY, bad)
    assert refused.value.fields["symbol"] in {
        "Chưa nhập ký hiệu viết tắt.", "Ký hiệu viết tắt dài quá 20 ký tự.", document_numbers.SYMBOL_RULE,
        "Chứa ký tự điều khiển không hợp lệ (ví dụ ký tự NUL hoặc ký tự đảo chiều hiển thị)."}


def test_setting_an_abbreviation_is_for_the_admin_and_is_logged(rt: Runtime) -> None:
    with pytest.raises(Forbidden):
        document_numbers.set_body_symbol(rt, users.authenticate_password(rt, "resolver", "demo"), BODY, "UBND")
    for symbol in ("UBND", "UBND", "ĐĐBQH-HĐND"):  # the demo seed set «UBND» already: the first two change nothing
        document_numbers.set_body_symbol(rt, _admin(rt), BODY, symbol)
    with rt.db.reading() as session:
        events = session.scalars(select(AccountEvent).where(AccountEvent.action == "organisation_symbol_set",
                                                            AccountEvent.actor != "setup").order_by(AccountEvent.seq))
        logged = [(e.actor, json.loads(e.data)) for e in events]
    assert logged == [("admin", {"code": BODY, "kind": "Ký hiệu viết tắt của cơ quan",
                                 "symbol": ["UBND", "ĐĐBQH-HĐND"]})]
    assert _issue(rt, "dialogue_minutes", date(2026, 5, 5)) == "1/BB-ĐĐBQH-HĐND"


# -- at once ------------------------------------------------------------------------------------------

EACH = 100


def _issue_many(rt: Runtime, worker: int) -> list[int]:
    """``EACH`` numbers, with a rolled-back issue before every fifth one."""
    given = []
    for k in range(EACH):
        if (k + worker) % 5 == 0:
            with pytest.raises(Rollback), rt.db.writing() as session:
                issue_number(rt, session, BODY, "decision", "QĐ", date(2026, 6, 1))
                raise Rollback
        given.append(int(_issue(rt, "decision", date(2026, 6, 1)).split("/")[0]))
    return given


def _runtime(url: str, instance_dir: str) -> Runtime:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "CLOCK": FrozenClock(vn(2026, 6, 1)),
                      "INSTANCE_DIR": instance_dir})
    runtime: Runtime = app.extensions["runtime"]
    return runtime


def issue_in_process(url: str, instance_dir: str, worker: int, ready: Any) -> list[int]:
    """A separate process (a gunicorn worker on another node, say) issuing ``EACH`` numbers."""
    rt = _runtime(url, instance_dir)
    ready.wait()
    try:
        return _issue_many(rt, worker)
    finally:
        rt.db.dispose()


@pytest.mark.postgres
def test_two_processes_issuing_at_once_on_postgresql_get_1_to_n(postgres_url: str, tmp_path: Path) -> None:
    rt = _runtime(postgres_url, str(tmp_path / "parent"))
    document_numbers.set_body_symbol(rt, _admin(rt), BODY, "UBND")
    rt.db.dispose()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready = manager.Barrier(2)
        with context.Pool(2) as pool:
            results = [pool.apply_async(issue_in_process, (postgres_url, str(tmp_path / f"p{p}"), p, ready))
                       for p in range(2)]
            given = [n for result in results for n in result.get(timeout=600)]
    assert sorted(given) == list(range(1, 2 * EACH + 1))
    assert _issue(rt, "decision", date(2026, 6, 1)) == f"{2 * EACH + 1}/QĐ-UBND"
    rt.db.dispose()


def test_threads_issuing_at_once_on_sqlite_get_1_to_n(sqlite_url: str, tmp_path: Path) -> None:
    rt = _runtime(sqlite_url, str(tmp_path / "instance"))
    document_numbers.set_body_symbol(rt, _admin(rt), BODY, "UBND")
    threads, given = 2, list[int]()
    assert run_at_once(threads, lambda worker: given.extend(_issue_many(rt, worker))) == []
    assert sorted(given) == list(range(1, threads * EACH + 1))
    rt.db.dispose()


def test_migration_0015_goes_down_and_up_again(sqlite_url: str) -> None:
    command.downgrade(alembic_config(sqlite_url), "0014")
    engine = create_engine(sqlite_url)
    assert not {"document_counters", "document_symbols"} & set(inspect(engine).get_table_names())
    upgrade(sqlite_url)
    assert {"document_counters", "document_symbols"} <= set(inspect(engine).get_table_names())
    engine.dispose()
