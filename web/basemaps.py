"""Map backgrounds. Data stays WGS84; only what is drawn over a GCJ-02 basemap is shifted.

AutoNavi (高德) tiles are drawn in GCJ-02, about 600 m off WGS84 in Futian, so over them every
overlay is converted to GCJ-02 for display (``display_datum``). The default, ``none``, needs no
network at all: the district boundary and the overlays are the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from spacemap.config import Settings
from spacemap.coords import wgs84_to_gcj02


@dataclass(frozen=True)
class Basemap:
    key: str
    zh: str
    en: str
    tiles: str | None
    attribution: str
    datum: str  # what the tiles are drawn in: overlays are converted to it for display
    subdomains: str = "abc"


def available(settings: Settings) -> dict[str, Basemap]:
    out = {
        "none": Basemap("none", "无底图（离线）", "none (offline)", None, "", "wgs84"),
        "osm": Basemap(
            "osm",
            "OpenStreetMap",
            "OpenStreetMap",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors",
            "wgs84",
        ),
        "amap": Basemap(
            "amap",
            "高德地图",
            "AutoNavi",
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            "&copy; 高德地图 AutoNavi (GCJ-02)",
            "gcj02",
            "1234",
        ),
    }
    if settings.tianditu_key:
        out["tianditu"] = Basemap(
            "tianditu",
            "天地图",
            "Tianditu",
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            f"&TILECOL={{x}}&tk={settings.tianditu_key}",
            "&copy; 天地图 Tianditu",
            "wgs84",
            "01234567",
        )
    if settings.tile_url:
        out["custom"] = Basemap(
            "custom",
            "内网底图",
            "intranet tiles",
            settings.tile_url,
            "intranet",
            settings.tile_datum,
        )
    return out


def tile_origins(settings: Settings) -> list[str]:
    """Where the offered basemaps' tiles come from (the pages' Content-Security-Policy)."""
    origins = set()
    for basemap in available(settings).values():
        if basemap.tiles:
            parts = urlsplit(basemap.tiles.replace("{s}", "*"))
            host = parts.netloc
            if "*" in host:  # CSP takes a wildcard only as the whole leftmost label
                host = "*." + host.split(".", 1)[1]
            origins.add(f"{parts.scheme}://{host}")
    return sorted(origins)


def to_display(lng: Any, lat: Any, datum: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → the basemap's datum, for drawing only."""
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    if datum == "gcj02":
        return wgs84_to_gcj02(lng, lat)
    return lng, lat


def _convert(coords: Any, datum: str) -> Any:
    """Any GeoJSON coordinate nesting (rings may differ in length: no ragged arrays)."""
    if isinstance(coords[0], (int, float)):
        x, y = to_display(coords[0], coords[1], datum)
        return [float(x), float(y)]
    if isinstance(coords[0][0], (int, float)):
        arr = np.asarray(coords, dtype=float)
        x, y = to_display(arr[:, 0], arr[:, 1], datum)
        return np.column_stack([x, y]).tolist()
    return [_convert(part, datum) for part in coords]


def display_geojson(collection: dict[str, Any], datum: str) -> dict[str, Any]:
    """A FeatureCollection with coordinates moved to ``datum`` (a copy; input untouched)."""
    if datum == "wgs84":
        return collection
    features = []
    for f in collection["features"]:
        g = f["geometry"]
        features.append({**f, "geometry": {**g, "coordinates": _convert(g["coordinates"], datum)}})
    return {**collection, "features": features}
