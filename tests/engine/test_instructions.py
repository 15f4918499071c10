"""A step's instructions: rendered as officers read them, and refused at deploy when they would not be."""

from __future__ import annotations

import pytest

from app.engine.instructions import InstructionsRefused, check_instructions, render_instructions
from app.errors import DiagramError
from app.services import deploy
from app.services.principal import Principal
from app.services.runtime import Runtime

ACCEPTANCE = ("Hạn khiếu nại: {{ filing_deadline }} ({% if filed_in_time %}đơn nộp trong hạn{% else %}đơn nộp "
              "**quá hạn**{% endif %}). Hạn thụ lý: **{{ acceptance_deadline }}**.")


def test_conditions_dates_and_bold_render_and_no_syntax_is_left() -> None:
    late = render_instructions(ACCEPTANCE, {"filing_deadline": "2021-03-19", "filed_in_time": False,
                                            "acceptance_deadline": "2021-03-03"})
    assert late == ("Hạn khiếu nại: 19/03/2021 (đơn nộp <strong>quá hạn</strong>). "
                    "Hạn thụ lý: <strong>03/03/2021</strong>.")
    in_time = render_instructions(ACCEPTANCE, {"filing_deadline": "2021-03-19", "filed_in_time": True,
                                               "acceptance_deadline": "2021-03-03"})
    assert "(đơn nộp trong hạn)" in in_time and "{%" not in in_time and "{{" not in in_time


def test_values_are_shown_as_officers_read_them_and_escaped() -> None:
    shown = render_instructions("{{ at }} · {{ yes }} · {{ missing.deep }} · {{ person.items }} · {{ people }} · "
                                "{{ text }} · <i>", {
                                    "at": "2021-03-30T08:30:00+07:00", "yes": True, "person": {"name": "A"},
                                    "people": ["Nguyễn Văn A", "Trần Thị B"], "text": "<script>alert(1)</script>"})
    assert shown == ("30/03/2021 08:30 · có ·  ·  · Nguyễn Văn A; Trần Thị B · "
                     "&lt;script&gt;alert(1)&lt;/script&gt; · &lt;i&gt;")
    assert "None" not in render_instructions("{{ nothing }}", {"nothing": None})


@pytest.mark.parametrize("text", [
    "{{ range(10) }}", "{{ x|upper }}", "{% for d in days %}{{ d }}{% endfor %}", "{{ x.__class__ }}", "{{ x[0] }}",
    "{% if %}", "{{ unclosed", "{% set a = 1 %}", "{% include 'x' %}", "{{ 'a' * 100000 }}", "{{ x" + "(" * 500,
])
def test_what_the_renderer_does_not_support_is_refused(text: str) -> None:
    with pytest.raises(InstructionsRefused):
        check_instructions(text)


def test_deploy_refuses_a_step_whose_instructions_would_show_syntax(rt: Runtime) -> None:
    pid = "complaint_second_level"
    bpmn = f"processes/{pid}/{pid}.bpmn"
    files = deploy.read_sources(rt.processes_dir, rt.forms_dir, pid)
    files[bpmn] = files[bpmn].replace("Hạn thụ lý: **{{ acceptance_deadline }}**",
                                      "Hạn thụ lý: **{{ acceptance_deadline|upper }}**", 1)
    with pytest.raises(DiagramError, match="review_acceptance"):
        deploy.deploy(rt, Principal(0, "analyst", "A", frozenset({"analyst"})), pid, files)


def test_a_value_typed_by_a_citizen_is_shown_literally_never_formatted() -> None:
    html = str(render_instructions("Người khiếu nại: **{{ c.name }}**, nội dung: {{ c.text }}",
                                   {"c": {"name": "Nguyễn **đậm**", "text": "a ** b **c** <i>x</i>"}}))
    assert html.count("<strong>") == 1  # the analyst's bold only
    assert html.startswith("Người khiếu nại: <strong>Nguyễn &#42;&#42;đậm&#42;&#42;</strong>"), html
    assert "a &#42;&#42; b &#42;&#42;c&#42;&#42; &lt;i&gt;x&lt;/i&gt;" in html, html
    assert str(render_instructions("{{ a }}{{ b }}", {"a": "*", "b": "*x**"})) == "&#42;&#42;x&#42;&#42;"
