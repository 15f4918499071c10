"""Every kind of JSON Schema error is one Vietnamese sentence on the most specific field, echoing nothing.

jsonschema's own words (``… should not be valid under {'anyOf': …}``, ``[{'name': …}] does not contain
items matching the given schema``) reached officers; here each keyword is checked through
``validate_form`` with a small deployable form, and the two real forms where officers met them.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from app.engine.form_bounds import FormRefused
from app.engine.forms import MAX_ERRORS, TOO_COMPLEX, compile_schema, validate_form
from tests import cases

FORMS = Path(__file__).resolve().parents[2] / "forms"
ENGLISH = re.compile(r"\b(should|valid|expected|does not|is not|not of type|required property|True|False|None|"
                     r"under any|matching|schema|dependency|unexpected|Additional)\b|\{'|\['|'\]")


def _form(properties: dict[str, Any], **rest: Any) -> Any:
    return compile_schema({"type": "object", "title": "Biểu mẫu thử", "properties": properties, **rest}, "thu.schema.json")


def _text(title: str, **rest: Any) -> dict[str, Any]:
    return {"type": "string", "title": title, "maxLength": 100, **rest}


def _real(name: str) -> Any:
    path = next(FORMS.glob(f"*/{name}.schema.json"))
    return compile_schema(json.loads(path.read_text(encoding="utf-8")), path.name)


def _plain(errors: dict[str, str]) -> dict[str, str]:
    """The errors, after checking that none speaks English or Python."""
    for path, message in errors.items():
        assert not ENGLISH.search(message), (path, message)
        assert message.endswith("."), (path, message)
    return errors


KIND = {"type": "string", "title": "Tư cách", "oneOf": [{"const": "complainant", "title": "Người khiếu nại"},
                                                       {"const": "other", "title": "Khác"}]}
RECIPIENTS = {"type": "array", "title": "Nơi nhận", "maxItems": 10,
              "items": {"type": "object", "title": "Nơi nhận", "properties": {"name": _text("Tên"), "kind": KIND}}}
WANTS_COMPLAINANT = {"properties": {"kind": {"const": "complainant"}}, "required": ["kind"]}

CASES: list[tuple[str, Any, Any, dict[str, str]]] = [
    ("type", _form({"n": {"type": "integer", "title": "Số người"}}), {"n": "ba"}, {"n": "«Số người» phải là số nguyên."}),
    ("format", _form({"d": {"type": "string", "format": "date", "title": "Ngày"}}), {"d": "hôm qua"},
     {"d": "«Ngày» phải là ngày hợp lệ từ năm 1990 đến năm 2100."}),
    ("minLength", _form({"s": _text("Số văn bản", minLength=1)}), {"s": ""}, {"s": "«Số văn bản» không được để trống."}),
    ("maxLength", _form({"s": _text("Số văn bản")}), {"s": "x" * 101}, {"s": "«Số văn bản» dài quá 100 ký tự."}),
    ("pattern", _form({"s": _text("Số CCCD", pattern="^[0-9]{12}$")}), {"s": "12"}, {"s": "«Số CCCD» không đúng định dạng."}),
    ("minimum", _form({"n": {"type": "integer", "title": "Số ngày", "minimum": 1}}), {"n": 0},
     {"n": "«Số ngày» phải lớn hơn hoặc bằng 1."}),
    ("exclusiveMaximum", _form({"n": {"type": "number", "title": "Tỷ lệ", "exclusiveMaximum": 1}}), {"n": 1},
     {"n": "«Tỷ lệ» phải nhỏ hơn 1."}),
    ("multipleOf", _form({"n": {"type": "integer", "title": "Số tờ", "multipleOf": 2}}), {"n": 3},
     {"n": "«Số tờ» phải là bội số của 2."}),
    ("minItems", _form({"r": {**RECIPIENTS, "minItems": 1}}), {"r": []}, {"r": "«Nơi nhận» cần ít nhất 1 mục."}),
    ("maxItems", _form({"r": {**RECIPIENTS, "maxItems": 1}}), {"r": [{}, {}]}, {"r": "«Nơi nhận» có tối đa 1 mục."}),
    ("uniqueItems", _form({"r": {**RECIPIENTS, "uniqueItems": True}}), {"r": [{}, {}]}, {"r": "«Nơi nhận» có mục trùng nhau."}),
    ("minProperties", _form({"o": {"type": "object", "title": "Hồ sơ", "minProperties": 1}}), {"o": {}},
     {"o": "«Hồ sơ» cần ít nhất 1 trường."}),
    ("maxProperties", _form({"o": {"type": "object", "title": "Hồ sơ", "maxProperties": 1}}), {"o": {"a": 1, "b": 2}},
     {"o": "«Hồ sơ» có tối đa 1 trường."}),
    ("propertyNames", _form({"o": {"type": "object", "title": "Hồ sơ", "propertyNames": {"maxLength": 2}}}),
     {"o": {"dài": 1}}, {"o": "«Hồ sơ» có tên trường không hợp lệ."}),
    ("enum", _form({"c": {"type": "string", "title": "Kết luận", "enum": ["a", "b"]}}), {"c": "z"},
     {"c": "«Kết luận» có giá trị không nằm trong danh sách cho phép."}),
    ("oneOf of choices", _form({"k": KIND}), {"k": "z"}, {"k": "«Tư cách» có giá trị không nằm trong danh sách cho phép."}),
    ("const", _form({"b": {"type": "boolean", "title": "Đã ký", "const": True}}), {"b": False}, {"b": "«Đã ký» phải là «có»."}),
    ("const of a choice", _form({"k": {**KIND, "const": "complainant"}}), {"k": "other"},
     {"k": "«Tư cách» phải là «Người khiếu nại»."}),
    ("const of an object", _form({"o": {"type": "object", "title": "Hồ sơ", "const": {"a": [1]}}}), {"o": {}},
     {"o": "«Hồ sơ» không đúng giá trị quy định."}),
    ("required", _form({"a": _text("Họ tên")}, required=["a"]), {}, {"a": "Chưa nhập «Họ tên»."}),
    ("dependentRequired", _form({"a": _text("Số quyết định"), "b": _text("Ngày ký")}, dependentRequired={"a": ["b"]}),
     {"a": "1"}, {"b": "Cần nhập «Ngày ký» khi đã nhập «Số quyết định»."}),
    ("additionalProperties", _form({"a": _text("Họ tên")}, additionalProperties=False), {"zz": 1},
     {"zz": "Trường «zz» không thuộc «Biểu mẫu»."}),
    ("unevaluatedProperties", _form({"a": _text("Họ tên")}, unevaluatedProperties=False), {"zz": 1},
     {"zz": "Trường «zz» không thuộc «Biểu mẫu»."}),
    ("false schema", _form({"a": False}), {"a": 1}, {"a": "«a» không được nhập."}),
    ("items beyond prefixItems", _form({"p": {"type": "array", "title": "Cặp", "maxItems": 5,
                                              "prefixItems": [{"type": "integer"}], "items": False}}),
     {"p": [1, 2]}, {"p": "«Cặp» có nhiều mục hơn biểu mẫu cho phép."}),
    ("not of required, under if/then",
     _form({"ok": {"type": "boolean", "title": "Thụ lý"}, "why": _text("Lý do không thụ lý")},
           allOf=[{"if": {"properties": {"ok": {"const": True}}, "required": ["ok"]},
                   "then": {"not": {"anyOf": [{"required": ["why"]}]}}}]),
     {"ok": True, "why": "x"}, {"why": "«Lý do không thụ lý» không được nhập khi «Thụ lý» là «có»."}),
    ("not with the analyst's own words",
     _form({"k": {**KIND, "not": {"const": "other", "description": "Không nhận «Khác» ở bước này."}}}), {"k": "other"},
     {"k": "«Tư cách»: Không nhận «Khác» ở bước này."}),
    ("not of a const", _form({"k": {**KIND, "not": {"const": "other"}}}), {"k": "other"},
     {"k": "«Tư cách» không được là «Khác»."}),
    ("not, otherwise", _form({"n": {"type": "integer", "title": "Số", "not": {"minimum": 5}}}), {"n": 7},
     {"n": "«Số» có giá trị không được phép."}),
    ("if/else const", _form({"ok": {"type": "boolean", "title": "Thụ lý"}, "n": _text("Số thông báo")},
                            allOf=[{"if": {"properties": {"ok": {"const": True}}},
                                    "else": {"properties": {"n": {"const": "-"}}}}]),
     {"ok": False, "n": "x"}, {"n": "«Số thông báo» phải là «-» khi «Thụ lý» không là «có»."}),
    ("anyOf of required", _form({"a": _text("Điện thoại"), "b": _text("Thư điện tử")},
                                anyOf=[{"required": ["a"]}, {"required": ["b"]}]),
     {}, {"_form": "Cần nhập ít nhất một trong: «Điện thoại», «Thư điện tử»."}),
    ("oneOf of required, both given", _form({"a": _text("Điện thoại"), "b": _text("Thư điện tử")},
                                            oneOf=[{"required": ["a"]}, {"required": ["b"]}]),
     {"a": "1", "b": "2"}, {"_form": "Chỉ được nhập một trong: «Điện thoại», «Thư điện tử»."}),
    ("oneOf, two branches fit", _form({"n": {"type": "integer", "title": "Số", "oneOf": [{"minimum": 1}, {"maximum": 9}]}}),
     {"n": 5}, {"n": "«Số» thỏa nhiều lựa chọn cùng lúc; chỉ được thỏa đúng một."}),
    ("anyOf, the closest branch explained",
     _form({"n": {"title": "Số", "anyOf": [{"type": "integer", "minimum": 10}, {"type": "string", "maxLength": 2}]}}),
     {"n": 3}, {"n": "«Số» phải lớn hơn hoặc bằng 10."}),
    ("contains, the choice named", _form({"r": {**RECIPIENTS, "contains": WANTS_COMPLAINANT}}),
     {"r": [{"name": "B", "kind": "other"}]}, {"r": "Danh sách «Nơi nhận» phải có «Người khiếu nại»."}),
    ("contains, its own title", _form({"r": {**RECIPIENTS, "contains": {**WANTS_COMPLAINANT, "title": "người nhận chính"}}}),
     {"r": [{"name": "B", "kind": "other"}]}, {"r": "Danh sách «Nơi nhận» phải có «người nhận chính»."}),
    ("contains, nothing to name", _form({"r": {**RECIPIENTS, "contains": {"required": ["name"]}}}),
     {"r": [{}]}, {"r": "Danh sách «Nơi nhận» thiếu một mục bắt buộc."}),
    ("minContains", _form({"r": {**RECIPIENTS, "contains": WANTS_COMPLAINANT, "minContains": 2}}),
     {"r": [{"kind": "complainant"}]}, {"r": "Danh sách «Nơi nhận» phải có ít nhất 2 mục «Người khiếu nại»."}),
    ("maxContains", _form({"r": {**RECIPIENTS, "contains": WANTS_COMPLAINANT, "maxContains": 1}}),
     {"r": [{"kind": "complainant"}, {"kind": "complainant"}]},
     {"r": "Danh sách «Nơi nhận» chỉ được có tối đa 1 mục «Người khiếu nại»."}),
]


@pytest.mark.parametrize(("kind", "validator", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_every_error_kind_is_one_vietnamese_sentence_on_its_field(kind: str, validator: Any, data: Any,
                                                                  expected: dict[str, str]) -> None:
    assert _plain(validate_form(validator, data)) == expected


def test_a_resolver_who_accepts_and_gives_a_rejection_reason_is_told_which_fields_to_clear() -> None:
    data = {**cases.acceptance(), "rejection_reason": "Không đủ điều kiện", "rejection_ground": 2}
    assert _plain(validate_form(_real("review_acceptance"), data)) == {
        "rejection_ground": "«Căn cứ không thụ lý» không được nhập khi «Thụ lý giải quyết» là «có».",
        "rejection_reason": "«Lý do không thụ lý» không được nhập khi «Thụ lý giải quyết» là «có».",
    }


def test_a_clerk_who_leaves_out_the_complainant_is_told_so_by_the_choice_s_own_label() -> None:
    data = cases.sending()
    data["sending"]["recipients"] = [r for r in data["sending"]["recipients"] if r["kind"] not in {"complainant", "respondent"}]
    assert _plain(validate_form(_real("send_decision"), data)) == {
        "sending.recipients": "Danh sách «Nơi nhận» phải có «Người khiếu nại». "
                              "Danh sách «Nơi nhận» phải có «Người bị khiếu nại».",
    }


def test_a_lone_surrogate_or_a_c1_or_bidi_control_is_a_field_error() -> None:
    form = _form({"a": _text("Nội dung"), "b": _text("Ghi chú"), "c": _text("Tên")})
    assert _plain(validate_form(form, {"a": "x\udfff", "b": "x\x85", "c": "a\u202eb"})) == {
        "a": "«Nội dung» chứa ký tự không hợp lệ (nửa cặp thay thế UTF-16, không phải ký tự Unicode).",
        "b": "«Ghi chú» chứa ký tự điều khiển không hợp lệ.",
        "c": "«Tên» chứa ký tự điều khiển không hợp lệ.",
    }
    assert validate_form(form, {"a": "dòng một\n\tdòng hai"}) == {}  # free text keeps tabs and line breaks


def test_errors_are_bounded_and_a_list_over_its_max_items_is_refused_before_anything_else() -> None:
    many = _form({f"f{i}": _text(f"Trường {i}") for i in range(200)}, required=[f"f{i}" for i in range(200)])
    errors = validate_form(many, {})
    assert len(errors) == MAX_ERRORS + 1 and "còn lỗi khác" in errors["_form"]
    started = time.thread_time()
    errors = validate_form(_real("register_petition"), cases.petition(excluded_days=[{}] * 40_000))
    assert errors == {"excluded_days": "«Thời gian trở ngại khách quan» có tối đa 50 mục."}
    assert time.thread_time() - started < 2


def _exponential(levels: int) -> dict[str, Any]:
    defs: dict[str, Any] = {f"a{i}": {"anyOf": [{"$ref": f"#/$defs/a{i + 1}"}, {"$ref": f"#/$defs/a{i + 1}"}]}
                            for i in range(levels)}
    defs[f"a{levels}"] = {"type": "integer"}
    return {"type": "object", "$defs": defs, "properties": {"x": {"$ref": "#/$defs/a0"}}}


@pytest.mark.parametrize("schema", [_exponential(26), {"type": "object", "allOf": [{"$ref": "#"}]}],
                         ids=["exponential anyOf", "self-reference"])
def test_a_form_deployed_before_the_bounds_answers_in_a_second_with_one_sentence(schema: dict[str, Any]) -> None:
    validator = compile_schema(schema, "cu.schema.json", check=False)  # as an old deployment is loaded
    started = time.thread_time()  # the work done, whatever else the machine is doing
    assert validate_form(validator, {"x": "s"}) == {"_form": TOO_COMPLEX}
    assert time.thread_time() - started < 3


BAD_FORMS: list[tuple[str, Any, str]] = [
    ("exponential anyOf through $defs", _exponential(26), "/$defs/a17/anyOf lồng quá 8 tầng"),
    ("self-reference", {"type": "object", "allOf": [{"$ref": "#"}]}, "tham chiếu tại /allOf/0/$ref tạo thành vòng lặp"),
    ("a recursive tree", {"type": "object", "properties": {"child": {"$ref": "#"}}}, "vòng lặp"),
    ("unknown format, no maxLength", {"type": "object", "properties": {"x": {"type": "string", "format": "anything"}}},
     "/properties/x cần «maxLength»"),
    ("list without maxItems", {"type": "object", "properties": {"x": {"type": "array"}}}, "/properties/x cần «maxItems»"),
    ("maxItems too large", {"type": "object", "properties": {"x": {"type": "array", "maxItems": 10**9}}}, "«maxItems»"),
    ("too many branches", {"type": "object", "properties": {"x": {"anyOf": [{"minimum": i} for i in range(100)]}}},
     "có 100 lựa chọn"),
    ("an anchor reference", {"type": "object", "properties": {"x": {"$ref": "#x"}}}, "đường dẫn trong tệp"),
    ("a chain of 2,000 references", {"type": "object", "properties": {"x": {"$ref": "#/$defs/d0"}}, "$defs": {
        **{f"d{i}": {"$ref": f"#/$defs/d{i + 1}"} for i in range(2000)}, "d2000": {"type": "integer"}}}, "quá sâu"),
    ("too many parts", {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(3500)}}, "quá nhiều phần"),
    ("not an object", [1], "phải là một đối tượng"),
]


@pytest.mark.parametrize(("kind", "schema", "named"), BAD_FORMS, ids=[b[0] for b in BAD_FORMS])
def test_deploy_refuses_a_form_that_would_hang_crash_or_take_anything(kind: str, schema: Any, named: str) -> None:
    started = time.thread_time()
    with pytest.raises(FormRefused, match=re.escape(named)) as refused:
        compile_schema(schema, "xau.schema.json")
    assert "xau.schema.json" in str(refused.value) and time.thread_time() - started < 2


def test_deploy_refuses_a_780_kb_schema_at_once() -> None:
    node = '{"type": "integer"}'
    for _ in range(15):
        node = '{"anyOf": [' + ", ".join([node] * 2) + "]}"
    schema = json.loads('{"type": "object", "properties": {"x": ' + node + "}}")
    started = time.thread_time()
    with pytest.raises(FormRefused, match="quá lớn"):
        compile_schema(schema, "lon.schema.json")
    assert time.thread_time() - started < 2  # was 8.3 s


def test_closed_choices_and_dates_need_no_max_length_and_every_form_of_ours_deploys() -> None:
    compile_schema({"type": "object", "properties": {"k": KIND, "d": {"type": "string", "format": "date"},
                                                     "e": {"type": "string", "enum": ["a"]}}}, "ok.schema.json")
    for path in sorted(FORMS.glob("*/*.schema.json")):
        compile_schema(json.loads(path.read_text(encoding="utf-8")), path.name)
