"""Form payloads for the second-level complaint, built around Case A of domain.md §5.

Nguyễn Văn A (commune Ia Mơ) challenges decision 15/QĐ-UBND of 08/01/2021 by a district chair,
received on 12/01/2021, and files with the provincial chair on 17/02/2021 (day 30 fell in Tết).
Each function returns a fresh dict so a test can alter it freely.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any


def petition(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "received_on": "2021-02-17",
        "submitted_to": "provincial_chair",
        "receiving_channel": "in_person",
        "complainant": {"full_name": "Nguyễn Văn A", "address": "Xã Ia Mơ, huyện Chư Prông, tỉnh Gia Lai",
                        "id_number": "064012345678"},
        "complainant_count": 1,
        "respondent": {"name": "Chủ tịch UBND huyện Chư Prông", "address": "Thị trấn Chư Prông"},
        "first_decision": {"number": "15/QĐ-UBND", "issued_on": "2021-01-08",
                           "issuer": "Chủ tịch UBND huyện Chư Prông", "issuer_level": "district_chair",
                           "received_on": "2021-01-12"},
        "content": "Khiếu nại quyết định giải quyết khiếu nại lần đầu về giá đất bồi thường 1.200 m².",
        "reasons": "Giá đất bồi thường thấp hơn giá thị trường tại thời điểm thu hồi.",
        "request": "Đề nghị hủy quyết định lần đầu và xác định lại giá đất bồi thường.",
        "remote_area": False,
        "excluded_days": [],
        "dossier": {"petition_signature": "signed", "representation_document": False,
                    "first_decision_copy": True,
                    "evidence": [{"name": "Bản sao Quyết định 15/QĐ-UBND", "is_original": False}]},
    }
    data.update(changes)
    return data


ELIGIBLE = {
    "not_internal_act": True, "directly_affected": True, "has_capacity_or_lawful_representative": True,
    "filed_in_time_with_right_authority": True, "no_second_level_decision": True, "no_lapsed_termination": True,
    "no_court_case": True,
}


def acceptance(complex_case: bool = False, issued_on: str = "2021-03-01") -> dict[str, Any]:
    return {"eligibility": dict(ELIGIBLE), "accepted": True, "complex_case": complex_case,
            "acceptance_notice": {"number": "45/TB-UBND", "issued_on": issued_on}}


def rejection(ground: int, failing: str, reason: str, issued_on: str = "2021-03-01") -> dict[str, Any]:
    return {"eligibility": {**ELIGIBLE, failing: False}, "accepted": False, "complex_case": False,
            "rejection_ground": ground, "rejection_reason": reason,
            "non_acceptance_notice": {"number": "46/TB-UBND", "issued_on": issued_on}}


def assignment(decision_date: str = "2021-03-02", duration_days: int = 30) -> dict[str, Any]:
    return {"verifier": {"unit": "Thanh tra tỉnh Gia Lai", "officer": "verifier", "decision_number": "120/QĐ-UBND",
                         "decision_date": decision_date, "scope": "Xác minh giá đất bồi thường",
                         "duration_days": duration_days}}


def verification(session_on: str = "2021-03-15") -> dict[str, Any]:
    return {"verification": {
        "findings": "Giá đất áp dụng theo bảng giá năm 2020, chưa áp dụng hệ số điều chỉnh.",
        "work_sessions": [{"date": session_on, "with_whom": "Phòng Tài nguyên và Môi trường huyện",
                           "content": "Làm việc về hồ sơ bồi thường"}],
        "evidence": [{"name": "Phương án bồi thường", "source": "UBND huyện Chư Prông"}],
        "expert_examination": False}}


def participant(name: str, role: str, confirmation: str, refusal_reason: str | None = None) -> dict[str, Any]:
    person = {"full_name": name, "role": role, "present": True, "statement": f"Ý kiến của {name}.",
              "confirmation": confirmation}
    if refusal_reason is not None:
        person["refusal_reason"] = refusal_reason
    return person


def dialogue(refusal_reason: str | None = "Không đồng ý với kết quả xác minh") -> dict[str, Any]:
    return {"dialogue": {
        "held_on": "2021-04-06", "place": "Trụ sở Ban Tiếp công dân tỉnh, 27 Nguyễn Văn Cừ, Pleiku",
        "chair": "Phó Chủ tịch UBND tỉnh", "chair_capacity": "provincial_vice_chair",
        "chair_authority": "Văn bản 15/UBND-TD ngày 30/03/2021 của Chủ tịch UBND tỉnh giao chủ trì đối thoại",
        "recorder": "Chuyên viên Thanh tra tỉnh", "contested": False, "security_sensitive": False,
        "content": "Công bố kết quả xác minh giá đất bồi thường.", "result": "Các bên trình bày ý kiến.",
        "agreed_points": "Diện tích thu hồi 1.200 m².", "disputed_points": "Đơn giá bồi thường.",
        "participants": [
            participant("Nguyễn Văn A", "complainant", "signed"),
            participant("Đại diện UBND huyện Chư Prông", "respondent", "signed"),
            participant("Trần Thị B", "related_party", "refused", refusal_reason),
        ]}}


def report(received_on: str = "2021-04-09") -> dict[str, Any]:
    return {"verification_report": {"number": "30/BC-TTr", "received_on": received_on, "conclusion": "partly_right",
                                    "recommendation": "amend", "content": "Khiếu nại đúng một phần."}}


def decision(issued_on: str = "2021-04-14") -> dict[str, Any]:
    return {"decision": {"number": "250/QĐ-UBND", "issued_on": issued_on, "conclusion": "partly_right",
                         "order": "amend", "content": "Sửa đổi quyết định 15/QĐ-UBND về đơn giá bồi thường.",
                         "legal_basis": "Luật Khiếu nại 2011; Luật Đất đai 2013", "right_to_sue": True}}


def sending(sent_on: str = "2021-04-16", complainant: str = "Nguyễn Văn A") -> dict[str, Any]:
    """The decision sent to everyone the law names; ``complainant`` as the case's petition names them."""
    return {"sending": {"sent_on": sent_on, "recipients": [
        {"name": complainant, "kind": "complainant", "method": "post"},
        {"name": "Chủ tịch UBND huyện Chư Prông", "kind": "respondent", "method": "electronic"},
        {"name": "UBND huyện Chư Prông", "kind": "first_level_resolver", "method": "electronic"},
        {"name": "Trần Thị B", "kind": "related_party", "method": "post"},
        {"name": "Thanh tra tỉnh Gia Lai", "kind": "inspectorate", "method": "electronic"},
    ]}}


def publication(published_on: str = "2021-04-19") -> dict[str, Any]:
    return {"publication": {"method": "posting", "published_on": published_on, "posting_days": 15,
                            "place_or_medium": "Trụ sở Ban Tiếp công dân tỉnh", "has_web_portal": True,
                            "web_portal_posted": True}}


def guidance() -> dict[str, Any]:
    return {"guidance": {"letter_number": "12/HD-TCD", "issued_on": "2021-02-18", "guided_to": "Chủ tịch UBND tỉnh",
                         "content": "Hướng dẫn gửi đơn đến Chủ tịch UBND tỉnh."}}


def withdrawal(letter_date: str = "2021-03-20") -> dict[str, Any]:
    return {"letter_date": letter_date, "signed": True, "reason": "Đã thỏa thuận được với UBND huyện"}


def termination(issued_on: str = "2021-03-22") -> dict[str, Any]:
    return {"termination": {"number": "300/QĐ-UBND", "issued_on": issued_on, "reason": "Người khiếu nại rút đơn",
                            "recipients": ["Nguyễn Văn A", "UBND huyện Chư Prông", "Thanh tra tỉnh"]}}


def termination_notice(sent_on: str) -> dict[str, Any]:
    return {"termination_notice": {"sent_on": sent_on, "recipients": [
        {"name": "Nguyễn Văn A", "kind": "complainant", "method": "post"},
        {"name": "Chủ tịch UBND huyện Chư Prông", "kind": "respondent", "method": "electronic"},
        {"name": "Thanh tra tỉnh Gia Lai", "kind": "inspectorate", "method": "electronic"},
    ]}}


RESOLVED_PATH = [
    ("review_acceptance", "resolver", acceptance),
    ("assign_verification", "resolver", assignment),
    ("verify_complaint", "verifier", verification),
    ("record_dialogue", "verifier", dialogue),
    ("submit_verification_report", "verifier", report),
    ("issue_decision", "resolver", decision),
    ("send_decision", "clerk", sending),
    ("publish_decision", "clerk", publication),
]


# --- A case received under the 2026 regime (Law 136/2025/QH15, Decree 155/2026), with a suspension ----------

def petition_2026(**changes: Any) -> dict[str, Any]:
    first = {**petition()["first_decision"], "issued_on": "2026-06-25", "received_on": "2026-07-01"}
    return petition(**{"received_on": "2026-07-15", "first_decision": first, **changes})


def dialogue_2026() -> dict[str, Any]:
    data = dialogue()
    data["dialogue"].update(held_on="2026-08-03", notice_sent_on="2026-07-27")  # 7 days' notice, at least 5
    return data


def suspension(issued_on: str = "2026-08-06") -> dict[str, Any]:
    return {"number": "80/QĐ-UBND", "issued_on": issued_on, "ground": "awaiting_expert_examination",
            "reason": "Chờ kết quả thẩm định giá đất của Sở Tài chính.", "signed_by": "Chủ tịch UBND tỉnh"}


def suspension_notice(sent_on: str = "2026-08-07") -> dict[str, Any]:
    return {"suspension_notice": {"sent_on": sent_on, "recipients": [
        {"name": "Nguyễn Văn A", "kind": "complainant", "method": "post"},
        {"name": "Chủ tịch UBND huyện Chư Prông", "kind": "respondent", "method": "electronic"},
        {"name": "Thanh tra tỉnh Gia Lai", "kind": "verifier", "method": "electronic"},
    ]}}


def resumption(issued_on: str = "2026-09-14") -> dict[str, Any]:
    return {"number": "95/QĐ-UBND", "issued_on": issued_on, "reason": "Đã có kết quả thẩm định giá đất.",
            "signed_by": "Chủ tịch UBND tỉnh"}


# The 2026 case's steps in order, each with the day it is done (accepted 20/07/2026).
PATH_2026 = [
    ("review_acceptance", "resolver", lambda: acceptance(issued_on="2026-07-20")),
    ("assign_verification", "resolver", lambda: assignment("2026-07-21")),
    ("verify_complaint", "verifier", lambda: verification("2026-07-25")),
    ("record_dialogue", "verifier", dialogue_2026),
    ("submit_verification_report", "verifier", lambda: report("2026-08-05")),
    ("issue_decision", "resolver", lambda: decision("2026-10-20")),
    ("send_decision", "clerk", lambda: sending("2026-10-22")),
    ("publish_decision", "clerk", lambda: publication("2026-10-26")),
]


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The date fields of the complaint's steps that record something that already happened (rules.md §3).
PAST_FACTS = frozenset({"received_on", "issued_on", "decision_date", "date", "held_on", "notice_sent_on", "sent_on",
                        "published_on", "letter_date", "recorded_on", "occurred_on", "meeting_notice_sent_on"})


def latest_day(data: Any) -> str | None:
    """The latest past fact a payload records: the day an officer doing that step cannot be before."""
    found: list[str | None] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list):
                found.append(latest_day(value))
            elif key in PAST_FACTS and isinstance(value, str) and _ISO_DAY.fullmatch(value):
                found.append(value)
    elif isinstance(data, list):
        found = [latest_day(v) for v in data]
    elif isinstance(data, str) and _ISO_DAY.fullmatch(data):
        found = [data]
    days = [d for d in found if d]
    return max(days) if days else None


def office_hours_of(data: Any, now: datetime) -> datetime:
    """``now``, or 09:00 in Vietnam on the latest day the payload records if that is later.

    The steps record what already happened (a step dated after today is refused), so a test
    that plays a case through months does each step on the day it records, as an officer would.
    """
    day = latest_day(data)
    if day is None:
        return now
    moment = datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)  # 09:00 in Vietnam
    return max(now, moment)

