"""The bureau's desk, in process: live checks, conflicts, the whitelist it maintains, reports.

Each test makes its own companies and picks units nobody applied for, so tests do not depend on
each other's order.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import ROOT, make_user, signed_in
from tests.test_hardening import assert_consistent

AJAX = {"X-Requested-With": "spacemap"}
PROFILE = json.loads((ROOT / "examples" / "ai-chip-startup.json").read_text(encoding="utf-8"))


def _profile(area: float, sector: str = "ai") -> dict:
    return {**PROFILE, "industry": sector, "secondary_industries": [], "required_features": [],
            "min_area_m2": area, "max_area_m2": area, "max_rent_cny_m2_month": 10_000}  # fmt: skip


def _unit(engine: Engine, free_at_least: float, sector: str = "ai") -> tuple[str, float, str]:
    """A unit nobody applied for that admits ``sector``: (code, free m², area code)."""
    with engine.connect() as conn:
        code, free, area = conn.execute(
            text(
                "SELECT u.code, u.available_m2, a.code FROM space_units u "
                "JOIN parks p ON p.id = u.park_id JOIN areas a ON a.id = p.area_id "
                "WHERE u.available_m2 >= :m AND spacemap_admits(p.id, :s) "
                "AND NOT EXISTS (SELECT 1 FROM applications x WHERE x.unit_id = u.id) "
                "ORDER BY u.available_m2, u.code LIMIT 1"
            ),
            {"m": free_at_least, "s": sector},
        ).one()
    return code, float(free), area


def _apply(app: object, engine: Engine, unit: str, area: float, sector: str = "ai") -> int:
    name = make_user(engine, "company")
    with signed_in(app, name) as c:
        reply = c.post(
            "/api/applications",
            headers=AJAX,
            json={"unit_code": unit, "area_m2": area, "profile": _profile(area, sector)},
        )
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


@pytest.fixture
def reviewer(app: object, engine: Engine):
    with signed_in(app, make_user(engine, "reviewer"), lang="en") as c:
        c.headers.update(AJAX)  # the pages' scripts' header: the API honours the cookie with it
        yield c
    assert_consistent(engine)


def _checks(page: str) -> dict[str, bool]:
    return {m[0]: m[1] == "true" for m in
            re.findall(r'data-check="(\w+)" data-passed="(true|false)"', page)}  # fmt: skip


# ---------------------------------------------------------------- the queue


def test_the_filter_with_empty_fields_filters_nothing(reviewer) -> None:
    reply = reviewer.get("/review", params={"area": "", "industry": "", "status": "",
                                            "min_age_days": ""})  # fmt: skip
    assert reply.status_code == 200 and 'id="queue"' in reply.text
    bad = reviewer.get("/review", params={"min_age_days": "NaN"})
    assert bad.status_code == 200 and "Waiting days must be a number" in bad.text


def test_a_page_error_is_a_page_in_the_readers_language(app: object, engine: Engine) -> None:
    with signed_in(app, make_user(engine, "planner"), lang="zh") as planner:
        refused = planner.get("/review", headers={"Accept": "text/html"})
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "此页面供其他类型的账户使用" in refused.text and 'id="page-error"' in refused.text
    with signed_in(app, make_user(engine, "reviewer"), lang="en") as r:
        missing = r.get("/review/2147483648")
        assert missing.status_code == 404 and "Application #2147483648 not found" in missing.text


def test_the_header_names_the_reviewer_and_the_role_without_nested_brackets(
    app: object, engine: Engine
) -> None:
    with signed_in(app, make_user(engine, "reviewer")) as c:  # zh, the default
        header = re.search(r'<span class="who">.*?</span></span>', c.get("/review").text).group(0)
    shown = html.unescape(re.sub(r"<[^>]+>", "", header))
    assert shown.endswith(" · 审核员（科技创新局）") and "）)" not in shown


def test_checks_are_live_and_conflicts_visible_on_queue_and_page(
    app: object, engine: Engine, reviewer
) -> None:
    unit, free, _area = _unit(engine, 300)
    need = round(free / 2 + 1, 1)  # two of these cannot both fit
    ids = [_apply(app, engine, unit, need) for _ in range(3)]
    queue = reviewer.get("/review").text
    for app_id in ids:
        row = re.search(rf'<tr data-id="{app_id}".*?</tr>', queue, re.S).group(0)
        assert 'data-rivals="2"' in row and "2 other companies want this unit" in row
    page = reviewer.get(f"/review/{ids[1]}").text
    assert all(f'<tr data-id="{i}">' in page for i in (ids[0], ids[2]))
    assert page.count('data-fits-after="false"') == 2  # approving it leaves neither room
    assert _checks(page)["area"] is True

    approved = reviewer.post(f"/review/{ids[0]}", data={"action": "approve", "reason": "ok"},
                             follow_redirects=False)  # fmt: skip
    assert approved.status_code == 303
    after = reviewer.get(f"/review/{ids[1]}").text
    assert _checks(after)["area"] is False  # evaluated on today's data, not at filing
    assert "changed since filing" in after
    # No score today, and the one it was filed with says so: a reviewer never reads one as the other
    assert "Not feasible for this company today" in after
    assert re.search(r'id="score-at-filing"[^>]*>Score at filing: \d+\.\d\.', after)
    assert "<th>Score at filing</th>" in reviewer.get("/review").text
    # The approved one holds its space: checked again, its own allocation is not held against it
    mine = reviewer.get(f"/review/{ids[0]}").text
    assert all(_checks(mine).values()) and "changed since filing" not in mine
    assert "Approved: the unit's space is allocated to this company" in mine
    api = reviewer.get(f"/api/applications/{ids[0]}").json()
    assert api["status"] == "approved" and all(c["passed"] for c in api["checks"])
    assert f'<tr data-id="{ids[0]}">' not in after  # approved: no longer a rival
    refused = reviewer.post(f"/review/{ids[1]}", data={"action": "approve", "reason": "ok"})
    assert refused.status_code == 200 and 'id="action-error"' in refused.text


def test_a_placed_company_is_flagged_on_its_other_applications(
    app: object, engine: Engine, reviewer
) -> None:
    name = make_user(engine, "company")
    ids = []
    with signed_in(app, name) as c:
        for _ in range(2):  # two units: the first applied for is no longer "nobody's"
            unit = _unit(engine, 200)[0]
            reply = c.post(
                "/api/applications",
                headers=AJAX,
                json={"unit_code": unit, "area_m2": 150, "profile": _profile(150)},
            )
            ids.append(reply.json()["id"])
    reviewer.post(f"/review/{ids[0]}", data={"action": "approve", "reason": "ok"})
    other = reviewer.get(f"/review/{ids[1]}").text
    assert 'id="placed"' in other and f"#{ids[0]}" in other
    row = re.search(rf'<tr data-id="{ids[1]}".*?</tr>', reviewer.get("/review").text, re.S)
    assert "placed" in row.group(0)


# ---------------------------------------------------------------- the whitelist


def test_the_bureau_amends_a_whitelist_and_open_applications_follow(
    app: object, engine: Engine, reviewer
) -> None:
    unit, _free, area = _unit(engine, 200)
    app_id = _apply(app, engine, unit, 150)
    before = reviewer.get(f"/api/areas/{area}/whitelist").json()
    assert any(s["industry"] == "ai" for s in before["in_force"])

    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    amend = {"action": "remove", "industry": "ai", "reason": "调整产业定位",
             "citation": "区科技创新局 2026 年第 1 号通知"}  # fmt: skip
    past = reviewer.post(f"/review/whitelists/{area}",
                         data={**amend, "effective_from": "2020-01-01"})  # fmt: skip
    assert past.status_code == 200 and "the past is not rewritten" in past.text
    future = reviewer.post(
        f"/review/whitelists/{area}",
        data={**amend, "effective_from": tomorrow},
        follow_redirects=False,
    )
    assert future.status_code == 303
    listed = reviewer.get(f"/api/areas/{area}/whitelist").json()
    assert listed["version"] == before["version"]  # not in force yet
    assert any(s["industry"] == "ai" for s in listed["in_force"])
    assert listed["amendments"][0]["in_force"] is False
    trail = reviewer.get(f"/api/applications/{app_id}/audit").json()
    assert trail[-1]["action"] == "whitelist_changed"  # marked the moment it was made
    assert _checks(reviewer.get(f"/review/{app_id}").text)["whitelist"] is True

    # Today: in force at once, and the application's check turns.
    now = reviewer.post(
        f"/review/whitelists/{area}",
        follow_redirects=False,
        data={**amend, "effective_from": dt.date.today().isoformat()},
    )
    assert now.status_code == 303
    listed = reviewer.get(f"/api/areas/{area}/whitelist").json()
    assert listed["version"] == before["version"] + 1
    assert not any(s["industry"] == "ai" for s in listed["in_force"])
    page = reviewer.get(f"/review/{app_id}").text
    assert _checks(page)["whitelist"] is False and "changed since filing" in page
    again = reviewer.post(
        f"/review/whitelists/{area}", data={**amend, "effective_from": dt.date.today().isoformat()}
    )
    assert "is not on this area's list then" in html.unescape(again.text)

    # Put it back (so other tests keep their feasible units), and decide under the new version.
    back = {**amend, "action": "add", "effective_from": dt.date.today().isoformat(),
            "reason": "恢复", "is_lead": ""}  # fmt: skip
    assert reviewer.post(f"/review/whitelists/{area}", data=back,
                         follow_redirects=False).status_code == 303  # fmt: skip
    reviewer.post(f"/review/{app_id}", data={"action": "reject", "reason": "材料不全"})
    decided = reviewer.get(f"/api/applications/{app_id}").json()
    assert decided["whitelist_version"] == before["version"] + 2
    with engine.connect() as conn:  # the matcher reads the list in force too
        admits = conn.execute(
            text("SELECT spacemap_area_admits(a.id, 'ai') FROM areas a WHERE a.code = :c"),
            {"c": area},
        ).scalar_one()
    assert admits is True


def test_only_reviewers_amend_whitelists(app: object, engine: Engine) -> None:
    with signed_in(app, make_user(engine, "planner")) as planner:
        reply = planner.post("/api/areas/hetao/whitelist/amendments", headers=AJAX,
                             json={"industry": "ai", "action": "remove", "reason": "x",
                                   "citation": "y"})  # fmt: skip
    assert reply.status_code == 403


# ---------------------------------------------------------------- reports


def test_the_export_holds_what_the_page_shows(app: object, engine: Engine, reviewer) -> None:
    unit, _free, _area = _unit(engine, 200)
    app_id = _apply(app, engine, unit, 150)
    reviewer.post(f"/review/{app_id}", data={"action": "reject", "reason": "不符合定位"})
    query = {"status": "rejected"}
    page = reviewer.get("/review", params=query).text
    shown = [int(i) for i in re.findall(r'<tr data-id="(\d+)"', page)]
    book = load_workbook(io.BytesIO(reviewer.get("/review/export.xlsx", params=query).content))
    sheet = book["Applications"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert [r[0] for r in rows[1:]] == shown
    mine = next(r for r in rows[1:] if r[0] == app_id)
    record = dict(zip(header, mine, strict=True))
    assert record["Decision reason"] == "不符合定位" and record["Status"] == "rejected"
    assert record["Reviewer"] and record["Decided"]
    assert "Free space by area" in book.sheetnames
    areas = list(book["Free space by area"].iter_rows(values_only=True))
    assert len(areas) == 1 + 8
    with engine.connect() as conn:
        total = conn.execute(text("SELECT sum(available_m2) FROM space_units")).scalar_one()
    assert sum(r[5] for r in areas[1:]) == pytest.approx(total, abs=1)
    raw = reviewer.get("/review/export.csv", params=query)
    assert raw.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert [int(r[0]) for r in table[1:]] == shown
