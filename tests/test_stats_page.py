"""The statistics page: who may see it, and every figure equal to SQL written independently here.

Applications are filed, approved and rejected through the API first, so the time series and the
time to decision have something to show; the comparisons hold for whatever else the suite has
written, since both sides read the same database at the same moment.
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics as pystats
from collections import defaultdict
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import Engine, text

from spacemap.database import session_scope
from tests.conftest import PASSWORD, ROOT, browser_client, make_user, signed_in

PROFILE = json.loads(Path(ROOT / "examples" / "ai-chip-startup.json").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def _token(client, username: str) -> dict[str, str]:
    reply = client.post("/api/token", data={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture(scope="module")
def decided(app, engine: Engine) -> list[int]:
    """Three applications: one approved, one rejected, one pending."""
    client = browser_client(app)
    sites = client.post("/api/match?limit=10&near_misses=0", json=PROFILE).json()["sites"]
    reviewer = _token(client, make_user(engine, "reviewer"))
    ids = []
    for site, action in zip(sites[:3], ("approve", "reject", None), strict=True):
        company = _token(client, make_user(engine, "company"))
        body = {
            "unit_code": site["unit_code"],
            "area_m2": PROFILE["min_area_m2"],
            "profile": PROFILE,
        }
        filed = client.post("/api/applications", json=body, headers=company)
        assert filed.status_code == 201, filed.text
        ids.append(filed.json()["id"])
        if action:
            done = client.post(f"/api/applications/{ids[-1]}/{action}",
                               json={"reason": "test"}, headers=reviewer)  # fmt: skip
            assert done.status_code == 200, done.text
    return ids


def tables(html: str) -> dict[str, list[dict[str, str]]]:
    """Each figure's table as rows of data-key → data-value."""
    doc = lxml.html.fromstring(html)
    out = {}
    for table in doc.xpath('//table[contains(@class, "stats-table")]'):
        out[table.get("data-figure")] = [
            {td.get("data-key"): td.get("data-value") for td in tr.xpath("./td[@data-key]")}
            for tr in table.xpath("./tbody/tr")
            if tr.xpath("./td[@data-key]")
        ]
    return out


def num(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)


@pytest.fixture(scope="module")
def page(app, engine: Engine, decided: list[int]) -> dict:
    client = signed_in(app, make_user(engine, "planner"), lang="zh")
    reply = client.get("/stats")
    assert reply.status_code == 200, reply.text
    return {"html": reply.text, "tables": tables(reply.text), "client": client}


def test_only_planners_reviewers_and_admins_see_statistics(app, engine: Engine) -> None:
    anonymous = browser_client(app).get("/stats", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    company = signed_in(app, make_user(engine, "company"))
    assert company.get("/stats").status_code == 403
    assert company.get("/stats/occupancy.csv").status_code == 403
    for role in ("planner", "reviewer", "admin"):
        assert signed_in(app, make_user(engine, role)).get("/stats").status_code == 200, role


def test_floor_space_and_occupancy_equal_independent_sql(page: dict, engine: Engine) -> None:
    with session_scope(engine) as s:
        raw = s.execute(text(
            "SELECT a.name_zh, u.capacity_m2, u.available_m2, u.is_low_cost FROM space_units u "
            "JOIN parks p ON p.id = u.park_id JOIN areas a ON a.id = p.area_id")).all()  # fmt: skip
        names = [r[0] for r in s.execute(text("SELECT name_zh FROM areas"))]
    expected = {n: defaultdict(float) for n in names}
    for area, cap, free, low in raw:
        e = expected[area]
        e["capacity_m2"] += cap
        e["free_m2"] += free
        e["let_m2"] += cap - free
        e["low_cost_m2"] += cap if low else 0
        e["low_cost_free_m2"] += free if low else 0
    rows = {r["area"]: r for r in page["tables"]["floor-space-areas"]}
    assert set(rows) == set(names)
    for area, e in expected.items():
        for key in ("capacity_m2", "free_m2", "let_m2", "low_cost_m2", "low_cost_free_m2"):
            assert num(rows[area][key]) == pytest.approx(e[key], abs=0.1), (area, key)
    occupancy = {r["area"]: num(r["occupancy_pct"]) for r in page["tables"]["occupancy"]}
    for area, e in expected.items():
        if e["capacity_m2"] == 0:
            assert occupancy[area] is None, "no data, not 0 %"
        else:
            assert occupancy[area] == pytest.approx(100 * e["let_m2"] / e["capacity_m2"], abs=0.05)
    assert any(v is None for v in occupancy.values()), "安托山 has no space recorded"
    zones = page["tables"]["floor-space-zones"]
    assert sum(num(z["capacity_m2"]) for z in zones) == pytest.approx(
        sum(e["capacity_m2"] for e in expected.values()), abs=0.5
    )


def test_applications_over_time_and_time_to_decision_equal_sql(page: dict, engine: Engine) -> None:
    with session_scope(engine) as s:
        apps = s.execute(text(
            "SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), "
            "to_char(decided_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), status, "
            "extract(epoch FROM decided_at - created_at) FROM applications")).all()  # fmt: skip
    filed, approved, rejected, days = (defaultdict(int), defaultdict(int), defaultdict(int),
                                       defaultdict(list))  # fmt: skip
    for created, decided_month, status, seconds in apps:
        filed[created] += 1
        if decided_month and status == "approved":
            approved[decided_month] += 1
        if decided_month and status == "rejected":
            rejected[decided_month] += 1
        if decided_month and status in ("approved", "rejected"):
            days[decided_month].append(float(seconds) / 86400)
    rows = {r["month"]: r for r in page["tables"]["applications"]}
    assert set(rows) == set(filed) | set(approved) | set(rejected)
    for month, r in rows.items():
        assert (int(r["filed"]), int(r["approved"]), int(r["rejected"])) == (
            filed[month], approved[month], rejected[month])  # fmt: skip
    assert sum(approved.values()) >= 1 and sum(rejected.values()) >= 1
    decisions = {r["month"]: r for r in page["tables"]["time-to-decision"]}
    assert set(decisions) == set(days)
    for month, values in days.items():
        assert int(decisions[month]["decided"]) == len(values)
        assert num(decisions[month]["median_days"]) == pytest.approx(
            pystats.median(values), abs=0.01)  # fmt: skip


def test_placements_against_whitelists_equal_sql(page: dict, engine: Engine) -> None:
    with session_scope(engine) as s:
        listed = {tuple(r) for r in s.execute(text(
            "SELECT a.name_zh, w.industry_code FROM area_whitelist w "
            "JOIN areas a ON a.id = w.area_id"))}  # fmt: skip
        approved = s.execute(text(
            "SELECT a.name_zh, ap.industry_code FROM applications ap JOIN space_units u "
            "ON u.id = ap.unit_id JOIN parks p ON p.id = u.park_id JOIN areas a "
            "ON a.id = p.area_id WHERE ap.status = 'approved'")).all()  # fmt: skip
        tenants = s.execute(text(
            "SELECT a.name_zh, t.industry_code FROM tenants t JOIN parks p ON p.id = t.park_id "
            "JOIN areas a ON a.id = p.area_id")).all()  # fmt: skip
    rows = {r["area"]: r for r in page["tables"]["whitelist-fit"]}
    for kind, placed in (("approved", approved), ("tenants", tenants)):
        total, on = defaultdict(int), defaultdict(int)
        for area, sector in placed:
            total[area] += 1
            on[area] += (area, sector) in listed
        for area, r in rows.items():
            assert int(r[kind]) == total[area], (kind, area)
            assert int(r[f"{kind}_on_list"]) == on[area], (kind, area)
            share = num(r[f"{kind}_pct"])
            assert share == (None if not total[area] else pytest.approx(
                100 * on[area] / total[area], abs=0.05))  # fmt: skip


def test_every_figure_has_a_chart_a_table_and_a_matching_csv(page: dict) -> None:
    doc = lxml.html.fromstring(page["html"])
    blocks = doc.xpath('//section[contains(@class, "chart-block")]')
    assert len(blocks) == 7
    for block in blocks:
        key = block.get("data-figure")
        assert block.xpath('.//*[local-name()="svg"]'), key
        assert not block.xpath('.//*[local-name()="svg"]//*[local-name()="script"]'), key
        reply = page["client"].get(f"/stats/{key}.csv")
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
        body = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
        table = page["tables"][key]
        assert len(body) == 1 + len(table), key
        header = [th.text_content() for th in block.xpath(".//thead//th")]
        assert body[0] == header
    targets = page["tables"]["targets"]
    assert any(r["value"] == "1500000" or num(r["value"]) == 1_500_000 for r in targets)


def test_the_page_speaks_one_language(app, engine: Engine, decided: list[int]) -> None:
    client = signed_in(app, make_user(engine, "planner"), lang="en")
    html = client.get("/stats").text
    doc = lxml.html.fromstring(html)
    for h2 in doc.xpath('//section//h2 | //thead//th | //*[contains(@class, "note")]'):
        assert not CJK.search(h2.text_content()), h2.text_content()
    assert "Occupancy by area" in html and "no data" in html
