"""The zone map at scale: HTML size, build time in Python, and load time in headless chromium.

Units go into one FastMarkerCluster (a single JS array), so the page grows by tens of bytes per
unit rather than a Marker object each. The browser time runs from navigation to the map having
drawn its layers, against a spacemap server on the benchmark database, network blocked.
"""

from __future__ import annotations

import time

from sqlalchemy.engine import Engine

from spacemap.config import get_settings
from spacemap.database import session_scope
from web import assets, maps
from web.basemaps import available

READY = """() => Object.keys(window).some(k => k.startsWith('map_') && window[k] instanceof L.Map
  && Object.keys(window).some(j => window[j] instanceof L.MarkerClusterGroup
    && window[j].getLayers().length > 0))"""


def build(engine: Engine) -> dict[str, float]:
    basemap = available(get_settings())["none"]
    with session_scope(engine) as session:
        t = time.perf_counter()
        html = assets.render(maps.zone_map(session, basemap).get_root())
        seconds = time.perf_counter() - t
    return {"build_s": seconds, "html_bytes": len(html.encode())}


def browser_load(base: str, repeats: int = 3) -> float:
    """Median seconds from navigation to the zone map drawn (server cache warm)."""
    from playwright.sync_api import sync_playwright

    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
                   else r.abort())  # fmt: skip
        page.goto(f"{base}/map", wait_until="load", timeout=300_000)  # warms the server cache
        for _ in range(repeats):
            t = time.perf_counter()
            page.goto(f"{base}/map", wait_until="load", timeout=300_000)
            page.wait_for_function(READY, timeout=300_000)
            times.append(time.perf_counter() - t)
        browser.close()
    return sorted(times)[len(times) // 2]
