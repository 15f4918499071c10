"""The second-level complaint (khiếu nại lần hai): its labels, its duplicate check, and what they need of its forms.

The duplicate check (``services.duplicates``) reads the start form's complainant and first decision,
and a reception plan's register opens these cases with a petition in the start form's shape
(``na_session_reception.register.petition_from``): the contract names those fields, so a deploy that
drops one is refused instead of breaking the check or the register.
"""

from __future__ import annotations

from app.engine.deadlines import DEADLINE_LABELS  # the complaint's deadlines are data: regimes.json
from app.services.procedures import CASE, ActMatch, Contract, Procedure

PROCESS_ID = "complaint_second_level"
START_FORM = "register_petition.schema.json"
PETITION_FIELDS = ("received_on", "submitted_to", "receiving_channel", "complainant", "complainant.full_name",
                   "complainant.address", "complainant.id_number", "complainant_count", "respondent", "first_decision",
                   "content", "reasons", "request", "remote_area", "excluded_days", "dossier", "representatives")

CASE_VARIABLES = {  # what the diagram computes into the case, named for officers
    "filed_in_time": "Đơn còn trong thời hạn khiếu nại", "outcome": "Kết quả",
    "withdrawal_received": "Đã nhận đơn rút khiếu nại", "competent_authority": "Thẩm quyền giải quyết",
    "competent_authority_name": "Người có thẩm quyền giải quyết", "handling_organisation": "Cơ quan giải quyết",
}
CHOICES_OF = {"competent_authority": "submitted_to"}  # a computed variable -> the field whose options it takes
START_NOTE = "Hệ thống tính thời hạn khiếu nại, thời hạn thụ lý và xác định người có thẩm quyền giải quyết sau khi lưu."

# the acts an audit search finds by kind (``services.audit_search.KINDS``): which steps and letters they are here
ACTS = {
    "accepted": (ActMatch("task_completed", "review_acceptance", '"accepted":true'),),  # thụ lý
    "rejected": (ActMatch("task_completed", "review_acceptance", '"accepted":false'),  # không thụ lý
                 ActMatch("task_completed", "guide_complainant")),  # hướng dẫn gửi đúng cơ quan
    "decided": (ActMatch("task_completed", "issue_decision"), ActMatch("task_completed", "issue_termination")),
    "withdrawn": (ActMatch("message_received", None, '"message":"withdrawal"'),),
}
OUTCOMES = {"resolved": "Đã giải quyết", "not_accepted": "Không thụ lý", "guided": "Đã hướng dẫn",
            "withdrawn": "Rút khiếu nại"}  # the diagram's ``outcome`` of a finished case
CONTRACT = Contract(start_form=START_FORM, fields={START_FORM: PETITION_FIELDS})


def procedure() -> Procedure:
    return Procedure(PROCESS_ID, kind=CASE, contract=CONTRACT, deadline_labels=DEADLINE_LABELS,
                     case_variables=CASE_VARIABLES, choices_of=CHOICES_OF, duplicate_checked=True,
                     start_note=START_NOTE, acts=ACTS, outcomes=OUTCOMES, resolved_outcomes=frozenset({"resolved"}))
