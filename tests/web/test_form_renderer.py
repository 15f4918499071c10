"""One renderer and one parser for every form: what a form shows, posted back, is the same JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from app.web import forms
from tests import cases
from tests.web.helpers import as_posted

FORMS = Path(__file__).resolve().parents[2] / "forms" / "complaint_second_level"


def _form(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = json.loads((FORMS / f"{name}.schema.json").read_text(encoding="utf-8"))
    ui_path = FORMS / f"{name}.uischema.json"
    return schema, json.loads(ui_path.read_text(encoding="utf-8")) if ui_path.exists() else {}


PAYLOADS = [("register_petition", cases.petition)] + [(step, payload) for step, _, payload in cases.RESOLVED_PATH] + [
    ("withdrawal", cases.withdrawal), ("issue_termination", cases.termination), ("guide_complainant", cases.guidance)]


@pytest.mark.parametrize(("form", "payload"), PAYLOADS, ids=[p[0] for p in PAYLOADS])
def test_every_case_a_form_survives_render_post_and_parse(form: str, payload: Any) -> None:
    schema, ui = _form(form)
    data = payload()
    posted = MultiDict(as_posted(forms.build(schema, ui, data, {})))
    assert forms.parse(schema, ui, posted) == data


def test_every_form_of_every_process_renders_each_field_with_a_label() -> None:
    for path in sorted(FORMS.parent.glob("*/*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        ui_path = path.with_name(path.name.replace(".schema.json", ".uischema.json"))
        ui = json.loads(ui_path.read_text(encoding="utf-8")) if ui_path.exists() else {}
        for field in forms.all_fields(forms.build(schema, ui, None, {})):
            assert field.label, (path.name, field.name)
            assert field.kind in {"text", "textarea", "date", "datetime", "integer", "number", "select", "radio", "yesno",
                                  "checkbox", "object", "array"}


def test_widgets_follow_schema_types_and_ui_schema() -> None:
    schema, ui = _form("record_dialogue")
    root = forms.build(schema, ui, cases.dialogue(), {})
    by_name = {f.name: f for f in forms.all_fields(root)}
    assert by_name["dialogue.held_on"].kind == "date"
    assert by_name["dialogue.content"].kind == "textarea"
    assert by_name["dialogue.participants"].kind == "array"
    assert by_name["dialogue.participants.0.role"].kind == "select"
    assert by_name["dialogue.participants.0.confirmation"].kind == "radio"
    assert by_name["dialogue.participants.0.present"].kind == "checkbox"
    template = by_name["dialogue.participants"].template
    assert template is not None and template.children[0].name == "dialogue.participants.__INDEX0__.full_name"
    review, review_ui = _form("review_acceptance")
    fields = {f.name: f for f in forms.all_fields(forms.build(review, review_ui, None, {}))}
    assert fields["accepted"].kind == "yesno"
    assert fields["rejection_ground"].options[0][0] == "1"
    assert fields["complex_case"].value is False  # the schema's default


def test_posted_indexed_names_become_typed_json_without_javascript() -> None:
    schema, ui = _form("review_acceptance")
    posted = MultiDict([("accepted", "false"), ("rejection_ground", "5"), ("rejection_reason", " Đơn không ký "),
                        ("eligibility.directly_affected", "on"), ("non_acceptance_notice.number", "46/TB-UBND"),
                        ("non_acceptance_notice.issued_on", "2021-03-01"), ("acceptance_notice.number", ""),
                        ("unknown_field", "ignored")])
    data = forms.parse(schema, ui, posted)
    assert data["accepted"] is False and data["rejection_ground"] == 5
    assert data["rejection_reason"] == "Đơn không ký"
    assert data["eligibility"]["directly_affected"] is True and data["eligibility"]["no_court_case"] is False
    assert "acceptance_notice" not in data and "unknown_field" not in data and data["complex_case"] is False


def test_blank_and_removed_rows_are_dropped_and_numbering_closes_up() -> None:
    schema, ui = _form("send_decision")
    posted = MultiDict([("sending.sent_on", "2021-04-16"),
                        ("sending.recipients.0.name", "Nguyễn Văn A"), ("sending.recipients.0.kind", "complainant"),
                        ("sending.recipients.3.name", "UBND huyện"), ("sending.recipients.3.method", "post"),
                        ("sending.recipients.7.name", ""), ("sending.recipients.7.kind", "")])
    recipients = forms.parse(schema, ui, posted)["sending"]["recipients"]
    assert recipients == [{"name": "Nguyễn Văn A", "kind": "complainant"}, {"name": "UBND huyện", "method": "post"}]


def test_what_cannot_be_typed_is_kept_for_the_validator_and_the_page() -> None:
    schema, ui = _form("register_petition")
    data = forms.parse(schema, ui, MultiDict([("complainant_count", "năm"), ("submitted_to", "somewhere")]))
    assert data["complainant_count"] == "năm" and data["submitted_to"] == "somewhere"
    field = {f.name: f for f in forms.all_fields(forms.build(schema, ui, data, {}))}["complainant_count"]
    assert field.text == "năm"


def test_errors_land_on_their_fields_and_in_the_summary() -> None:
    schema, ui = _form("record_dialogue")
    errors = {"dialogue.participants.2.refusal_reason": "Chưa nhập «Lý do không ký».", "_form": "Biểu mẫu sai."}
    root = forms.build(schema, ui, cases.dialogue(), errors)
    field = {f.name: f for f in forms.all_fields(root)}["dialogue.participants.2.refusal_reason"]
    assert field.error == "Chưa nhập «Lý do không ký»." and field.id == "f-dialogue-participants-2-refusal_reason"
    summary = forms.error_list(root, errors)
    assert ("f-dialogue-participants-2-refusal_reason", "Lý do không ký", "Chưa nhập «Lý do không ký».") in summary
    assert ("f-form", "Biên bản đối thoại", "Biểu mẫu sai.") in summary


def test_a_moment_is_typed_in_vietnam_time_and_stored_with_its_offset() -> None:
    schema = {"type": "object", "properties": {"at": {"type": "string", "title": "Thời điểm", "format": "date-time"}}}
    (field,) = forms.build(schema, {}, {"at": "2021-03-30T01:30:00Z"}, {}).children
    assert (field.kind, field.text) == ("datetime", "30/03/2021 08:30")  # as officers type it, Vietnam time
    assert forms.parse(schema, {}, MultiDict([("at", "2021-03-30T08:30")])) == {"at": "2021-03-30T08:30:00+07:00"}
    assert forms.parse(schema, {}, MultiDict([("at", "30/03 8h30")])) == {"at": "30/03 8h30"}  # kept for the page


@pytest.mark.parametrize(("typed", "stored"), [
    ("17/02/2021", "2021-02-17"), ("1/2/2021", "2021-02-01"), ("29.02.2024", "2024-02-29"), ("05-03-2021", "2021-03-05"),
    ("2021-02-17", "2021-02-17"),  # ISO, as a script or a paste gives it
    ("29/02/2021", "29/02/2021"), ("31/04/2021", "31/04/2021"), ("17/2/21", "17/2/21"), ("2/17/2021", "2/17/2021"),
])
def test_a_day_is_typed_in_the_vietnamese_order_and_a_wrong_one_is_kept_for_the_page(typed: str, stored: str) -> None:
    schema = {"type": "object", "properties": {"on": {"type": "string", "title": "Ngày", "format": "date"}}}
    assert forms.parse(schema, {}, MultiDict([("on", typed)])) == {"on": stored}
    (field,) = forms.build(schema, {}, {"on": "2021-02-17"}, {}).children
    assert (field.kind, field.text) == ("date", "17/02/2021")


def test_a_moment_typed_in_the_vietnamese_order_is_stored_in_vietnam_time() -> None:
    schema = {"type": "object", "properties": {"at": {"type": "string", "title": "Thời điểm", "format": "date-time"}}}
    assert forms.parse(schema, {}, MultiDict([("at", "30/03/2021 08:30")])) == {"at": "2021-03-30T08:30:00+07:00"}
    assert forms.parse(schema, {}, MultiDict([("at", "31/03/2021 24:30")])) == {"at": "31/03/2021 24:30"}
