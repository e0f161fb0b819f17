"""Map building without a browser: offline assets, display datums, legends, sizes."""

from __future__ import annotations

import json
import re

import folium
import numpy as np
import pytest
from folium import plugins
from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.config import Settings
from spacemap.coords import gcj02_to_wgs84
from spacemap.i18n import use_locale
from web import assets, maps, zonemap
from web.basemaps import available, display_geojson, to_display


def _zone_html(session: Session, basemap: str = "none") -> str:
    chosen = available(Settings())[basemap]
    built = zonemap.zone_map(session, chosen)
    html = assets.render(built.map.get_root()) + json.dumps(built.config, ensure_ascii=False)
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def test_the_zone_map_references_nothing_outside_the_machine(session: Session) -> None:
    html = _zone_html(session)
    assert assets.external_urls(html) == []
    assert "/static/vendor/leaflet/dist/leaflet.js" in html
    assert "Leaflet.VectorGrid.bundled.min.js" in html and "/static/zonemap.js" in html
    assert "jquery" not in html and "bootstrap.bundle" not in html  # Leaflet only
    served = set(re.findall(r"/static/vendor/[^\"'\s)]+", html))
    assert len(served) >= 3, served  # leaflet, its css, vectorgrid
    for path in served:  # every library the page loads is on disk to be served
        assert (assets.VENDOR_DIR / path.removeprefix(assets.VENDOR_URL + "/")).is_file(), path


def test_localizing_does_not_touch_folium_for_anyone_else(session: Session) -> None:
    before = (list(folium.Map.default_js), list(plugins.MarkerCluster.default_css))
    _zone_html(session)
    assert (list(folium.Map.default_js), list(plugins.MarkerCluster.default_css)) == before
    assert folium.Map.default_js[0][1].startswith("https://")


def test_an_online_basemap_is_the_only_external_reference(session: Session) -> None:
    html = _zone_html(session, "osm")
    assert assets.external_urls(html) == []  # tiles are requested by Leaflet at run time
    assert "tile.openstreetmap.org" in html


def test_unknown_cdn_assets_are_refused_not_silently_fetched() -> None:
    with pytest.raises(assets.MissingAsset, match=r"web/package\.json"):
        assets.local_url("https://cdn.example.com/some-plugin.js")


@pytest.mark.parametrize(
    ("lng", "lat"),
    [(114.0545, 22.5431), (114.0689, 22.5209), (113.9990, 22.5330), (114.0971, 22.5750)],
)
def test_display_conversion_to_gcj02_round_trips_within_10_cm(lng: float, lat: float) -> None:
    x, y = to_display(lng, lat, "gcj02")
    shift_m = np.hypot((x - lng) * 102_800, (y - lat) * 111_000)
    assert 300 < shift_m < 800  # the familiar offset of Chinese web maps in Shenzhen
    back_lng, back_lat = gcj02_to_wgs84(x, y)
    error_m = np.hypot((back_lng - lng) * 102_800, (back_lat - lat) * 111_000)
    assert error_m < 0.1


def test_overlays_move_only_for_a_gcj02_basemap(session: Session) -> None:
    parks = maps.features(session, "parks")
    assert display_geojson(parks, "wgs84") is parks
    moved = display_geojson(parks, "gcj02")
    a = parks["features"][0]["geometry"]["coordinates"]
    b = moved["features"][0]["geometry"]["coordinates"]
    assert a != b and parks["features"][0]["geometry"]["coordinates"] == a  # input untouched
    html = _zone_html(session, "amap")
    assert "autonavi.com" in html and assets.external_urls(html) == []


def test_the_zone_map_carries_what_a_planner_needs_in_one_language(session: Session) -> None:
    chosen = available(Settings())["none"]
    with use_locale("en"):
        built = zonemap.zone_map(session, chosen)
        labels = [str(i.label) for s in built.legend for i in s.items]
    config = built.config
    assert {z["name"] for z in config["zones"]} >= {"Central axis", "West wing", "East wing"}
    assert len(config["areaLabels"]) == 8 and all(a["name"] for a in config["areaLabels"])
    stations = config["stations"]
    assert stations and len(stations) < 65  # Futian's only, not its neighbours'
    assert sum(s["crossing"] for s in stations) == 2
    assert set(config["tiles"]) == {"areas", "parks", "units", "low-cost"}
    assert all("?v=" in url for url in config["tiles"].values())
    sections = {s.key: s for s in built.legend}
    assert set(sections) == {"zones", "areas", "parks", "space", "transport"}
    assert "border crossing to Hong Kong" in labels and "low-cost industrial space" in labels
    assert any(label.startswith("no data") for label in labels)
    assert "parks" not in config  # the search asks the server: the page does not grow with them
    text = json.dumps(config, ensure_ascii=False) + " ".join(labels)
    assert not re.search(r"[\u4e00-\u9fff]", text), "English only, names included"


def test_the_page_weighs_the_same_whatever_the_number_of_units(session: Session) -> None:
    """The units are in tiles, not in the page: nothing in the page lists them."""
    html = _zone_html(session)
    codes = [r[0] for r in session.execute(text("SELECT code FROM space_units LIMIT 50"))]
    assert codes and not any(code in html for code in codes)
    assert len(html.encode()) < 200_000
