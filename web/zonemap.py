"""The planners' zone map (规划视图): a Folium map whose heavy layers come from vector tiles.

The page carries only what does not grow with the data — the district, the axis and wings, the
area labels, Futian's metro stations and border crossings, the parks' search index — as a JSON
block (``config``); areas, parks, space units and low-cost space are drawn by Leaflet.VectorGrid
from ``/tiles/...`` (``spacemap.catalog.tiles``), so the page weighs the same at a thousand units
or a million. ``web/static/zonemap.js`` builds the layers, the layer switch, the search, the
scale bar and the north arrow from ``config``; every text in it was rendered here in the reader's
language, and the script puts names into the page as text, never as HTML. Popups of areas and
parks are HTML fragments from ``/map/popup/...``, escaped on the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template
from shapely.geometry import shape
from sqlalchemy.orm import Session

from spacemap.catalog import tiles
from spacemap.i18n import Msg, Names, _, current_locale
from spacemap.store import planning
from spacemap.vocab import PARK_TYPES
from web.basemaps import Basemap, display_geojson, to_display
from web.legends import LegendItem, LegendSection
from web.maps import PARK_COLORS, ZONE_COLORS, features

MAX_ZOOM = 18
MEASURES = ("available_m2", "occupancy_pct")
RAMP = ("#f7fbff", "#6baed6", "#08306b")  # light → dark: little → much
NO_DATA = "#d9d9d9"
UNIT_COLOR = "#08519c"
LOW_COST_COLOR = "#1a9850"
STATION_COLOR = "#444444"
CROSSING_COLOR = "#7a0177"
VECTORGRID = "/static/vendor/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js"


def measure_label(measure: str) -> Msg:
    if measure == "occupancy_pct":
        return _("Occupancy per area (%)")
    return _("Free floor space per area (m²)")


class ZoneMapScript(JSCSSMixin, MacroElement):
    """Loads VectorGrid and zonemap.js (local files) with the map; the rest is data."""

    _template = Template("{% macro script(this, kwargs) %}{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "ZoneMapScript"
        self.default_js = [("vectorgrid", VECTORGRID), ("zonemap", "/static/zonemap.js")]
        self.default_css = [("planner", "/static/planner.css")]


@dataclass
class ZoneMap:
    """What the page needs: the Folium map, the data for zonemap.js and the legend."""

    map: folium.Map
    config: dict[str, Any]
    legend: list[LegendSection] = field(default_factory=list)


def _name(props: dict[str, Any]) -> str:
    return Names(props["name_zh"], props["name_en"]).render()


def latlng(lng: float, lat: float, datum: str) -> list[float]:
    x, y = to_display(lng, lat, datum)
    return [round(float(y), 6), round(float(x), 6)]


def _shading(session: Session, measure: str) -> dict[str, Any]:
    """The colour ramp of the area layer: the measure's range over areas that have data."""
    values = []
    for row in planning.area_space(session):
        cap, free = float(row["capacity_m2"]), float(row["available_m2"])
        if cap > 0:
            values.append(free if measure == "available_m2" else 100 * (cap - free) / cap)
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    return {
        "measure": "free_m2" if measure == "available_m2" else "occupancy_pct",
        "min": round(lo, 1),
        "max": round(hi if hi > lo else lo + 1, 1),
        "colors": list(RAMP),
        "noData": NO_DATA,
    }


def _label_point(geometry: dict[str, Any]) -> list[float]:
    """Where a polygon's name goes (already in the display datum): a point inside it."""
    spot = shape(geometry).representative_point()
    return [round(spot.y, 6), round(spot.x, 6)]


def _zones(session: Session, datum: str) -> list[dict[str, Any]]:
    zones = display_geojson(features(session, "zones"), datum)
    out = []
    for f in zones["features"]:
        p = f["properties"]
        out.append(
            {
                "code": p["code"],
                "name": _name(p),
                "description": Names(p["description_zh"], p["description_en"]).render(),
                "note": str(_("%(km2)s km² · estimated boundary", km2=p["area_km2"])),
                "color": ZONE_COLORS.get(p["code"], "#666666"),
                "geometry": f["geometry"],
                "at": _label_point(f["geometry"]),
            }
        )
    return out


def _area_labels(session: Session, datum: str) -> list[dict[str, Any]]:
    areas = features(session, "areas")
    out = []
    for f in areas["features"]:
        spot = shape(f["geometry"]).representative_point()
        out.append(
            {"code": f["properties"]["code"], "name": _name(f["properties"]),
             "at": latlng(spot.x, spot.y, datum)}
        )  # fmt: skip
    return out


def _district(session: Session, datum: str) -> tuple[dict[str, Any], list[list[float]]]:
    districts = features(session, "districts")
    futian = [f for f in districts["features"] if f["properties"]["is_futian"]]
    shown = display_geojson({"type": "FeatureCollection", "features": futian}, datum)
    for f in shown["features"]:
        f["properties"] = {"name": _name(f["properties"])}
    minx, miny, maxx, maxy = shape(shown["features"][0]["geometry"]).bounds if futian else (
        113.99, 22.50, 114.11, 22.59
    )  # fmt: skip
    return shown, [[miny, minx], [maxy, maxx]]


def _stations(session: Session, datum: str) -> list[dict[str, Any]]:
    """Futian's metro stations only (the file also holds neighbours within 1 km)."""
    out = []
    for f in features(session, "stations")["features"]:
        p = f["properties"]
        if not p["in_futian"]:
            continue
        lng, lat = f["geometry"]["coordinates"]
        out.append(
            {
                "name": _name(p),
                "lines": " · ".join(str(line).removeprefix("Line") for line in p["lines"] or []),
                "crossing": "口岸" in p["name_zh"],
                "at": latlng(lng, lat, datum),
            }
        )
    return out


def _legend(shading: dict[str, Any], measure: str, zones: list[dict]) -> list[LegendSection]:
    fmt = "{:,.0f}" if measure == "available_m2" else "{:.1f} %"
    return [
        LegendSection("zones", _("One axis, two wings"),
                      [LegendItem(z["color"], z["name"], "dash") for z in zones]),
        LegendSection("areas", measure_label(measure), [
            LegendItem(RAMP[0], fmt.format(shading["min"]), "square"),
            LegendItem(RAMP[1], "", "square"),
            LegendItem(RAMP[2], fmt.format(shading["max"]), "square"),
            LegendItem(NO_DATA, _("no data: no space recorded"), "hatch"),
        ], ramp=True),
        LegendSection("parks", _("Parks by type"), [
            *[LegendItem(PARK_COLORS[k], Names(*v).render(), "circle")
              for k, v in PARK_TYPES.items()],
            LegendItem("#777777", _("dark ring: several parks, the most common type (zoom in)"),
                       "several"),
        ]),
        LegendSection("space", _("Floor space"), [
            LegendItem(UNIT_COLOR, _("space units (synthetic), size by count"), "circle"),
            LegendItem(LOW_COST_COLOR, _("low-cost industrial space"), "ring"),
        ]),
        LegendSection("transport", _("Transport"), [
            LegendItem(STATION_COLOR, _("metro station in Futian"), "station"),
            LegendItem(CROSSING_COLOR, _("border crossing to Hong Kong"), "crossing"),
        ]),
    ]  # fmt: skip


def _tile_urls(session: Session, datum: str) -> dict[str, str]:
    """Each layer's URL template, naming the data version (so browsers may keep the tiles)."""
    out = {}
    for layer in tiles.LAYERS.values():
        query = f"v={tiles.version(session, layer)}"
        if datum != "wgs84":
            query += f"&datum={datum}"
        out[layer.id] = f"/tiles/{layer.id}/{{z}}/{{x}}/{{y}}.mvt?{query}"
    return out


def _texts() -> dict[str, str]:
    """Text zonemap.js composes (``%(n)s`` filled in the browser), in the reader's language."""
    texts: dict[str, Msg] = {
        "district": _("Futian District boundary"),
        "zones": _("One axis, two wings"),
        "areas": _("Eight areas (shaded)"),
        "areaLabels": _("Area names"),
        "parks": _("Parks and incubators"),
        "units": _("Space units (synthetic)"),
        "lowCost": _("Low-cost industrial space"),
        "stations": _("Metro stations"),
        "crossings": _("Border crossings"),
        "unitsTip": _("%(n)s units · %(free)s m² free"),
        "lowCostTip": _("%(n)s low-cost units · %(free)s m² free"),
        "parksTip": _("%(n)s parks here: zoom in"),
        "synthetic": _("synthetic"),
        "search": _("Search parks: name, code or operator"),
        "noMatch": _("No park matches."),
        "popupFailed": _("Could not load the details."),
        "north": _("North"),
        "legend": _("Legend"),
        "layers": _("Layers"),
        "crossing": _("border crossing"),
        "lines": _("lines %(lines)s"),
    }
    return {key: str(text) for key, text in texts.items()}


def zone_map(session: Session, basemap: Basemap, measure: str = "available_m2") -> ZoneMap:
    """规划视图: the district, the axis and wings, the eight areas (shaded and named), parks by
    type, space units and low-cost space from tiles, Futian's metro and border crossings."""
    measure = measure if measure in MEASURES else "available_m2"
    datum = basemap.datum
    m = folium.Map(
        location=(22.545, 114.045),
        zoom_start=13,
        tiles=None,
        max_zoom=MAX_ZOOM,
        min_zoom=9,
        control_scale=False,  # zonemap.js adds a metric-only one where no legend covers it
        prefer_canvas=False,
    )
    # folium's max_zoom only reaches a tile layer; without a basemap the map had none, and
    # layers that need the map's maxZoom (clusters) drew nothing. The map itself gets one.
    m.options["max_zoom"] = MAX_ZOOM
    # Only Leaflet: the zone map uses none of Folium's default jQuery, Bootstrap or icon fonts.
    m.default_js = [js for js in m.default_js if js[0] == "leaflet"]
    m.default_css = [css for css in m.default_css if css[0] == "leaflet_css"]
    if basemap.tiles:
        folium.TileLayer(
            basemap.tiles,
            attr=basemap.attribution,
            name=Names(basemap.zh, basemap.en).render(),
            subdomains=basemap.subdomains,
            max_zoom=MAX_ZOOM,
            control=False,
        ).add_to(m)
    ZoneMapScript().add_to(m)
    district, bounds = _district(session, datum)
    zones = _zones(session, datum)
    shading = _shading(session, measure)
    config = {
        "map": m.get_name(),
        "lang": current_locale(),
        "datum": datum,
        "maxZoom": MAX_ZOOM,
        "tilePixels": tiles.TILE_PIXELS,
        "zoomOffset": tiles.ZOOM_OFFSET,
        "tiles": _tile_urls(session, datum),
        "popup": "/map/popup/{kind}/{code}?lang=" + current_locale(),
        "cell": f"/map/cell/{{layer}}/{{z}}/{{x}}/{{y}}?datum={datum}&lang={current_locale()}",
        "bounds": bounds,
        "district": district,
        "zones": zones,
        "areaLabels": _area_labels(session, datum),
        "stations": _stations(session, datum),
        "search": f"/map/search?datum={datum}&lang={current_locale()}&q=",
        "shading": shading,
        "colors": {
            "parks": PARK_COLORS,
            "several": "#777777",
            "units": UNIT_COLOR,
            "lowCost": LOW_COST_COLOR,
            "station": STATION_COLOR,
            "crossing": CROSSING_COLOR,
        },
        "text": _texts(),
    }
    return ZoneMap(m, config, _legend(shading, measure, zones))
