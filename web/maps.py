"""The maps: the planners' zone map, a company's match results, an application, a proposal.

Every map reads the same collections the OGC API serves (``spacemap.catalog``), so the map and
the API never disagree. Thousands of units go into one FastMarkerCluster (one JS array), not a
Marker each; the map uses canvas rendering. Estimated locations and synthetic rows say so in
their popups.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import branca.colormap as cm
import folium
from folium import plugins
from markupsafe import Markup
from shapely.geometry import shape
from sqlalchemy.orm import Session

from spacemap.catalog.collections import COLLECTIONS
from spacemap.catalog.queries import FeatureQuery, page
from spacemap.i18n import Names, _, label
from spacemap.store import stats
from spacemap.store.units import unit_markers
from spacemap.taxonomy import sectors
from spacemap.vocab import BOUNDARY_QUALITIES, PARK_STATUSES, PARK_TYPES, TAG_BASES
from web import escape as safe
from web.basemaps import Basemap, display_geojson, to_display
from web.escape import markup
from web.legends import CategoricalLegend

FUTIAN_CENTRE = (22.545, 114.045)
ZONE_COLORS = {"central_axis": "#d7301f", "west_wing": "#2171b5", "east_wing": "#238b45"}
PARK_COLORS = {
    "industrial_park": "#6a3d9a",
    "incubator": "#e31a1c",
    "accelerator": "#ff7f00",
    "maker_space": "#33a02c",
    "tech_building": "#1f78b4",
    "pilot_plant": "#b15928",
}


def features(session: Session, collection: str, **filters: Any) -> dict[str, Any]:
    """A whole collection (or filtered view) as a GeoJSON FeatureCollection dict."""
    q = FeatureQuery(COLLECTIONS[collection], filters=filters, limit=None)
    _, text = page(session, q)
    return {"type": "FeatureCollection", "features": json.loads(text)}


def base_map(
    basemap: Basemap, location: tuple[float, float] = FUTIAN_CENTRE, zoom: int = 13
) -> folium.Map:
    lng, lat = to_display(location[1], location[0], basemap.datum)
    m = folium.Map(
        location=(float(lat), float(lng)),
        zoom_start=zoom,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    if basemap.tiles:
        folium.TileLayer(
            basemap.tiles,
            attr=basemap.attribution,
            name=f"{basemap.zh} / {basemap.en}",
            subdomains=basemap.subdomains,
            max_zoom=18,
        ).add_to(m)
    return m


def _location_note(props: dict[str, Any]) -> str:
    if props.get("is_estimate") and props.get("location_error_m"):
        return (
            f"位置为估算 ±{props['location_error_m']:.0f} m / estimated location "
            f"±{props['location_error_m']:.0f} m"
        )
    if props.get("is_estimate"):
        return "位置为估算 / estimated location"
    return "位置来自登记 / registered location"


def _context_layer(session: Session, basemap: Basemap) -> folium.FeatureGroup:
    """The boundary and the eight areas in outline: where things are, without a basemap."""
    layer = _district_layer(session, basemap)
    areas = display_geojson(features(session, "areas"), basemap.datum)
    folium.GeoJson(
        areas,
        style_function=lambda _f: {"color": "#888", "weight": 1, "fillOpacity": 0.04},
        tooltip=folium.GeoJsonTooltip(["name_zh", "name_en"], labels=False),
    ).add_to(layer)
    return layer


def _district_layer(session: Session, basemap: Basemap) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name="福田区界 / Futian boundary")
    districts = display_geojson(features(session, "districts"), basemap.datum)
    futian = [f for f in districts["features"] if f["properties"]["is_futian"]]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": futian},
        style_function=lambda _f: {"color": "#222", "weight": 3, "fill": False},
        tooltip=folium.GeoJsonTooltip(["name_zh", "name_en"], labels=False),
    ).add_to(layer)
    return layer


def _zone_members(session: Session) -> dict[str, str]:
    """Zone code → its area parts by name (梅林 on the axis, 彩田北 in the east wing), so the
    legend says what the zones table and the area popups say."""
    members: dict[str, list[str]] = {}
    for f in features(session, "areas")["features"]:
        for part in f["properties"]["parts"] or []:
            members.setdefault(part["zone"], []).append(
                str(Names(part["name_zh"], part["name_en"]))
            )
    return {zone: "、".join(names) for zone, names in members.items()}


def _zone_layers(session: Session, basemap: Basemap, m: folium.Map) -> None:
    zones = display_geojson(features(session, "zones"), basemap.datum)
    members = _zone_members(session)
    CategoricalLegend(
        "一轴两翼 / one axis, two wings",
        [
            (
                ZONE_COLORS.get(f["properties"]["code"], "#666"),
                f"{f['properties']['name_zh']} / {f['properties']['name_en']}: "
                f"{members.get(f['properties']['code'], '')}",
            )
            for f in zones["features"]
        ],
        position="bottomright",
    ).add_to(m)
    for f in zones["features"]:
        p = f["properties"]
        color = ZONE_COLORS.get(p["code"], "#666")
        group = folium.FeatureGroup(name=f"{p['name_zh']} / {p['name_en']}")
        folium.GeoJson(
            f,
            style_function=lambda _f, c=color: {
                "color": c,
                "weight": 2,
                "fillOpacity": 0.06,
                "dashArray": "6 4",
            },
            tooltip=f"{p['name_zh']} / {p['name_en']}",
            popup=folium.Popup(
                f"<b>{escape(p['name_zh'])} / {escape(p['name_en'])}</b><br>"
                f"{escape(p['description_zh'])}<br>{escape(p['description_en'])}"
                f"<br><small>{p['area_km2']} km² · 边界为估算 / estimated "
                "boundary</small>",
                max_width=320,
            ),
        ).add_to(group)
        spot = shape(f["geometry"]).representative_point()
        folium.Marker(
            (spot.y, spot.x),
            icon=folium.DivIcon(
                html=f'<div class="spacemap-zone-label" style="color:{color};font-weight:bold;'
                f'white-space:nowrap;text-shadow:0 0 3px #fff">{escape(p["name_zh"])} '
                f"{escape(p['name_en'])}</div>",
                icon_size=(140, 20),
                icon_anchor=(70, 10),
            ),
        ).add_to(group)
        group.add_to(m)


def _area_popup(p: dict[str, Any], availability: dict[str, Any]) -> str:
    a = availability.get(p["code"], {})
    if a.get("space_recorded"):
        space = markup(
            "<b>{}</b> {} · <b>{}</b> {}{}",
            _("Available:"),
            f"{a['available_m2']:,.0f} m²",
            _("Occupancy:"),
            f"{a['occupancy_pct']:.1f}%",
            _(" (synthetic units)") if a.get("units_synthetic") else "",
        )
    else:
        space = markup("<b>{}</b>", _("No space recorded here"))
    parts = Markup("; ").join(
        markup(
            "{} ({}): ±{} m, {}",
            Names(part["name_zh"], part["name_en"]),
            _zone_name(part["zone"]),
            f"{part['boundary_error_m']:.0f}",
            label(BOUNDARY_QUALITIES, part["boundary_quality"]),
        )
        for part in p.get("parts") or []
    )
    return str(
        markup(
            "<b>{}</b><br>{} {}<br><b>{}</b> {}<br><b>{}</b> {}<br>{}<br>"
            "<small>{} {}<br>{}</small>",
            Names(p["name_zh"], p["name_en"]),
            _("Positioning:"),
            Names(p["positioning_zh"], p["positioning_en"]),
            _("Lead industries:"),
            _sector_list(p["lead_industries"]),
            _("Whitelist:"),
            _sector_list(p["whitelist"]),
            space,
            _("Estimated boundary:"),
            parts,
            p.get("whitelist_source") or "",
        )
    )


def _sector_list(codes: list[str] | None) -> str:
    return "、".join(label(sectors(), c) for c in codes or [])


_ZONE_NAMES = {
    "central_axis": Names("中轴", "Central axis"),
    "west_wing": Names("西翼", "West wing"),
    "east_wing": Names("东翼", "East wing"),
}


def _zone_name(code: str) -> Names | str:
    return _ZONE_NAMES.get(code, code)


def area_availability(session: Session) -> dict[str, dict[str, Any]]:
    """Per area: available m² and occupancy, or ``space_recorded`` False (never 0 % occupied)."""
    out = {}
    for row in stats.areas(session):
        cap, avail = float(row["capacity_m2"]), float(row["available_m2"])
        recorded = row["units"] > 0
        out[row["area"]] = {
            "space_recorded": recorded,
            "available_m2": avail if recorded else None,
            "occupancy_pct": 100 * (cap - avail) / cap if recorded else None,
            "units_synthetic": bool(row["units_synthetic"]),
        }
    return out


def _area_layers(session: Session, basemap: Basemap, m: folium.Map, measure: str) -> None:
    areas = display_geojson(features(session, "areas"), basemap.datum)
    availability = area_availability(session)
    values = [v[measure] for v in availability.values() if v[measure] is not None] or [0.0]
    label = (
        "各片区可用面积 (m²) / available floor space per area (m²)"
        if measure == "available_m2"
        else "各片区出租率 (%) / occupancy per area (%)"
    )
    colormap = cm.LinearColormap(
        ["#f7fbff", "#6baed6", "#08306b"],
        vmin=min(values),
        vmax=max(values) or 1.0,
        caption=label,
    )
    group = folium.FeatureGroup(name="八大片区（可用面积分级）/ eight areas (availability)")
    for f in areas["features"]:
        p = f["properties"]
        value = availability.get(p["code"], {}).get(measure)
        fill = colormap(value) if value is not None else "#ffffff"  # no space recorded: no data
        folium.GeoJson(
            f,
            style_function=lambda _f, c=fill, hatch=value is None: {
                "color": "#555",
                "weight": 1,
                "fillColor": c,
                "fillOpacity": 0.15 if hatch else 0.55,
                "dashArray": "3 3" if hatch else None,
            },
            tooltip=f"{p['name_zh']} / {p['name_en']}",
            popup=folium.Popup(_area_popup(p, availability), max_width=360),
        ).add_to(group)
    group.add_to(m)
    colormap.add_to(m)


def _tag(t: dict[str, Any]) -> Markup:
    """One field of a park, and how it is known: the document's words, or why we inferred it."""
    name = label(sectors(), t["code"])
    if t["basis"] == "documented":
        how = markup("{}: {} “{}”", label(TAG_BASES, "documented"), t["source"], t["quote"])
    elif t["basis"] == "inferred":
        reason = Names(t["reason_zh"], t["reason_en"])
        how = markup("{}: {}", label(TAG_BASES, "inferred"), reason)
    else:
        how = markup("{}", label(TAG_BASES, t["basis"]))
    off = (
        markup(" <b>{}</b>", _("not on the area's whitelist (see the data report)"))
        if not t.get("on_area_whitelist", True)
        else ""
    )
    return markup("<li>{}{}<br><small>{}</small></li>", name, off, how)


def _park_popup(p: dict[str, Any]) -> str:
    figures = Names(p["figures_zh"] or "", p["figures_en"] or "")
    if p.get("status") == "planned":
        space = markup("<br><b>{}</b>", _("Planned carrier: no space recorded"))
    elif p.get("capacity_m2"):
        capacity, available = (format(p[k], ",.0f") for k in ("capacity_m2", "available_m2"))
        space = markup(
            "<br>{}",
            _(
                "%(n)d units · capacity %(capacity)s m² · available %(available)s m² (synthetic)",
                n=p["units"],
                capacity=capacity,
                available=available,
            ),
        )
    else:
        space = ""
    error = p.get("location_error_m")
    where = (
        _("Estimated location, ±%(m).0f m", m=error)
        if p.get("is_estimate") and error
        else _("Estimated location")
        if p.get("is_estimate")
        else _("Registered location")
    )
    tags = Markup("").join(_tag(t) for t in p.get("industry_tags") or [])
    return str(
        markup(
            '<b>{}</b><br>{} · {}<br>{}{}<br><b>{}</b><ul class="spacemap-tags">{}</ul>'
            "<b>{}</b><br><small>{} {}</small>",
            Names(p["name_zh"], p["name_en"]),
            label(PARK_TYPES, p["park_type"]),
            label(PARK_STATUSES, p.get("status") or "operating"),
            figures,
            space,
            _("Fields:"),
            tags,
            where,
            _("Source:"),
            p["source"],
        )
    )


def _park_layer(session: Session, basemap: Basemap, m: folium.Map) -> folium.GeoJson:
    parks = display_geojson(features(session, "parks"), basemap.datum)
    group = folium.FeatureGroup(name="园区与孵化载体 / parks and incubators")
    for f in parks["features"]:
        f["properties"]["popup_html"] = _park_popup(f["properties"])
        f["properties"]["location_note"] = _location_note(f["properties"])
    layer = folium.GeoJson(
        parks,
        name="parks",
        marker=folium.CircleMarker(radius=8, weight=2, fill=True, fill_opacity=0.9),
        style_function=lambda f: {
            "color": "#fff",
            "fillColor": PARK_COLORS.get(f["properties"]["park_type"], "#444"),
        },
        popup=folium.GeoJsonPopup(["popup_html"], labels=False, max_width=380),
        tooltip=folium.GeoJsonTooltip(["name_zh", "location_note"], labels=False),
    )
    layer.add_to(group)
    group.add_to(m)
    CategoricalLegend(
        "载体类型 / park type",
        [(PARK_COLORS[k], f"{zh} / {en}") for k, (zh, en) in PARK_TYPES.items()],
        position="bottomleft",
        shape="circle",
    ).add_to(m)
    return layer


def _station_layer(session: Session, basemap: Basemap) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="地铁站 / metro stations", show=False)
    stations = display_geojson(features(session, "stations"), basemap.datum)
    folium.GeoJson(
        stations,
        marker=folium.CircleMarker(radius=3, color="#444", fill=True, fill_opacity=1),
        tooltip=folium.GeoJsonTooltip(["name_zh", "name_en"], labels=False),
    ).add_to(group)
    return group


def _unit_layer(session: Session, basemap: Basemap) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="空间单元（合成）/ space units (synthetic)", show=False)
    units = unit_markers(session)
    if units:
        codes, lng, lat, available, synthetic = zip(*units, strict=True)
        x, y = to_display(lng, lat, basemap.datum)
        flag = {True: " (合成 / synthetic)", False: ""}
        data = [
            [round(float(b), 7), round(float(a), 7), f"{code} · {free:.0f} m²{flag[bool(fake)]}"]
            for a, b, code, free, fake in zip(x, y, codes, available, synthetic, strict=True)
        ]
        plugins.FastMarkerCluster(data, callback=_UNIT_CALLBACK).add_to(group)
    return group


_UNIT_CALLBACK = """
function (row) {
  var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 4, color: '#08519c'});
  marker.bindTooltip(row[2]);
  return marker;
}"""


def zone_map(session: Session, basemap: Basemap, measure: str = "available_m2") -> folium.Map:
    """规划视图: boundary, axis and wings, areas by availability, parks by type, metro, units."""
    m = base_map(basemap)
    _district_layer(session, basemap).add_to(m)
    _zone_layers(session, basemap, m)
    _area_layers(session, basemap, m, measure)
    parks = _park_layer(session, basemap, m)
    _station_layer(session, basemap).add_to(m)
    _unit_layer(session, basemap).add_to(m)
    plugins.Search(
        parks,
        search_label="name_zh",
        placeholder="搜索园区 / search parks",
        collapsed=False,
        position="topleft",
    ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def numbered_icon(n: int, color: str = "#d7301f") -> folium.DivIcon:
    return folium.DivIcon(
        html=f'<div class="spacemap-rank" style="background:{color};color:#fff;border-radius:50%;'
        f"width:24px;height:24px;line-height:24px;text-align:center;font-weight:bold;"
        f'border:2px solid #fff;box-shadow:0 0 3px #000">{n}</div>',
        icon_size=(24, 24),
        icon_anchor=(12, 12),
    )


def sites_map(
    session: Session,
    basemap: Basemap,
    sites: list[dict[str, Any]],
    near_misses: list[dict[str, Any]],
    references: bool,
) -> folium.Map:
    """A company's top results as numbered markers, near misses in grey, and its references."""
    m = base_map(basemap)
    _context_layer(session, basemap).add_to(m)
    for s in sites:
        loc = s["location"]
        x, y = to_display(loc["lng"], loc["lat"], basemap.datum)
        note = (
            f"估算位置 ±{loc['error_m']:.0f} m / estimated ±{loc['error_m']:.0f} m"
            if loc["is_estimate"] and loc["error_m"]
            else ""
        )
        folium.Marker(
            (float(y), float(x)),
            icon=numbered_icon(s["rank"]),
            tooltip=f"#{s['rank']} {s['park_name_zh']} · {s['score']:.0f} 分",
            popup=folium.Popup(
                f"<b>#{s['rank']} {escape(s['unit_code'])}</b><br>"
                f"{escape(s['park_name_zh'])}<br>{note}",
                max_width=300,
            ),
        ).add_to(m)
        if loc["is_estimate"] and loc["error_m"]:
            folium.Circle(
                (float(y), float(x)),
                radius=loc["error_m"],
                color="#d7301f",
                weight=1,
                fill=False,
                dash_array="4 4",
            ).add_to(m)
    for n in near_misses:
        loc = n["location"]
        x, y = to_display(loc["lng"], loc["lat"], basemap.datum)
        folium.CircleMarker(
            (float(y), float(x)),
            radius=6,
            color="#777",
            fill=True,
            tooltip=safe.tooltip(
                f"✗ {n['unit_code']}: " + " ".join(f["message"] for f in n["failed"])
            ),
        ).add_to(m)
    if references:
        crossings = features(session, "stations")["features"]
        for f in crossings:
            if "口岸" in f["properties"]["name_zh"]:
                lng, lat = f["geometry"]["coordinates"]
                x, y = to_display(lng, lat, basemap.datum)
                folium.Marker(
                    (float(y), float(x)),
                    tooltip=f"{f['properties']['name_zh']} （口岸 / border crossing）",
                    icon=folium.Icon(color="black", icon="flag", prefix="fa"),
                ).add_to(m)
    _fit(m, [(s["location"]["lat"], s["location"]["lng"]) for s in sites], basemap)
    CategoricalLegend(
        "匹配结果 / results",
        [("#d7301f", "可行，按排名 / feasible, ranked"), ("#777777", "不可行近似项 / near misses")],
        shape="circle",
    ).add_to(m)
    return m


def assignments_map(session: Session, basemap: Basemap, points: list[dict[str, Any]]) -> folium.Map:
    """Units with a label each (an application's unit, or who goes where in a proposal)."""
    m = base_map(basemap)
    _context_layer(session, basemap).add_to(m)
    for i, p in enumerate(points, 1):
        x, y = to_display(p["lng"], p["lat"], basemap.datum)
        folium.Marker(
            (float(y), float(x)),
            icon=numbered_icon(i, p.get("color", "#2171b5")),
            tooltip=safe.tooltip(str(p["label"])),
            z_index_offset=1000 if i == 1 else 0,  # the first point stays on top
        ).add_to(m)
    _fit(m, [(p["lat"], p["lng"]) for p in points], basemap)
    return m


def _fit(m: folium.Map, latlngs: list[tuple[float, float]], basemap: Basemap) -> None:
    """Zoom to the points shown (with a margin), in the basemap's datum."""
    if not latlngs:
        return
    x, y = to_display([p[1] for p in latlngs], [p[0] for p in latlngs], basemap.datum)
    pad = 0.004
    m.fit_bounds(
        [
            [float(y.min()) - pad, float(x.min()) - pad],
            [float(y.max()) + pad, float(x.max()) + pad],
        ],
        max_zoom=14,
    )
