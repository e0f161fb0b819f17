"""A reviewer's day in Chromium, offline: a contested unit, a decision, a whitelist amendment,
the report — and the same desk on a phone.

Three companies apply for one unit → the queue shows the conflict → the reviewer approves one →
the others' pages show the area check now failing and that rival gone → the bureau removes a
sector from the area's whitelist → an affected open application is marked → the Excel export
holds the decisions. Zero console errors and zero requests leaving the machine throughout.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.browser import offline_page, overflow_px, shot, sign_in
from tests.conftest import PASSWORD, bearer, make_user
from tests.test_bureau import _profile
from tests.test_hardening import assert_consistent


def _contested_unit(engine: Engine, sector: str) -> tuple[str, float, str]:
    with engine.connect() as conn:
        code, free, area = conn.execute(
            text(
                "SELECT u.code, u.available_m2, a.code FROM space_units u "
                "JOIN parks p ON p.id = u.park_id JOIN areas a ON a.id = p.area_id "
                "WHERE u.available_m2 >= 300 AND spacemap_admits(p.id, :s) "
                "AND NOT EXISTS (SELECT 1 FROM applications x WHERE x.unit_id = u.id) "
                "ORDER BY u.available_m2 DESC, u.code LIMIT 1"
            ),
            {"s": sector},
        ).one()
    return code, float(free), area


def _file(server: str, engine: Engine, unit: str, area: float, sector: str) -> int:
    name = make_user(engine, "company")
    auth = bearer(httpx.post(f"{server}/api/token", data={"username": name, "password": PASSWORD})
                  .json()["access_token"])  # fmt: skip
    reply = httpx.post(
        f"{server}/api/applications",
        headers=auth,
        timeout=60,
        json={"unit_code": unit, "area_m2": area, "profile": _profile(area, sector)},
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def _checks(page: Any) -> dict[str, bool]:
    return {
        li.get_attribute("data-check"): li.get_attribute("data-passed") == "true"
        for li in page.locator("#checks li").all()
    }


def test_a_reviewer_resolves_a_contested_unit_and_amends_a_whitelist(
    browser: Any, server: str, engine: Engine
) -> None:
    sector = "ai"
    unit, free, area = _contested_unit(engine, sector)
    need = round(free / 2 + 1, 1)
    ids = [_file(server, engine, unit, need, sector) for _ in range(3)]
    reviewer = make_user(engine, "reviewer")
    page = offline_page(browser, server, "zh-CN")
    sign_in(page, server, reviewer, "/review")

    # The queue shows the conflict on each of the three rows.
    for app_id in ids:
        assert page.get_attribute(f"#queue tr[data-id='{app_id}'] td.conflicts",
                                  "data-rivals") == "2"  # fmt: skip
    shot(page, "bureau-1-queue-conflict")

    # Approve the first; it says so.
    page.goto(f"{server}/review/{ids[0]}", wait_until="networkidle")
    assert page.locator("#rivals tr[data-id]").count() == 2
    page.fill("#decision textarea[name=reason]", "材料齐全，符合片区定位")
    page.click("#decision button[value=approve]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("#status", "data-status") == "approved"
    shot(page, "bureau-2-approved")

    # The others now fail the area check, and the approved one is no longer a rival.
    page.goto(f"{server}/review/{ids[1]}", wait_until="networkidle")
    assert _checks(page)["area"] is False
    assert page.locator(f"#rivals tr[data-id='{ids[0]}']").count() == 0
    assert page.locator(f"#rivals tr[data-id='{ids[2]}']").count() == 1
    shot(page, "bureau-3-area-check-failing")

    # The bureau removes the sector from the area's whitelist, today.
    page.goto(f"{server}/review/whitelists/{area}", wait_until="networkidle")
    page.check("#amend input[value=remove]")
    page.select_option("#amend select[name=industry]", sector)
    page.fill("#amend textarea[name=reason]", "片区产业定位调整")
    page.fill("#amend input[name=citation]", "福田区科技创新局 2026 年第 1 号通知")
    page.fill("#amend input[name=effective_from]", dt.date.today().isoformat())
    page.click("#amend button")
    page.wait_for_load_state("networkidle")
    assert page.locator("#notice").count() == 1
    assert page.locator(f"#in-force li[data-sector='{sector}']").count() == 0
    shot(page, "bureau-4-whitelist-amended")

    # The open application it bears on is marked: its whitelist check fails, its trail says why.
    page.goto(f"{server}/review/{ids[2]}", wait_until="networkidle")
    assert _checks(page)["whitelist"] is False
    assert "正面清单变更" in page.inner_text("#trail")

    # Reject the other two (for the record), then the report holds every decision.
    for app_id in ids[1:]:
        page.goto(f"{server}/review/{app_id}", wait_until="networkidle")
        page.fill("#decision textarea[name=reason]", "空间已分配")
        page.click("#decision button[value=reject]")
        page.wait_for_load_state("networkidle")
    page.goto(f"{server}/review?status=", wait_until="networkidle")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book[book.sheetnames[0]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[ids[0]][10] == "已批准" and "符合片区定位" in rows[ids[0]][14]
    assert all(rows[i][10] == "已驳回" for i in ids[1:])
    assert page.outside == [] and page.errors == []
    page.context.close()

    # Put the sector back, so the rest of the suite sees the plan's list.
    auth = bearer(
        httpx.post(f"{server}/api/token", data={"username": reviewer, "password": PASSWORD}).json()[
            "access_token"
        ]
    )
    restored = httpx.post(f"{server}/api/areas/{area}/whitelist/amendments", headers=auth,
                          json={"industry": sector, "action": "add", "reason": "恢复",
                                "citation": "测试恢复", "is_lead": True})  # fmt: skip
    assert restored.status_code == 201, restored.text
    assert_consistent(engine)


def test_the_review_desk_fits_a_phone(browser: Any, server: str, engine: Engine) -> None:
    unit, _free, _area = _contested_unit(engine, "ai")
    _file(server, engine, unit, 150, "ai")
    page = offline_page(browser, server, "en", phone=True)
    sign_in(page, server, make_user(engine, "reviewer"), "/review?status=")
    assert page.locator("#queue tr[data-id]").count() >= 1
    assert overflow_px(page) <= 0
    assert page.locator("header form[action='/logout'] button").is_visible()
    shot(page, "bureau-phone-queue", full_page=True)
    first = page.get_attribute("#queue tr[data-id]", "data-id")
    page.goto(f"{server}/review/{first}", wait_until="networkidle")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)""")
    assert overflow_px(page) <= 0, wide
    page.goto(f"{server}/review?min_age_days=36000", wait_until="networkidle")  # none match
    empty = page.locator("#queue tbody td").first
    assert empty.evaluate("td => getComputedStyle(td, '::before').content") in ("none", "normal")
    for other in ("/review/whitelists", "/review/proposal", "/data/conflicts", "/stats"):
        page.goto(f"{server}{other}", wait_until="networkidle")
        assert overflow_px(page) <= 0, other
    assert page.outside == [] and page.errors == []
    page.context.close()
