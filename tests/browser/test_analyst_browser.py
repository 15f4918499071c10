"""The analyst in the browser: open the deployed complaint diagram in the modeler, add a step, see lint mark it,
give it its form (previewed by the officers' renderer), lint clean, deploy the new version.

The step is added through the modeler's own API (``modeling.createShape`` and ``connect``), as a person
dragging from the palette would; everything after that goes through the page's own controls.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests import cases
from tests.browser.conftest import shot, sign_in
from tests.browser.test_no_codes_on_screen import _VISIBLE_TEXT, _api, _stored_values, raw_codes

pytestmark = pytest.mark.browser
PID = "complaint_second_level"
STEP = "confirm_guidance_sent"
FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Xác nhận đã gửi văn bản hướng dẫn",
        "type": "object", "additionalProperties": False, "required": ["sent_on"],
        "properties": {"sent_on": {"type": "string", "format": "date", "title": "Ngày gửi văn bản"},
                       "channel": {"type": "string", "title": "Cách gửi",
                                   "oneOf": [{"const": "post", "title": "Qua bưu điện"},
                                             {"const": "hand", "title": "Trao tận tay"}]}}}

# After the guidance step, a new user task: the guidance's outgoing flow now ends on it, and it goes on
# to where the flow went. Returns the new task's id (the modeler names it).
_ADD_STEP = """() => {
  const m = window.analystModeler;
  const registry = m.get("elementRegistry"), modeling = m.get("modeling");
  const guide = registry.get("guide_complainant");
  const flow = guide.outgoing[0], next = flow.target;
  const participant = registry.filter(e => e.type === "bpmn:Participant")[0];
  const task = modeling.createShape({ type: "bpmn:UserTask" },
                                    { x: guide.x + guide.width / 2 + 60, y: guide.y + guide.height + 50 }, participant);
  modeling.updateLabel(task, "Xác nhận đã gửi hướng dẫn");
  modeling.reconnectEnd(flow, task, { x: task.x, y: task.y + task.height / 2 });
  modeling.connect(task, next);
  return task.id;
}"""


def _codes(page: Page) -> list[str]:
    return raw_codes(page.evaluate(_VISIBLE_TEXT), _stored_values())


def _lint(page: Page) -> None:
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#analyst-status")).not_to_have_text(re.compile("Đang kiểm tra"), timeout=60_000)


def test_an_analyst_adds_a_step_with_its_form_lints_deploys_and_moves_a_running_case(page: Page, server: str) -> None:
    running = _api(server, "POST", f"/api/processes/{PID}/instances", "reception",
                   {"data": cases.petition(complainant={"full_name": "Đỗ Thị Chuyển", "address": "Xã Ia Ga",
                                                        "id_number": "064066000001"})})  # on version 1, to move later
    sign_in(page, server, "analyst")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Quy trình").click()
    expect(page.get_by_role("heading", name="Quy trình đã triển khai")).to_be_visible()
    shot(page, "analyst-processes")
    assert _codes(page) == []
    page.locator(f"#process-{PID}").get_by_role("link", name="Mở phiên bản 1").click()
    expect(page.locator("#modeler[data-ready=true]")).to_be_attached(timeout=30_000)
    expect(page.locator(".djs-palette")).to_be_visible()  # the modeler, with its palette, not the viewer
    shot(page, "analyst-version-opened", full_page=False)
    assert _codes(page) == []

    _lint(page)  # the stored diagram, saved back by the modeler, is clean: nothing lost on the way
    expect(page.locator("#analyst-status")).to_have_text("Không có lỗi nào: có thể triển khai.")

    new_id = page.evaluate(_ADD_STEP)
    _lint(page)
    expect(page.locator("#analyst-status")).to_contain_text("lỗi cần sửa")
    marked = page.locator(f'.djs-element.lint-error[data-element-id="{new_id}"]')
    expect(marked).to_be_attached()
    problem = page.locator(f'#problem-list li[data-element="{new_id}"]').first
    expect(problem).to_contain_text("biểu mẫu")
    expect(page.locator(".lint-note").first).to_be_visible()
    problem.locator("button").click()  # selects the element and shows its panel
    expect(page.locator("#element-panel")).to_be_visible()
    expect(page.locator("#el-kind")).to_have_text("bước do cán bộ thực hiện")
    expect(page.locator("#el-lane")).not_to_have_text("chưa nằm trong làn nào")
    shot(page, "analyst-lint-error", full_page=False)
    page.locator("#problems").screenshot(path=str(shot(page, "analyst-lint-list", full_page=False)))

    page.locator("#el-id").fill("Bước mới")  # an id the XML and the form's file name cannot carry
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.locator("#el-error")).to_contain_text("Mã phần tử chỉ gồm chữ thường không dấu")
    page.locator("#el-id").fill("review_acceptance")  # taken
    page.get_by_role("button", name="Áp dụng").click()
    expect(page.locator("#el-error")).to_have_text("Đã có phần tử mang mã này.")
    page.locator("#el-id").fill(STEP)
    page.get_by_role("button", name="Tạo biểu mẫu mới cho bước này").click()
    editor = page.locator(f"#editor-{STEP}")
    expect(editor).to_be_visible()
    expect(page.locator("#el-form")).to_have_value(f"{STEP}.schema.json")
    editor.locator("[data-role=schema]").fill("{ not json")
    expect(editor.locator(".form-preview .field-error")).to_contain_text("không phải JSON hợp lệ")
    editor.locator("[data-role=schema]").fill(json.dumps(FORM, ensure_ascii=False, indent=2))
    expect(editor.get_by_label("Ngày gửi văn bản")).to_be_visible()
    editor.locator("[data-role=ui]").fill(json.dumps({"channel": {"ui:widget": "radio"}}))
    expect(editor.get_by_label("Trao tận tay")).to_be_visible()
    editor.scroll_into_view_if_needed()
    editor.screenshot(path=str(shot(page, "analyst-form-preview", full_page=False)))

    _lint(page)
    expect(page.locator("#analyst-status")).to_have_text("Không có lỗi nào: có thể triển khai.")
    expect(page.locator(".djs-element.lint-error")).to_have_count(0)

    page.get_by_role("button", name="Triển khai phiên bản mới").click()
    page.wait_for_url(f"{server}/analyst/{PID}/2", timeout=60_000)
    expect(page.get_by_text("Đã triển khai phiên bản 2")).to_be_visible()
    expect(page.locator("#modeler[data-ready=true]")).to_be_attached(timeout=30_000)
    expect(page.locator(f'[data-element-id="{STEP}"]').first).to_be_attached()  # the new version opens with the step
    expect(page.locator(f"#editor-{STEP}")).to_be_attached()
    shot(page, "analyst-deployed", full_page=False)
    shot(page, "analyst-version-full")
    assert _codes(page) == []

    panel = page.locator("#migration-section")
    expect(panel).to_contain_text("Phiên bản 1:")
    panel.locator("li", has_text="Phiên bản 1:").get_by_role("button", name="Xem trước chuyển hồ sơ").click()
    case_id = running["id"]
    row = page.locator(f'tr[data-instance="{case_id}"]')
    expect(row).to_contain_text(running["case_number"])
    expect(row).to_contain_text("Có")
    shot(page, "analyst-migration-preview")
    assert _codes(page) == []
    page.get_by_role("button", name=re.compile("Chuyển các hồ sơ đủ điều kiện")).click()
    expect(page.locator("#migration-result")).to_contain_text("đã chuyển")
    expect(page.locator(f'#migration-result tr[data-instance="{case_id}"]')).to_contain_text("Có")
    shot(page, "analyst-migration-done")
    assert _codes(page) == []
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Quy trình").click()
    versions = page.locator(f"#process-{PID} tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("mới nhất")
    expect(versions.first).to_contain_text("Cán bộ phân tích quy trình")
    shot(page, "analyst-processes-after")


def test_a_refused_deploy_marks_the_problems_and_stores_nothing(page: Page, server: str) -> None:
    sign_in(page, server, "analyst")
    page.goto(f"{server}/analyst/{PID}/1")
    expect(page.locator("#modeler[data-ready=true]")).to_be_attached(timeout=30_000)
    new_id = page.evaluate(_ADD_STEP)
    page.get_by_role("button", name="Triển khai phiên bản mới").click()
    status = page.locator("#analyst-status")
    expect(status).to_have_text("Chưa triển khai: có 1 lỗi cần sửa (danh sách bên dưới).", timeout=60_000)
    expect(page.locator(f'.djs-element.lint-error[data-element-id="{new_id}"]')).to_be_attached()
    shot(page, "analyst-deploy-refused", full_page=False)
    assert _codes(page) == []
    assert page.url == f"{server}/analyst/{PID}/1"


def test_an_officer_gets_the_403_page(page: Page, server: str) -> None:
    sign_in(page, server, "resolver")
    assert page.get_by_role("link", name="Quy trình", exact=True).count() == 0
    response = page.goto(f"{server}/analyst")
    assert response is not None and response.status == 403
    expect(page.get_by_text("Chỉ cán bộ phân tích quy trình và quản trị mới xem được")).to_be_visible()


def test_a_form_added_by_name_is_previewed_and_a_broken_form_is_named_by_lint(page: Page, server: str) -> None:
    sign_in(page, server, "analyst")
    page.goto(f"{server}/analyst/{PID}/1")
    expect(page.locator("#modeler[data-ready=true]")).to_be_attached(timeout=30_000)
    page.get_by_label("Thêm biểu mẫu cho bước mới").fill("Bước mới")
    page.get_by_role("button", name="Thêm biểu mẫu", exact=True).click()
    expect(page.locator("#new-form-error")).to_contain_text("Mã bước chỉ gồm chữ thường không dấu")
    page.get_by_label("Thêm biểu mẫu cho bước mới").fill("buoc_moi")
    page.get_by_role("button", name="Thêm biểu mẫu", exact=True).click()
    editor = page.locator("#editor-buoc_moi")
    expect(editor.locator(".form-preview")).to_contain_text("Bước mới")
    editor.locator("[data-role=schema]").fill('{"type": "object", "properties": {"ghi_chu": {"type": "string"}}}')
    expect(editor.locator(".form-preview .field-error")).to_contain_text("maxLength")
    _lint(page)  # deploy's own check names the unbounded form's file
    problem = page.locator("#problem-list li", has_text="buoc_moi.schema.json").first
    expect(problem).to_be_visible()
    editor.evaluate("e => { e.open = false; }")
    problem.locator("button").click()  # a form's problem opens its editor
    expect(editor).to_have_attribute("open", "")
    shot(page, "analyst-form-problem", full_page=False)
