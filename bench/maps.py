"""The zone map at scale, two ways, in headless chromium against a spacemap server on the
benchmark database (network blocked):

- vector tiles (today's zone map): the page carries no unit; areas, parks, units and low-cost
  space come from ``/tiles/...``. Measured: bytes of the first load (page, scripts, styles and
  every tile of the first view) and seconds from navigation to the units drawn, in a fresh
  browser context (empty cache) — first with the server's tile cache cold, then warm.
- one page with every unit (the approach before tiles): the same map plus all units as one
  FastMarkerCluster array in the HTML. Measured: HTML bytes, Python build time, and seconds
  from navigation to the clusters drawn.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import folium
from folium import plugins
from sqlalchemy.engine import Engine

from spacemap.config import get_settings
from spacemap.database import session_scope
from spacemap.store.units import unit_markers
from web import assets, zonemap
from web.basemaps import available, to_display

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ALL_LAYERS = "district,zones,areas,areaLabels,parks,lowCost,units,stations,crossings"
TILES_DRAWN = """() => window.spacemapZone && ['areas', 'parks', 'units', 'low-cost']
  .every(k => window.spacemapZone.loaded[k]) && window.spacemapZone.drawn.units > 0"""
CLUSTERS_DRAWN = """() => typeof L !== 'undefined' && L.MarkerClusterGroup
  && Object.keys(window).some(j => window[j] instanceof L.MarkerClusterGroup
  && window[j].getLayers().length > 0)"""
_CALLBACK = """
function (row) {
  var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 4, color: '#08519c'});
  marker.bindTooltip(row[2]);
  return marker;
}"""


def legacy_html(engine: Engine) -> tuple[str, float]:
    """The zone map with every unit in the page (one FastMarkerCluster), and its build time."""
    basemap = available(get_settings())["none"]
    with session_scope(engine) as session:
        t = time.perf_counter()
        built = zonemap.zone_map(session, basemap)
        m = built.map
        group = folium.FeatureGroup(name="units")
        rows = unit_markers(session)
        if rows:
            codes, lng, lat, free, _synthetic = zip(*rows, strict=True)
            x, y = to_display(lng, lat, basemap.datum)
            data = [[round(float(b), 7), round(float(a), 7), f"{c} · {f:.0f} m²"]
                    for a, b, c, f in zip(x, y, codes, free, strict=True)]  # fmt: skip
            plugins.FastMarkerCluster(data, callback=_CALLBACK).add_to(group)
        group.add_to(m)
        html = assets.render(m.get_root())
        seconds = time.perf_counter() - t
    return html, seconds


def _browser(p: Any) -> Any:
    return p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)


def _page(browser: Any, base: str) -> tuple[Any, Any, list[int]]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    sizes: list[int] = []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
               else r.abort())  # fmt: skip
    page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]))
    return context, page, sizes


def tiles_load(base: str, repeats: int = 3) -> dict[str, float]:
    """First load of the tile-based zone map: bytes and seconds to the units drawn."""
    from playwright.sync_api import sync_playwright

    runs = []
    with sync_playwright() as p:
        browser = _browser(p)
        for _ in range(repeats + 1):  # the first run finds the server's tile cache cold
            context, page, sizes = _page(browser, base)
            t = time.perf_counter()
            page.goto(f"{base}/map?layers={ALL_LAYERS}", wait_until="commit", timeout=300_000)
            page.wait_for_function(TILES_DRAWN, timeout=300_000, polling=50)
            seconds = time.perf_counter() - t
            page.wait_for_load_state("networkidle")
            runs.append((seconds, sum(sizes)))
            context.close()
        browser.close()
    warm = [s for s, _ in runs[1:]]
    return {
        "cold_s": runs[0][0],
        "draw_s": statistics.median(warm),
        "bytes": statistics.median([b for _, b in runs[1:]]),
    }


def legacy_load(base: str, html: str, timeout_s: float = 240) -> float | None:
    """Seconds from navigation to the clusters drawn, the page served as built; None when the
    browser gives up within ``timeout_s``."""
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        context, page, _sizes = _page(browser, base)
        page.route(
            f"{base}/bench-legacy-map",
            lambda r: r.fulfill(status=200, content_type="text/html", body=html),
        )
        try:
            t = time.perf_counter()
            page.goto(f"{base}/bench-legacy-map", wait_until="commit", timeout=timeout_s * 1000)
            page.wait_for_function(CLUSTERS_DRAWN, timeout=timeout_s * 1000, polling=100)
            seconds: float | None = time.perf_counter() - t
        except Error:
            seconds = None
        context.close()
        browser.close()
    return seconds
