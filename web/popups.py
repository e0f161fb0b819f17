"""The zone map's popups as HTML fragments (``/map/popup/{kind}/{code}``), in the reader's
language and escaped here: zonemap.js puts them into the page as they come."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from spacemap.catalog import tiles
from spacemap.i18n import Names, _, current_locale
from spacemap.store import planning
from spacemap.taxonomy import sectors
from web import escape as safe
from web.maps import _park_popup, features


def _sector_names(codes: list[str] | None) -> str:
    names = sectors()
    return _list(Names(*names[c]).render() if c in names else c for c in codes or [])


def _list(items: Any) -> str:
    return ("、" if current_locale() == "zh" else ", ").join(items)


def _space(row: dict[str, Any] | None) -> Markup:
    """Floor space of an area; an area with no unit recorded says so (no data is not 0 %)."""
    if row is None or float(row["capacity_m2"]) <= 0:
        return safe.markup("<b>{}</b>", _("No space recorded here (no data)."))
    cap, free = float(row["capacity_m2"]), float(row["available_m2"])
    text = _(
        "Capacity %(cap)s m² · let %(let)s m² · free %(free)s m² · occupancy %(pct)s %%",
        cap=format(cap, ",.0f"), let=format(cap - free, ",.0f"), free=format(free, ",.0f"),
        pct=format(100 * (cap - free) / cap, ".1f"),
    )  # fmt: skip
    note = _("units are synthetic") if row["units_synthetic"] else ""
    return safe.markup("{}<br><small>{}</small>", text, note)


def area_popup(session: Session, code: str) -> Markup | None:
    found = [f for f in features(session, "areas")["features"] if f["properties"]["code"] == code]
    if not found:
        return None
    p = found[0]["properties"]
    row = next((r for r in planning.area_space(session) if r["area"] == code), None)
    zone = Names(row["zone_name_zh"], row["zone_name_en"]).render() if row else p["zone"]
    return safe.markup(
        "<b>{}</b> <small>{}</small><br><b>{}</b> {}<br><b>{}</b> {}<br><b>{}</b> {}<br>{}"
        "<br><small>{} {}</small>",
        Names(p["name_zh"], p["name_en"]).render(), zone,
        _("Positioning:"), Names(p["positioning_zh"], p["positioning_en"]).render(),
        _("Lead industries:"), _sector_names(p["lead_industries"]),
        _("Whitelist:"), _sector_names(p["whitelist"]),
        _space(row), _("Estimated boundary:"), p["geom_method"],
    )  # fmt: skip


def park_popup(session: Session, code: str) -> Markup | None:
    found = features(session, "parks", park=code)["features"]
    return _park_popup(found[0]["properties"]) if found else None


POPUPS = {"area": area_popup, "park": park_popup}


def cell_popup(session: Session, z: int, x: int, y: int, datum: str, low_cost: bool) -> Markup:
    """What one cell of the units (or low-cost) layer holds: its units, most free space first."""
    rows = tiles.cell_units(session, z, x, y, datum, low_cost)
    if not rows:
        return safe.markup("<p>{}</p>", _("No units here."))
    total = int(rows[0]["total"])
    title = _("%(n)s low-cost units", n=total) if low_cost else _("%(n)s units", n=total)
    head = safe.markup(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("Unit"), _("Free m²"), _("Capacity m²"), _("Rent CNY/m²/month"),
    )  # fmt: skip
    body = Markup("").join(
        safe.markup(
            '<tr data-unit="{}"><td>{}{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            r["code"],
            r["code"],
            safe.markup(" <small>{}</small>", _("low-cost")) if r["is_low_cost"] else "",
            safe.markup(" <small>{}</small>", _("synthetic")) if r["is_synthetic"] else "",
            format(r["available_m2"], ",.0f"),
            format(r["capacity_m2"], ",.0f"),
            format(r["rent_cny_m2_month"], ",.0f"),
        )
        for r in rows
    )
    parks = sorted({Names(r["name_zh"], r["name_en"]).render() for r in rows})
    more = (
        safe.markup("<p><small>{}</small></p>", _("%(n)s more: zoom in.", n=total - len(rows)))
        if total > len(rows)
        else ""
    )
    return safe.markup(
        '<b>{}</b><br><small>{}</small><div class="unit-table"><table>{}{}</table></div>{}',
        title, _list(parks), head, body, more,
    )  # fmt: skip
