"""The department of a first decision issued by the head of a unit of a department is an organisation of the
catalogue (the DMN hands the case to it): an unknown or ended one is a field error, not a failure later on."""

from __future__ import annotations

from typing import Any

from tests import cases
from tests.law.conftest import Desk, refused


def _unit_head(department: str, **changes: Any) -> dict[str, Any]:
    petition = cases.petition_2026(**changes)
    first = {**petition["first_decision"], "issuer": "Chi cục trưởng Chi cục Quản lý đất đai",
             "issuer_level": "department_unit_head", "department": department}
    return {**petition, "first_decision": first, "submitted_to": "department_head"}


def test_an_unknown_department_is_refused_on_its_field(desk: Desk) -> None:
    for typed in ("so_khong_ton_tai", "Sở Tài chính tỉnh"):
        refused(desk, None, lambda typed=typed: desk.start(_unit_head(typed)), "first_decision.department",
                "danh mục")


def test_an_ended_department_is_refused_and_its_successor_is_accepted(desk: Desk) -> None:
    # Sở Tài nguyên và Môi trường ended on 28/02/2025, merged into Sở Nông nghiệp và Môi trường.
    refused(desk, None, lambda: desk.start(_unit_head("so_tai_nguyen_moi_truong")), "first_decision.department",
            "Sở Tài nguyên và Môi trường", "không còn")
    case = desk.start(_unit_head("so_nong_nghiep_moi_truong"))
    assert desk.data(case)["handling_organisation"] == "so_nong_nghiep_moi_truong"
    assert desk.ready(case) == ["review_acceptance"]
