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
from web.maps import _area_popup, _park_popup, features


def _sector_names(codes: list[str] | None) -> str:
    names = sectors()
    return _list(Names(*names[c]).render() if c in names else c for c in codes or [])


def _list(items: Any) -> str:
    return ("、" if current_locale() == "zh" else ", ").join(items)


def area_popup(session: Session, code: str) -> Markup | None:
    """The area popup (``web.maps._area_popup``) with its space from the parks' unit totals, which
    cost the same at any number of units; no space recorded is said, never 0 %."""
    found = [f for f in features(session, "areas")["features"] if f["properties"]["code"] == code]
    if not found:
        return None
    availability = {}
    for r in planning.area_space(session):
        cap, free = float(r["capacity_m2"]), float(r["available_m2"])
        recorded = cap > 0
        availability[r["area"]] = {
            "space_recorded": recorded,
            "available_m2": free if recorded else None,
            "occupancy_pct": 100 * (cap - free) / cap if recorded else None,
            "units_synthetic": bool(r["units_synthetic"]),
        }
    return Markup(_area_popup(found[0]["properties"], availability))  # escaped by markup()


def park_popup(session: Session, code: str) -> Markup | None:
    found = features(session, "parks", park=code)["features"]
    return Markup(_park_popup(found[0]["properties"])) if found else None  # escaped by markup()


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
