"""Build the first version of the complaint's document templates (.docx, docxtpl tags) with python-docx.

The .docx files next to this script are the source: an analyst edits them in Word afterwards. Run this
script only to start again from scratch (it overwrites them): ``.venv/bin/python make_templates.py``.
The layout of Decree 30/2020/NĐ-CP is built by ``app/engine/decree30.py``, shared with the other
processes' templates. What each template is (kind, title, legal form per regime, step) is declared
once, in ``documents.json``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocxDocument

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # run as a script from anywhere: the repository's app package

from app.engine.decree30 import (  # noqa: E402
    CENTER,
    bases,
    build_all,
    para,
    signature,
    signatures,
    tag,
    title,
)

COMPLAINANT = ("{{ complainant.full_name }}, địa chỉ: {{ complainant.address }}"
               "{% if complainant.id_number %}, số định danh cá nhân: {{ complainant.id_number }}{% endif %}")
FIRST_DECISION = ("Quyết định số {{ first_decision.number }} ngày {{ first_decision.issued_on }} "
                  "của {{ first_decision.issuer }}")


def receipt(doc: DocxDocument) -> None:
    """Giấy biên nhận: what the receiving body took from the complainant with the petition, signed by both."""
    title(doc, "GIẤY BIÊN NHẬN", "Thông tin, tài liệu, bằng chứng")
    para(doc, "Ngày {{ received_on }}, {{ issuer.name }} đã nhận của " + COMPLAINANT + " đơn khiếu nại đối với "
         + FIRST_DECISION + " và các thông tin, tài liệu, bằng chứng sau:", indent=True)
    para(doc, "- Đơn khiếu nại ({{ dossier.petition_signature }});", indent=True)
    tag(doc, "{%p if dossier.first_decision_copy %}")
    para(doc, "- Bản sao " + FIRST_DECISION + " (quyết định giải quyết khiếu nại lần đầu);", indent=True)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if dossier.representation_document %}")
    para(doc, "- Văn bản cử người đại diện, giấy ủy quyền;", indent=True)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for item in dossier.evidence %}")
    para(doc, "- {{ item.name }} ({% if item.is_original %}bản gốc{% else %}bản sao{% endif %});", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "Giấy biên nhận được lập thành 02 bản, người nộp giữ 01 bản, {{ issuer.name }} giữ 01 bản.", indent=True)
    signatures(doc, [("NGƯỜI NỘP", "(Ký hoặc điểm chỉ, ghi rõ họ tên)", "{{ complainant.full_name }}"),
                     ("NGƯỜI NHẬN", "(Ký, ghi rõ họ tên)", "{{ officer.name }}")])


def acceptance_notice(doc: DocxDocument) -> None:
    title(doc, "THÔNG BÁO", "Về việc thụ lý giải quyết khiếu nại (lần hai)")
    para(doc, "Kính gửi: {{ complainant.full_name }}", align=CENTER)
    para(doc, "Ngày {{ received_on }}, {{ issuer.name }} đã nhận được đơn khiếu nại của " + COMPLAINANT + ".", indent=True)
    para(doc, "Khiếu nại " + FIRST_DECISION + " (giải quyết khiếu nại lần đầu). Nội dung khiếu nại: {{ content }}",
         indent=True)
    para(doc, "Sau khi xem xét nội dung đơn khiếu nại, căn cứ Điều 36 Luật Khiếu nại, đơn khiếu nại đủ điều kiện "
         "thụ lý và thuộc thẩm quyền giải quyết của {{ issuer.head }}. {{ issuer.head }} thụ lý giải quyết "
         "khiếu nại kể từ ngày {{ issued_on }}.", indent=True)
    para(doc, "Vậy thông báo để {{ complainant.full_name }} được biết.", indent=True)
    signature(doc)


def non_acceptance_notice(doc: DocxDocument) -> None:
    title(doc, "THÔNG BÁO", "Về việc không thụ lý giải quyết khiếu nại (lần hai)")
    para(doc, "Kính gửi: {{ complainant.full_name }}", align=CENTER)
    para(doc, "Ngày {{ received_on }}, {{ issuer.name }} đã nhận được đơn khiếu nại của " + COMPLAINANT + ".", indent=True)
    para(doc, "Khiếu nại " + FIRST_DECISION + ". Nội dung khiếu nại: {{ content }}", indent=True)
    para(doc, "Sau khi xem xét nội dung đơn khiếu nại, căn cứ Điều 11 Luật Khiếu nại, đơn khiếu nại không đủ điều "
         "kiện thụ lý giải quyết vì lý do: {{ rejection_ground }}. {{ rejection_reason }}", indent=True)
    para(doc, "Vậy thông báo để {{ complainant.full_name }} được biết.", indent=True)
    signature(doc)


def verification_assignment(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc xác minh nội dung khiếu nại")
    bases(doc)
    para(doc, "Căn cứ Thông báo thụ lý giải quyết khiếu nại số {{ acceptance_notice.number }} ngày "
         "{{ acceptance_notice.issued_on }};", italic=True, indent=True)
    para(doc, "Xét đơn khiếu nại của " + COMPLAINANT + ",", italic=True, indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Giao {{ verifier.unit }} xác minh nội dung khiếu nại của {{ complainant.full_name }} đối với "
         + FIRST_DECISION + ".", indent=True)
    para(doc, "Nội dung xác minh: {{ verifier.scope }}.", indent=True)
    para(doc, "Thời gian xác minh: {{ verifier.duration_days }} ngày, kể từ ngày ký Quyết định này.", indent=True)
    para(doc, "Điều 2. {{ verifier.unit }} có trách nhiệm xác minh và báo cáo kết quả xác minh bằng văn bản với "
         "{{ issuer.head }}.", indent=True)
    para(doc, "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. {{ verifier.unit }}, {{ complainant.full_name }} và "
         "các cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", indent=True)
    signature(doc)


def dialogue_minutes(doc: DocxDocument) -> None:
    title(doc, "BIÊN BẢN", "Đối thoại giải quyết khiếu nại")
    para(doc, "Ngày {{ dialogue.held_on }}, tại {{ dialogue.place }}, tổ chức đối thoại giải quyết khiếu nại của "
         "{{ complainant.full_name }} đối với " + FIRST_DECISION + ".", indent=True)
    para(doc, "I. Thành phần tham gia đối thoại", bold=True)
    para(doc, "Người chủ trì: {{ dialogue.chair }}"
         "{% if dialogue.chair_capacity and dialogue.chair_capacity != dialogue.chair %} ({{ dialogue.chair_capacity }})"
         "{% endif %}{% if dialogue.chair_authority %}; {{ dialogue.chair_authority }}{% endif %}.", indent=True)
    para(doc, "Người ghi biên bản: {{ dialogue.recorder }}.", indent=True)
    tag(doc, "{%p for person in dialogue.participants %}")
    para(doc, "- {{ person.full_name }} ({{ person.role }}){% if not person.present %}: vắng mặt{% endif %}.", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "II. Nội dung đối thoại", bold=True)
    para(doc, "{{ dialogue.content }}", indent=True)
    tag(doc, "{%p for person in dialogue.participants if person.statement %}")
    para(doc, "Ý kiến của {{ person.full_name }}: {{ person.statement }}", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "III. Kết quả đối thoại", bold=True)
    para(doc, "{{ dialogue.result }}", indent=True)
    para(doc, "Những nội dung đã thống nhất: {{ dialogue.agreed_points }}", indent=True)
    para(doc, "Những nội dung còn ý kiến khác nhau: {{ dialogue.disputed_points }}", indent=True)
    tag(doc, "{%p for person in dialogue.participants if person.refusal_reason %}")
    para(doc, "{{ person.full_name }} không ký biên bản, lý do: {{ person.refusal_reason }}.", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "Biên bản được lập thành 03 bản, đã đọc lại cho những người tham gia đối thoại cùng nghe.", indent=True)
    signatures(doc, [("NGƯỜI GHI BIÊN BẢN", "(Ký, ghi rõ họ tên)", ""),
                     ("NGƯỜI CHỦ TRÌ ĐỐI THOẠI", "(Ký, ghi rõ họ tên)", "")])
    para(doc, "NHỮNG NGƯỜI THAM GIA ĐỐI THOẠI", bold=True, align=CENTER)
    para(doc, "(Ký hoặc điểm chỉ, ghi rõ họ tên)", italic=True, size=13, align=CENTER)


def verification_report(doc: DocxDocument) -> None:
    title(doc, "BÁO CÁO", "Kết quả xác minh nội dung khiếu nại")
    para(doc, "Kính gửi: {{ issuer.head }}", align=CENTER)
    para(doc, "Thực hiện Quyết định số {{ verifier.decision_number }} ngày {{ verifier.decision_date }} về việc xác minh "
         "nội dung khiếu nại, {{ verifier.unit }} báo cáo kết quả xác minh khiếu nại của " + COMPLAINANT
         + " đối với " + FIRST_DECISION + " như sau:", indent=True)
    para(doc, "1. Nội dung khiếu nại: {{ content }}", indent=True)
    para(doc, "2. Kết quả xác minh: {{ verification.findings }}", indent=True)
    tag(doc, "{%p for session in verification.work_sessions %}")
    para(doc, "- Ngày {{ session.date }}, làm việc với {{ session.with_whom }}: {{ session.content }}.", indent=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for item in verification.evidence %}")
    para(doc, "- Tài liệu, chứng cứ: {{ item.name }} ({{ item.source }}).", indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "3. Kết quả đối thoại: {{ dialogue.result }}", indent=True)
    para(doc, "4. Kết luận: {{ verification_report.conclusion }}. {{ verification_report.content }}", indent=True)
    para(doc, "5. Kiến nghị: {{ verification_report.recommendation }}.", indent=True)
    signature(doc)


def decision(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc giải quyết khiếu nại của {{ complainant.full_name }} (lần hai)")
    bases(doc)
    para(doc, "Căn cứ {{ decision.legal_basis }};", italic=True, indent=True)
    para(doc, "Xét đơn khiếu nại ngày {{ received_on }} của " + COMPLAINANT + ".", indent=True)
    para(doc, "I. Nội dung khiếu nại: {{ content }} Lý do: {{ reasons }} Yêu cầu: {{ request }}", indent=True)
    para(doc, "II. Kết quả giải quyết khiếu nại lần đầu: " + FIRST_DECISION + ".", indent=True)
    para(doc, "III. Kết quả xác minh: {{ verification.findings }} {{ verification_report.content }}", indent=True)
    para(doc, "IV. Kết quả đối thoại: {{ dialogue.result }}", indent=True)
    para(doc, "V. Kết luận: {{ decision.conclusion }}.", indent=True)
    para(doc, "Từ những nhận định và căn cứ trên,", indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. {{ decision.order }} " + FIRST_DECISION + ". {{ decision.content }}", indent=True)
    para(doc, "Điều 2. {% if decision.right_to_sue %}Trong thời hạn theo quy định của Luật Tố tụng hành chính, nếu "
         "không đồng ý với Quyết định này, {{ complainant.full_name }} có quyền khởi kiện vụ án hành chính tại "
         "Tòa án.{% else %}Quyết định này là quyết định giải quyết khiếu nại lần hai.{% endif %}", indent=True)
    para(doc, "Điều 3. Quyết định này có hiệu lực pháp luật theo Điều 44 Luật Khiếu nại. {{ respondent.name }}, "
         "{{ complainant.full_name }} và các cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành "
         "Quyết định này.", indent=True)
    signature(doc)


def termination(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc đình chỉ việc giải quyết khiếu nại")
    bases(doc)
    para(doc, "Xét đơn khiếu nại ngày {{ received_on }} của " + COMPLAINANT + " đối với " + FIRST_DECISION + ";",
         italic=True, indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Đình chỉ việc giải quyết khiếu nại của {{ complainant.full_name }}. Lý do: "
         "{{ termination.reason }}.", indent=True)
    para(doc, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. {{ complainant.full_name }} và các cơ quan, tổ chức, "
         "cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", indent=True)
    signature(doc)


def suspension(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc tạm đình chỉ việc giải quyết khiếu nại")
    bases(doc)
    para(doc, "Xét đơn khiếu nại ngày {{ received_on }} của " + COMPLAINANT + " đối với " + FIRST_DECISION + ";",
         italic=True, indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Tạm đình chỉ việc giải quyết khiếu nại của {{ complainant.full_name }}. Căn cứ tạm đình chỉ: "
         "{{ suspension.ground }}. Lý do: {{ suspension.reason }}", indent=True)
    para(doc, "Thời hạn giải quyết khiếu nại không tính thời gian tạm đình chỉ, kể từ ngày ban hành Quyết định này "
         "đến ngày ban hành quyết định tiếp tục giải quyết khiếu nại.", indent=True)
    para(doc, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. {{ complainant.full_name }} và các cơ quan, tổ chức, "
         "cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", indent=True)
    signature(doc)


def resumption(doc: DocxDocument) -> None:
    title(doc, "QUYẾT ĐỊNH", "Về việc tiếp tục giải quyết khiếu nại")
    bases(doc)
    para(doc, "Căn cứ Quyết định số {{ suspension.number }} ngày {{ suspension.issued_on }} về việc tạm đình chỉ việc "
         "giải quyết khiếu nại;", italic=True, indent=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, "Điều 1. Tiếp tục giải quyết khiếu nại của {{ complainant.full_name }} đối với " + FIRST_DECISION
         + ". Lý do: {{ resumption.reason }}", indent=True)
    para(doc, "Thời hạn giải quyết khiếu nại tiếp tục được tính từ ngày ban hành Quyết định này (khoản 2 Điều 28b "
         "Nghị định 124/2020/NĐ-CP).", indent=True)
    para(doc, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. {{ complainant.full_name }} và các cơ quan, tổ chức, "
         "cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", indent=True)
    signature(doc)


BODIES: dict[str, Callable[[DocxDocument], None]] = {
    "receipt": receipt,
    "acceptance_notice": acceptance_notice, "non_acceptance_notice": non_acceptance_notice,
    "verification_assignment": verification_assignment, "dialogue_minutes": dialogue_minutes,
    "verification_report": verification_report, "decision": decision, "termination": termination,
    "suspension": suspension, "resumption": resumption,
}


def main() -> None:
    build_all(HERE, BODIES)


if __name__ == "__main__":
    main()
