"""Hostile strings on the bureau's and the planner's pages, in Chromium: shown as text, never run.

A company whose name, note and park try every context a string can land in (HTML, attribute, JS
string, template literal — Folium's tooltips are template literals), a reviewer's reason and a
whitelist citation that do the same: the queue, the application with its map, the whitelist,
a batch proposal with its map, the conflicts report and the statistics show them literally, in
both languages, on a desktop and a phone, with no dialog, no injected element, no console error
and no request leaving the machine. The company's own pages are covered in
``test_company_journey``, the zone map's search and popups in ``test_zone_browser``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.browser import offline_page, overflow_px, sign_in
from tests.conftest import PASSWORD, bearer, make_user
from tests.test_bureau import _profile, _unit
from tests.test_company_journey import renamed_park

HOSTILE = (
    "${window.__pwned=1}</script><script>window.__pwned=2</script>"
    '<img src=x onerror="window.__pwned=3">\'"&`'
)
PWNED = "() => window.__pwned === undefined && document.querySelectorAll('img[src=x]').length == 0"


def _token(server: str, name: str) -> dict[str, str]:
    reply = httpx.post(f"{server}/api/token", data={"username": name, "password": PASSWORD})
    return bearer(reply.json()["access_token"])


@pytest.fixture
def hostile_case(server: str, engine: Engine) -> Iterator[dict[str, Any]]:
    """An open application from a hostile company in a hostile park, asked for more information
    with a hostile reason and answered in kind, in an area whose whitelist a hostile amendment
    changed."""
    unit, _free, area = _unit(engine, 200)
    company = make_user(engine, "company", company="企业" + HOSTILE)
    reviewer = make_user(engine, "reviewer")
    with engine.connect() as conn:
        sector = conn.execute(
            text("SELECT i.code FROM industries i WHERE NOT EXISTS (SELECT 1 FROM area_whitelist "
                 "w JOIN areas a ON a.id = w.area_id WHERE a.code = :a AND w.industry_code = "
                 "i.code) ORDER BY i.code LIMIT 1"), {"a": area},
        ).scalar_one()  # fmt: skip
    auth = _token(server, reviewer)
    amend = f"{server}/api/areas/{area}/whitelist/amendments"
    added = httpx.post(amend, headers=auth, json={
        "industry": sector, "action": "add", "reason": HOSTILE, "citation": HOSTILE,
        "is_lead": False})  # fmt: skip
    assert added.status_code == 201, added.text
    with renamed_park(engine, unit, "园区" + HOSTILE):
        filed = httpx.post(f"{server}/api/applications", headers=_token(server, company),
                           timeout=60, json={"unit_code": unit, "area_m2": 100,
                           "message": HOSTILE, "profile": _profile(100)})  # fmt: skip
        assert filed.status_code == 201, filed.text
        app_id = filed.json()["id"]
        asked = httpx.post(f"{server}/api/applications/{app_id}/request-info", headers=auth,
                           json={"reason": HOSTILE})  # fmt: skip
        assert asked.status_code == 200, asked.text
        answered = httpx.post(f"{server}/api/applications/{app_id}/respond", json={
            "reason": "答复" + HOSTILE}, headers=_token(server, company))  # fmt: skip
        assert answered.status_code == 200, answered.text  # open again: proposals include it
        try:
            yield {"id": app_id, "area": area, "reviewer": reviewer}
        finally:
            httpx.post(f"{server}/api/applications/{app_id}/withdraw", json={},
                       headers=_token(server, company))  # fmt: skip
            removed = httpx.post(amend, headers=auth, json={
                "industry": sector, "action": "remove", "reason": "测试结束", "citation": "测试",
                "is_lead": False})  # fmt: skip
            assert removed.status_code == 201, removed.text


def _visit(pg: Any, url: str, must_show: bool = True) -> None:
    pg.goto(url, wait_until="networkidle")
    pg.wait_for_timeout(150)  # let the maps' scripts run
    assert pg.evaluate(PWNED), url
    assert overflow_px(pg) <= 0, url  # a long hostile name wraps, it does not widen the page
    if must_show:
        assert HOSTILE in pg.inner_text("body"), url


@pytest.mark.parametrize(
    ("locale", "phone"), [("zh-CN", False), ("en", True)], ids=["zh-desktop", "en-phone"]
)
def test_hostile_strings_stay_text_on_the_bureaus_pages(
    browser: Any, server: str, engine: Engine, hostile_case: dict[str, Any], locale: str,
    phone: bool,
) -> None:  # fmt: skip
    pg = offline_page(browser, server, locale, phone=phone)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(pg, server, hostile_case["reviewer"], "/review")
    app_id, area = hostile_case["id"], hostile_case["area"]
    _visit(pg, f"{server}/review?status=")  # the queue: company and park names
    _visit(pg, f"{server}/review/{app_id}")  # the application, its note, trail and map
    tooltips = pg.evaluate(
        "() => [...document.querySelectorAll('iframe')].length"
        " + document.querySelectorAll('.leaflet-container').length"
    )
    assert tooltips >= 1, "the application's map drew"
    _visit(pg, f"{server}/review/whitelists/{area}")  # the amendment's reason and citation
    pg.goto(f"{server}/review/proposal", wait_until="networkidle")
    pg.click("#propose button")
    pg.wait_for_load_state("networkidle")
    assert pg.evaluate(PWNED)
    assert "企业" + HOSTILE in pg.inner_text("body")  # the proposal lists the company
    _visit(pg, f"{server}/data/conflicts", must_show=False)
    _visit(pg, f"{server}/stats", must_show=False)
    pg.wait_for_timeout(200)
    assert dialogs == [] and pg.errors == [] and pg.outside == []
    pg.context.close()


def test_folium_tooltips_keep_hostile_names_as_text(
    browser: Any, server: str, hostile_case: dict[str, Any]
) -> None:
    """Hovering the application's unit on its map shows the hostile park name as text."""
    pg = offline_page(browser, server, "zh-CN")
    sign_in(pg, server, hostile_case["reviewer"], f"/review/{hostile_case['id']}")
    pg.wait_for_load_state("networkidle")
    frame = next((f for f in pg.frames if f != pg.main_frame), pg.main_frame)
    markers = frame.locator(".leaflet-marker-icon, path.leaflet-interactive")
    assert markers.count() >= 1
    shown = []
    for i in range(min(markers.count(), 8)):
        markers.nth(i).hover(force=True)
        pg.wait_for_timeout(100)
        shown += frame.locator(".leaflet-tooltip").all_inner_texts()
    assert any(HOSTILE in t for t in shown), shown
    assert pg.evaluate(PWNED) and frame.evaluate(PWNED)
    assert pg.errors == [] and pg.outside == []
    pg.context.close()
