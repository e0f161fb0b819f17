"""The zone map in Debian's chromium, offline: every layer under every basemap, the search, the
phone layout and the print layout.

Requests that would leave the machine are aborted and recorded, except the online basemaps'
tiles, which a stand-in tile server answers with a blank image (the machine has no internet; the
point is that the overlays draw over any basemap without an error).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from spacemap.config import Settings
from spacemap.database import session_scope
from tests.browser import offline_page, shot
from web.basemaps import available

playwright = pytest.importorskip("playwright.sync_api", reason="dev extra: playwright")
expect = playwright.expect
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
BASEMAPS = list(available(Settings()))  # none (offline), osm, amap
ALL_LAYERS = ["district", "zones", "areas", "areaLabels", "parks", "lowCost", "units",
              "stations", "crossings"]  # fmt: skip
VECTOR = ["areas", "parks", "lowCost", "units"]

DRAWN = """() => {
  const s = window.spacemapZone, out = {};
  for (const k in s.layers) {
    const l = s.layers[k], grid = k === 'lowCost' ? 'low-cost' : k;
    out[k] = {on: s.map.hasLayer(l),
              n: !s.map.hasLayer(l) ? 0 : grid in s.drawn ? s.drawn[grid] : l.getLayers().length};
  }
  return out;
}"""
SYMBOLS = """(key) => { const box = window.spacemapZone.map.getContainer().getBoundingClientRect();
  return window.spacemapZone.symbols(key).filter(p => p.x > 60 && p.y > 60
    && p.x < box.width - 60 && p.y < box.height - 60)
    .map(p => ({x: p.x + box.left, y: p.y + box.top, n: p.properties.n})); }"""
LOADED = """(keys) => keys.every(k => window.spacemapZone
  && window.spacemapZone.loaded[k === 'lowCost' ? 'low-cost' : k])"""


BASEMAP_HOSTS = ("openstreetmap.org", "autonavi.com", "tianditu.gov.cn")


def open_page(browser: Any, server: str, width: int = 1400, height: int = 900,
              locale: str = "zh-CN") -> Any:  # fmt: skip
    """An offline page (``tests.browser``) whose online basemap tiles a blank image answers,
    recorded in ``pg.basemap_tiles``."""
    tiles: list[str] = []

    def blank_tile(r: Any) -> bool:
        url = r.request.url
        if r.request.resource_type != "image" or not any(h in url for h in BASEMAP_HOSTS):
            return False
        tiles.append(url)
        r.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
        return True

    pg = offline_page(browser, server, locale, viewport={"width": width, "height": height},
                      stand_in=blank_tile)  # fmt: skip
    pg.basemap_tiles = tiles
    return pg


@pytest.mark.parametrize("basemap", BASEMAPS)
def test_every_layer_draws_under_every_basemap(browser: Any, server: str, basemap: str) -> None:
    pg = open_page(browser, server)
    pg.goto(f"{server}/map?basemap={basemap}", wait_until="networkidle")
    # Turn every layer on through the layer switch, as a planner would.
    pg.hover(".leaflet-control-layers")
    boxes = pg.locator(".leaflet-control-layers-overlays input[type=checkbox]")
    assert boxes.count() == len(ALL_LAYERS)
    for i in range(boxes.count()):
        if not boxes.nth(i).is_checked():
            boxes.nth(i).check()
    pg.mouse.move(700, 500)
    pg.wait_for_function(LOADED, arg=VECTOR, timeout=30_000)
    pg.wait_for_load_state("networkidle")
    drawn = pg.evaluate(DRAWN)
    for layer in ALL_LAYERS:
        assert drawn[layer]["on"], (basemap, layer)
        assert drawn[layer]["n"] >= 1, (basemap, layer, drawn)
    assert drawn["areas"]["n"] >= 8 and drawn["stations"]["n"] >= 40
    # The tile URL a GIS needs, whole, though the page's HTML names only the path.
    assert pg.inner_text("#tiles-url") == f"{server}/tiles/units/{{z}}/{{x}}/{{y}}.mvt"
    assert pg.errors == [], (basemap, pg.errors)
    assert pg.outside == [], (basemap, pg.outside)
    if basemap != "none":
        assert pg.basemap_tiles, "the basemap's tiles were requested"
    shot(pg, f"zone-map-{basemap}")
    pg.context.close()


def test_search_matches_both_languages_codes_and_operators(browser: Any, server: str) -> None:
    pg = open_page(browser, server)
    pg.goto(f"{server}/map", wait_until="networkidle")
    search = pg.locator(".zone-search input")
    for query, expected in [
        ("金融科技", "国际金融科技城"),
        ("fintech city", "国际金融科技城"),
        ("new_generation", "深圳新一代产业园"),
        ("福田区政府物业", "深圳新一代产业园"),
    ]:
        search.fill(query)
        first = pg.locator(".zone-search-results button").first
        expect(first).to_contain_text(expected)
    search.fill("new_generation")
    pg.keyboard.press("Enter")
    popup = pg.locator(".leaflet-popup-content")
    popup.wait_for()
    pg.wait_for_function("() => window.spacemapZone.popup && window.spacemapZone.popup.code")
    assert "深圳新一代产业园" in popup.inner_text()
    assert pg.errors == [] and pg.outside == []
    pg.context.close()


def test_an_area_without_space_says_no_data(browser: Any, server: str) -> None:
    pg = open_page(browser, server, locale="en-GB")
    pg.goto(f"{server}/map?lang=en&measure=occupancy_pct", wait_until="networkidle")
    legend = pg.locator("#zone-legend").inner_text()
    assert "no data" in legend and "Border crossing" in legend.replace("border", "Border")
    pg.evaluate("() => window.spacemapZone.openPopup([22.55, 114.0], 'area', 'antuoshan')")
    pg.wait_for_function("() => window.spacemapZone.popup")
    text = pg.locator(".leaflet-popup-content").inner_text()
    assert "No space recorded here" in text and "0.0 %" not in text
    assert pg.errors == [] and pg.outside == []
    pg.context.close()


def _box(pg: Any, selector: str) -> dict:
    return pg.locator(selector).first.bounding_box()


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])  # fmt: skip


def test_on_a_phone_the_district_fits_and_the_legend_folds(browser: Any, server: str) -> None:
    pg = open_page(browser, server, width=390, height=844)
    pg.goto(f"{server}/map", wait_until="networkidle")
    pg.wait_for_function(LOADED, arg=["areas", "parks"])
    assert pg.evaluate("() => document.getElementById('zone-legend').open") is False
    legend, zoom = _box(pg, "#zone-legend"), _box(pg, ".leaflet-control-zoom")
    scale = _box(pg, ".leaflet-control-scale")
    assert not _overlap(legend, zoom) and not _overlap(legend, scale)
    fits = pg.evaluate("""() => { const s = window.spacemapZone;
      const d = s.layers.district.getBounds(); return s.map.getBounds().contains(d); }""")
    assert fits, "the whole district is in view"
    shot(pg, "zone-map-phone")
    pg.click("#zone-legend summary")
    assert pg.evaluate("() => document.getElementById('zone-legend').open") is True
    assert pg.errors == [] and pg.outside == []
    pg.context.close()


def test_the_print_layout_has_title_date_legend_scale_and_north(browser: Any, server: str) -> None:
    pg = open_page(browser, server, width=1400, height=1000)
    pg.goto(f"{server}/map?paper=a4", wait_until="networkidle")
    pg.wait_for_function(LOADED, arg=["areas", "parks"])
    pg.emulate_media(media="print")
    for selector in ("h1.page-title", "#print-meta", "#zone-legend", ".leaflet-control-scale",
                     ".north-arrow", "#zone-notes"):  # fmt: skip
        assert pg.locator(selector).is_visible(), selector
    assert not pg.locator("header.bar").is_visible()
    assert "km" in pg.inner_text(".leaflet-control-scale") or " m" in pg.inner_text(
        ".leaflet-control-scale"
    )
    assert "mi" not in pg.inner_text(".leaflet-control-scale")
    shot(pg, "zone-map-print")
    assert pg.errors == [] and pg.outside == []
    pg.context.close()


HOSTILE = "</script><img src=x onerror=alert(1)>${alert(2)}\"'`"


@pytest.fixture
def hostile_park(engine: Any) -> Iterator[str]:
    """A park whose names and operator are hostile (committed for the server; removed after)."""
    code = "hostile-park"
    with session_scope(engine) as s:
        s.execute(
            text(
                "INSERT INTO parks (code, name_zh, name_en, area_id, area_is_estimate, "
                "park_type, operator, space_is_estimate, figures_zh, figures_en, geom, source, "
                "is_estimate, is_synthetic) SELECT :code, :zh, :en, a.id, true, 'incubator', "
                ":op, true, :fzh, :fen, ST_SetSRID(ST_MakePoint(114.03, 22.535), 4326), :src, "
                "true, true FROM areas a WHERE a.code = 'cbd'"
            ),
            {"code": code, "zh": "恶意园区" + HOSTILE, "en": "Evil park " + HOSTILE,
             "fzh": HOSTILE, "fen": HOSTILE, "src": HOSTILE, "op": "运营方" + HOSTILE},
        )  # fmt: skip
    try:
        yield code
    finally:
        with session_scope(engine) as s:
            s.execute(text("DELETE FROM parks WHERE code = :c"), {"c": code})


def test_hostile_names_show_as_text_in_search_popup_and_tooltip(
    browser: Any, server: str, hostile_park: str
) -> None:
    pg = open_page(browser, server)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.goto(f"{server}/map", wait_until="networkidle")
    search = pg.locator(".zone-search input")
    search.fill("运营方")  # by its operator
    first = pg.locator(".zone-search-results button").first
    expect(first).to_contain_text(HOSTILE)
    first.click()
    pg.wait_for_function("() => window.spacemapZone.popup && window.spacemapZone.popup.code")
    popup = pg.locator(".leaflet-popup-content")
    assert HOSTILE in popup.inner_text() and popup.locator("img").count() == 0
    pg.wait_for_timeout(300)
    assert dialogs == [] and pg.errors == [] and pg.outside == []
    pg.context.close()


def test_a_click_on_units_lists_what_the_cell_holds(browser: Any, server: str) -> None:
    pg = open_page(browser, server)
    pg.goto(f"{server}/map?layers=district,units", wait_until="networkidle")
    pg.wait_for_function(LOADED, arg=["units"])
    pg.wait_for_load_state("networkidle")
    symbols = pg.evaluate(SYMBOLS, "units")
    assert symbols, "unit symbols on screen"
    pg.mouse.click(symbols[0]["x"], symbols[0]["y"])
    pg.wait_for_function(
        "() => window.spacemapZone.popup && window.spacemapZone.popup.kind == 'cell'"
    )
    table = pg.locator(".leaflet-popup-content .unit-table tr[data-unit]")
    assert table.count() >= 1
    assert pg.errors == [] and pg.outside == []
    pg.context.close()


def test_hovering_and_clicking_small_symbols_raises_nothing(browser: Any, server: str) -> None:
    """Point symbols from tiles have no LatLng of their own; Leaflet asks for one on hover."""
    pg = open_page(browser, server)
    pg.goto(f"{server}/map?layers=parks,lowCost,units,stations", wait_until="networkidle")
    pg.wait_for_function(LOADED, arg=["parks", "units", "lowCost"])
    symbols = pg.evaluate(SYMBOLS, "parks")
    assert len(symbols) >= 5
    for p in symbols[:8]:
        pg.mouse.move(p["x"], p["y"])
        pg.wait_for_timeout(50)
    single = [p for p in symbols if p["n"] == 1]
    pg.mouse.click(single[0]["x"], single[0]["y"])
    pg.wait_for_function("() => window.spacemapZone.popup !== null")
    assert pg.locator(".leaflet-tooltip").count() >= 1
    assert pg.errors == [] and pg.outside == []
    pg.context.close()


def test_the_statistics_page_draws_offline_and_prints(
    browser: Any, server: str, engine: Any
) -> None:
    from tests.conftest import PASSWORD, make_user

    pg = open_page(browser, server, width=1280, height=1000)
    pg.goto(f"{server}/login?next=/stats")
    pg.fill("input[name=username]", make_user(engine, "planner"))
    pg.fill("input[name=password]", PASSWORD)
    pg.click("form[action='/login'] button")
    pg.wait_for_load_state("networkidle")
    assert pg.url.endswith("/stats")
    assert pg.locator("section.chart-block svg.chart").count() == 7
    assert pg.locator("table.stats-table").count() == 7
    shot(pg, "stats")
    pg.goto(f"{server}/stats?paper=a4", wait_until="networkidle")
    pg.emulate_media(media="print")
    assert pg.locator("#print-meta").is_visible() and not pg.locator("header.bar").is_visible()
    assert not pg.locator(".downloads").first.is_visible()
    shot(pg, "stats-print", full_page=True)
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.emulate_media(media="screen")
    pg.goto(f"{server}/stats", wait_until="networkidle")
    width = pg.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400, "no sideways scrolling on a phone"
    shot(pg, "stats-phone")
    assert pg.errors == [] and pg.outside == []
    pg.context.close()
