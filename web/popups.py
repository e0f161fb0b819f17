"""The zone map's popups as HTML fragments (``/map/popup/{kind}/{code}``), in the reader's
language and escaped here: zonemap.js puts them into the page as they come."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from spacemap.i18n import Names, _
from spacemap.store import stats
from spacemap.taxonomy import sectors
from web import escape as safe
from web.maps import _park_popup, features


def _sector_names(codes: list[str] | None) -> str:
    names = sectors()
    return "、".join(Names(*names[c]).render() if c in names else c for c in codes or [])


def _space(row: dict[str, Any] | None) -> Markup:
    """Floor space of an area; an area with no unit recorded says so (no data is not 0 %)."""
    if row is None or float(row["capacity_m2"]) <= 0:
        return safe.markup("<b>{}</b>", _("No space recorded here (no data)."))
    cap, free = float(row["capacity_m2"]), float(row["available_m2"])
    text = _(
        "Capacity %(cap)s m² · let %(let)s m² · free %(free)s m² · occupancy %(pct)s %%",
        cap=f"{cap:,.0f}", let=f"{cap - free:,.0f}", free=f"{free:,.0f}",
        pct=f"{100 * (cap - free) / cap:.1f}",
    )  # fmt: skip
    note = _("units are synthetic") if row["units_synthetic"] else ""
    return safe.markup("{}<br><small>{}</small>", text, note)


def area_popup(session: Session, code: str) -> Markup | None:
    found = [f for f in features(session, "areas")["features"] if f["properties"]["code"] == code]
    if not found:
        return None
    p = found[0]["properties"]
    row = next((r for r in stats.areas(session) if r["area"] == code), None)
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
