"""The three pages, used as a person would, in Debian's chromium with the network blocked.

Every request that does not go to the spacemap server is aborted and recorded: the pages must
work with the cable pulled. Screenshots of each step go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser import offline_page, shot, sign_in
from tests.conftest import PASSWORD

LAYER_COUNTS = """() => {
  const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])
    .find(v => v instanceof L.Map);
  let polygons = 0, circles = 0, markers = 0;
  map.eachLayer(l => {
    if (l instanceof L.Polygon) polygons++;
    else if (l instanceof L.CircleMarker) circles++;
    else if (l instanceof L.Marker) markers++;
  });
  return {polygons, circles, markers};
}"""


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    pg = offline_page(browser, server, "zh-CN", expected=(403,))
    yield pg
    pg.context.close()


def test_zone_map_draws_offline(page: Any, server: str) -> None:
    page.goto(f"{server}/", wait_until="networkidle")
    counts = page.evaluate(LAYER_COUNTS)
    assert counts["polygons"] >= 1 + 3 + 8  # Futian, the axis and wings, the eight areas
    assert counts["circles"] >= 29  # every park
    assert page.outside == [] and page.errors == []
    assert page.locator(".spacemap-legend").count() >= 2
    page.fill(".leaflet-control-search input", "金融科技")
    page.dispatch_event(".leaflet-control-search input", "keyup")
    page.wait_for_selector(".leaflet-control-search .search-tip")
    assert "国际金融科技城" in page.inner_text(".leaflet-control-search .search-tooltip")
    shot(page, "1-zone-map")


UNIT_TOOLTIPS = """() => Object.keys(window).map(k => window[k])
  .filter(v => v instanceof L.MarkerClusterGroup)
  .flatMap(g => g.getLayers().map(l => l.getTooltip().getContent()))"""


def _unit_available_on_map(page: Any, server: str, unit: str) -> float:
    """What the zone map's unit layer says is free in ``unit`` (its marker's tooltip)."""
    page.goto(f"{server}/map", wait_until="networkidle")
    tips = [t for t in page.evaluate(UNIT_TOOLTIPS) if t.startswith(f"{unit} ")]
    assert len(tips) == 1, f"{unit} not on the map"
    return float(re.search(r" · (\d+) m²", tips[0]).group(1))


def search_as_chip_startup(page: Any) -> None:
    """Fill the search form the way an IC start-up near the HK border would, and submit."""
    page.fill("input[name=name]", "芯算智能（合成）")
    page.select_option("select[name=industry]", "ic")
    page.fill("input[name=min_area_m2]", "120")
    page.fill("input[name=max_area_m2]", "300")
    page.fill("input[name=max_rent_cny_m2_month]", "160")
    page.check("input[name=near_hk_border]")
    page.click("#search-button")
    page.wait_for_load_state("networkidle")


def test_company_searches_applies_and_the_reviewer_approves(
    page: Any, server: str, accounts: dict
) -> None:
    sign_in(page, server, "acme", "/search")
    search_as_chip_startup(page)
    sites = page.locator("#results .site")
    assert sites.count() >= 3
    assert page.evaluate(LAYER_COUNTS)["markers"] >= 3
    assert page.locator(".miss").count() >= 1
    shot(page, "2-company-search")
    unit = sites.nth(0).get_attribute("data-unit")
    before = _unit_available_on_map(page, server, unit)
    page.goto(f"{server}/search")
    search_as_chip_startup(page)
    first = page.locator(f"#results .site[data-unit='{unit}']")
    first.locator("input[name=area_m2]").fill("120")
    first.locator("button[type=submit]").click()
    filed = first.locator(".apply-result a[data-application-id]")
    filed.wait_for()
    assert "已提交申请" in filed.inner_text()
    app_id = filed.get_attribute("data-application-id")
    page.goto(f"{server}/my", wait_until="networkidle")
    assert page.locator("#my-applications section").first.get_attribute("data-id") == app_id
    shot(page, "3-company-applied")

    page.context.clear_cookies()
    sign_in(page, server, "reviewer", "/review")
    row = page.locator(f"#queue tr[data-id='{app_id}']")
    assert row.count() == 1
    page.click("#queue th:nth-child(7)")  # sort by score
    shot(page, "4-review-queue")
    page.goto(f"{server}/review/{app_id}", wait_until="networkidle")
    assert page.evaluate(LAYER_COUNTS)["markers"] >= 1
    page.fill("textarea[name=reason]", "符合正面清单，材料齐全")
    page.click("button[value=approve]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("#status", "data-status") == "approved"
    shot(page, "5-application-approved")
    after = _unit_available_on_map(page, server, unit)
    assert after == pytest.approx(before - 120, abs=1)
    assert page.outside == [] and page.errors == []


def test_batch_proposal_page_maps_who_goes_where(page: Any, server: str, accounts: dict) -> None:
    sign_in(page, server, "reviewer", "/review/proposal")
    page.select_option("select[name=method]", "optimal")
    page.click("form[action='/review/proposal'] button")
    page.wait_for_load_state("networkidle")
    assert page.locator("#placements").count() == 1
    shot(page, "6-batch-proposal")
    assert page.outside == [] and page.errors == []


def test_pages_refuse_the_wrong_people(server: str, accounts: dict) -> None:
    anonymous = httpx.get(f"{server}/review", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    with httpx.Client(base_url=server) as company:
        company.post("/login", data={"username": "acme", "password": PASSWORD})
        assert company.get("/review").status_code == 403
        assert company.get("/my").status_code == 200
