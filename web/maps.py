"""The maps: a company's match results, an application, a proposal, and the popups of areas
and parks (the planners' zone map itself is ``web.zonemap``, drawn from vector tiles).

Every map reads the same collections the OGC API serves (``spacemap.catalog``), so the map and
the API never disagree; the map uses canvas rendering. Estimated locations and synthetic rows say
so in their popups.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
from markupsafe import Markup
from sqlalchemy.orm import Session

from spacemap.catalog.collections import COLLECTIONS
from spacemap.catalog.queries import FeatureQuery, page
from spacemap.i18n import Names, _, current_locale, gettext, label
from spacemap.store import stats
from spacemap.taxonomy import sectors
from spacemap.vocab import BOUNDARY_QUALITIES, PARK_STATUSES, PARK_TYPES, TAG_BASES
from web import escape as safe
from web.basemaps import Basemap, display_geojson, to_display
from web.escape import markup
from web.legends import CategoricalLegend
from web.map_controls import localize_controls

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
            name=str(Names(basemap.zh, basemap.en)),
            subdomains=basemap.subdomains,
            max_zoom=18,
        ).add_to(m)
    return m


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


COMBINATION_COLOR = "#6a51a3"


def numbered_icon(n: int | str, color: str = "#d7301f") -> folium.DivIcon:
    return folium.DivIcon(
        html=f'<div class="spacemap-rank" style="background:{color};color:#fff;border-radius:50%;'
        f"width:24px;height:24px;line-height:24px;text-align:center;font-weight:bold;"
        f'border:2px solid #fff;box-shadow:0 0 3px #000">{n}</div>',
        icon_size=(24, 24),
        icon_anchor=(12, 12),
    )


def _outlines(session: Session, basemap: Basemap) -> folium.FeatureGroup:
    """Futian's boundary and the eight areas in outline, named in the reader's language (names
    HTML-escaped: Leaflet shows GeoJSON tooltip values as HTML)."""
    group = folium.FeatureGroup(name=str(_("Futian and its eight areas")))
    name = "name_zh" if current_locale() == "zh" else "name_en"
    districts = display_geojson(features(session, "districts"), basemap.datum)
    areas = display_geojson(features(session, "areas"), basemap.datum)
    shapes = [f for f in districts["features"] if f["properties"]["is_futian"]]
    for kind, collection, style in (
        ("district", shapes, {"color": "#222", "weight": 3, "fill": False}),
        ("area", areas["features"], {"color": "#888", "weight": 1, "fillOpacity": 0.04}),
    ):
        shown = [
            {**f, "properties": {"label": str(safe.html(f["properties"][name])), "kind": kind}}
            for f in collection
        ]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": shown},
            style_function=lambda _f, st=style: st,
            tooltip=folium.GeoJsonTooltip(["label"], labels=False),
        ).add_to(group)
    return group


def sites_map(
    session: Session,
    basemap: Basemap,
    sites: list[dict[str, Any]],
    near_misses: list[dict[str, Any]],
    references: bool,
    combinations: Sequence[dict[str, Any]] = (),
) -> folium.Map:
    """A company's results as numbered markers, sites of several units as S1, S2…, near misses
    in grey, and — when it asked to be near the border — the crossings; every word in the
    reader's language, every name escaped."""
    m = base_map(basemap)
    localize_controls(m)
    _outlines(session, basemap).add_to(m)
    zh = current_locale() == "zh"
    for s in sites:
        loc = s["location"]
        x, y = to_display(loc["lng"], loc["lat"], basemap.datum)
        park = s["park_name_zh"] if zh else (s["park_name_en"] or s["park_name_zh"])
        named = safe.markup('<span translate="no">{}</span>', park)  # a name, not UI text
        note = ""
        if loc["is_estimate"]:
            note = str(
                _("estimated location ±%(m).0f m", m=loc["error_m"])
                if loc["error_m"]
                else _("estimated location")
            )
        folium.Marker(
            (float(y), float(x)),
            icon=numbered_icon(s["rank"]),
            tooltip=safe.tooltip(
                Markup(safe.html(gettext("#%(rank)d %(park)s · fit %(fit).0f")))
                % {"rank": s["rank"], "park": named, "fit": s["fit"]}
            ),
            popup=safe.popup(
                safe.markup(
                    "<b>#{} {}</b><br>{}<br><small>{}</small>",
                    s["rank"],
                    s["unit_code"],
                    named,
                    note,
                )
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
    for c in combinations:
        loc = c["location"]
        x, y = to_display(loc["lng"], loc["lat"], basemap.datum)
        park = c["park_name_zh"] if zh else (c["park_name_en"] or c["park_name_zh"])
        named = safe.markup('<span translate="no">{}</span>', park)
        folium.Marker(
            (float(y), float(x)),
            icon=numbered_icon(f"S{c['rank']}", COMBINATION_COLOR),
            tooltip=safe.tooltip(
                Markup(safe.html(gettext("Site %(n)d %(park)s · fit %(fit).0f")))
                % {"n": c["rank"], "park": named, "fit": c["fit"]}
            ),
            popup=safe.popup(
                safe.markup("<b>{}</b><br>{}<br><small>{}</small>",
                            _("Site %(n)d", n=c["rank"]), named,
                            " · ".join(u["unit_code"] for u in c["units"]))
            ),
        ).add_to(m)  # fmt: skip
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
        for f in features(session, "stations")["features"]:
            p = f["properties"]
            if "口岸" in p["name_zh"]:  # the border crossings among the stations
                lng, lat = f["geometry"]["coordinates"]
                x, y = to_display(lng, lat, basemap.datum)
                folium.Marker(
                    (float(y), float(x)),
                    tooltip=safe.tooltip(
                        _(
                            "%(name)s (border crossing)",
                            name=p["name_zh"] if zh else (p["name_en"] or p["name_zh"]),
                        )
                    ),
                    icon=folium.Icon(color="black", icon="flag", prefix="fa"),
                ).add_to(m)
    shown = [*sites, *combinations]
    _fit(m, [(s["location"]["lat"], s["location"]["lng"]) for s in shown], basemap)
    kinds = [("#d7301f", str(_("meets every need, numbered by rank")))]
    if combinations:
        kinds.append((COMBINATION_COLOR, str(_("a site of several units of one park (S1, S2…)"))))
    kinds.append(("#777777", str(_("near miss: fails a need"))))
    CategoricalLegend(str(_("Results")), kinds, shape="circle").add_to(m)
    return m


def assignments_map(session: Session, basemap: Basemap, points: list[dict[str, Any]]) -> folium.Map:
    """Units with a label each (an application's unit, or who goes where in a proposal)."""
    m = base_map(basemap)
    localize_controls(m)
    _outlines(session, basemap).add_to(m)
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
    """Zoom to the points shown (with a margin), in the basemap's datum. The bottom band the
    legend sits in (bottom left, up to three rows) is kept clear: a marker the legend covered
    was a result the company could not see."""
    if not latlngs:
        return
    x, y = to_display([p[1] for p in latlngs], [p[0] for p in latlngs], basemap.datum)
    pad = 0.004
    m.fit_bounds(
        [
            [float(y.min()) - pad, float(x.min()) - pad],
            [float(y.max()) + pad, float(x.max()) + pad],
        ],
        padding_top_left=(24, 24),
        padding_bottom_right=(24, LEGEND_BAND_PX),
        max_zoom=14,
    )


LEGEND_BAND_PX = 110  # the legend's height with three rows, and a margin
