"""What officers read about dates: the calendar's unconfirmed days with their source, and the case page's counting rules."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.clock import FrozenClock
from app.engine.deadlines import CONTINUATION_RULE, deadline_basis
from app.services import calendar
from app.services.casefile import continuation_rule, deadline_rows
from app.services.runtime import Runtime
from tests import cases
from tests.conftest import vn
from tests.web.helpers import sign_in, start_case

UNVERIFIED_MARK = "[chưa kiểm chứng]"


def _petition_around_24_november() -> dict[str, object]:
    first = {**cases.petition()["first_decision"], "issued_on": "2026-10-28", "received_on": "2026-11-02"}
    return {"received_on": "2026-11-20", "first_decision": first}


def test_the_calendar_page_shows_24_november_and_2027_as_awaiting_an_official_text_with_their_source(
        client: FlaskClient) -> None:
    sign_in(client, "clerk")
    page = client.get("/calendar?year=2026").get_data(as_text=True)
    row = page.split('id="day-2026-11-24"', 1)[1].split("</tr>", 1)[0]
    assert "Ngày Văn hóa Việt Nam" in row and "Thứ Ba" in row and "Ngày nghỉ" in row
    assert "Nguồn: Gói holidays 0.109" in row and "80-NQ/TW" in row and "; chờ văn bản chính thức" in row
    announced = page.split('id="day-2026-02-17"', 1)[1].split("</tr>", 1)[0]
    assert "Tết Nguyên Đán" in announced and "chờ văn bản chính thức" not in announced
    assert 'href="/calendar"' in page and 'aria-current="page">Lịch ngày nghỉ' in page
    year_2027 = client.get("/calendar?year=2027").get_data(as_text=True)
    tet = year_2027.split('id="day-2027-02-10"', 1)[1].split("</tr>", 1)[0]
    assert "Mùng năm Tết Nguyên Đán" in tet and "chờ văn bản chính thức" in tet
    assert "15 ngày dưới đây là lịch ước tính" in year_2027
    for text in (page, year_2027):
        assert UNVERIFIED_MARK not in text and "chưa kiểm chứng" not in text


def test_the_calendar_page_follows_an_administrators_decision(client: FlaskClient, rt: Runtime) -> None:
    calendar.set_working_day(rt, "admin", vn(2026, 11, 24).date(), "Không có văn bản nghỉ lễ", "Công văn 3/UBND")
    sign_in(client, "reception")
    page = client.get("/calendar?year=2026").get_data(as_text=True)
    row = page.split('id="day-2026-11-24"', 1)[1].split("</tr>", 1)[0]
    assert "Ngày làm việc" in row and "Nguồn: Công văn 3/UBND" in row and "chờ văn bản" not in row
    assert client.get("/calendar?year=99999").status_code == 200  # out of range: this year instead
    assert 'id="day-2021-02-12"' in client.get("/calendar?year=1800").get_data(as_text=True)


def test_a_2026_case_page_shows_the_continuation_rule_the_basis_of_each_deadline_and_the_pending_24_november(
        client: FlaskClient, rt: Runtime, clock: FrozenClock) -> None:
    clock.set(vn(2026, 11, 20))
    instance_id = start_case(rt, **_petition_around_24_november())
    sign_in(client, "resolver")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert f'<p id="continuation-rule" class="basis">{CONTINUATION_RULE}</p>' in page
    basis = deadline_basis("2026-07")
    for key in ("filing_deadline", "acceptance_deadline"):
        assert f"Căn cứ: {basis[key]['basis']}" in page, key
    assert "Hạn thụ lý</strong>: 02/12/2026" in page  # 7 working days, Tue 24/11 not counted
    pending = page.split('id="calendar-pending"', 1)[1].split("</ul>", 1)[0]
    assert "24/11/2026: Ngày Văn hóa Việt Nam" in pending and "; chờ văn bản chính thức" in pending
    assert UNVERIFIED_MARK not in page and "chưa kiểm chứng" not in page


def test_a_2021_case_that_cannot_be_suspended_shows_no_continuation_rule(client: FlaskClient, rt: Runtime) -> None:
    instance_id = start_case(rt)
    sign_in(client, "resolver")
    page = client.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert 'id="continuation-rule"' not in page and "calendar-pending" not in page
    assert f"Căn cứ: {deadline_basis('2021')['acceptance_deadline']['basis']}" in page
    assert UNVERIFIED_MARK not in page


def test_the_continuation_rule_is_shown_where_the_case_was_or_may_be_suspended() -> None:
    before, after = vn(2021, 3, 1).date(), vn(2026, 8, 3).date()
    assert continuation_rule({"regime": "2026-07"}, running=False, today=after) == CONTINUATION_RULE
    assert continuation_rule({"regime": "2021", "suspension": {"issued_on": "2026-07-20"}}, False, after) \
        == CONTINUATION_RULE
    assert continuation_rule({"regime": "2021"}, running=True, today=after) == CONTINUATION_RULE  # the act's date
    assert continuation_rule({"regime": "2021"}, running=True, today=before) is None
    assert continuation_rule({"regime": "2021", "suspended": False}, running=False, today=after) is None


def test_a_deadline_only_the_2026_law_has_shows_that_laws_basis_on_a_2021_case() -> None:
    rows = {row.key: row for row in deadline_rows(
        {"regime": "2021", "acceptance_deadline": "2021-03-03", "suspension_notice_deadline": "2026-07-23"},
        vn(2026, 7, 20).date())}
    assert rows["acceptance_deadline"].basis == deadline_basis("2021")["acceptance_deadline"]["basis"]
    assert rows["suspension_notice_deadline"].basis == deadline_basis("2026-07")["suspension_notice_deadline"]["basis"]
    assert rows["suspension_notice_deadline"].rule == "3 ngày làm việc"
