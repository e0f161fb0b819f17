"""Map building without a browser: offline assets, display datums, legends, sizes."""

from __future__ import annotations

import re

import folium
import numpy as np
import pytest
from folium import plugins
from sqlalchemy.orm import Session

from spacemap.config import Settings
from spacemap.coords import gcj02_to_wgs84
from web import assets, maps
from web.basemaps import available, display_geojson, to_display


def _zone_html(session: Session, basemap: str = "none") -> str:
    chosen = available(Settings())[basemap]
    html = assets.render(maps.zone_map(session, chosen).get_root())
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def test_the_zone_map_references_nothing_outside_the_machine(session: Session) -> None:
    html = _zone_html(session)
    assert assets.external_urls(html) == []
    assert "/static/vendor/leaflet/dist/leaflet.js" in html
    assert "/static/vendor/d3/d3.min.js" in html  # branca's colormap, rewritten
    served = set(re.findall(r"/static/vendor/[^\"'\s)]+", html))
    assert len(served) >= 5, served  # leaflet, its css, folium's plugins, bootstrap, d3
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


def test_the_zone_map_carries_every_layer_a_planner_needs(session: Session) -> None:
    html = _zone_html(session)
    for text in (
        "中轴",
        "西翼",
        "东翼",
        "载体类型 / park type",
        "孵化器 / incubator",
        "各片区可用面积",
        "搜索园区",
        "地铁站 / metro stations",
        "estimated location",
    ):
        assert text in html, text
