"""The planners' statistics: each figure as a chart, the table of its numbers and a CSV.

Figures are computed from ``spacemap.store.planning`` (one query each) and drawn by
``web.charts``; the page, the downloads and the tests read the same rows. Progress against the
plans' targets reads the dataset's cited dated series (``spacemap.store.indicators``), the same
the statistics API gives.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from spacemap.i18n import Msg, Names, _
from spacemap.store import indicators, planning
from web import charts

TABLES = ("areas", "zones", "parks", "space_units", "applications", "tenants", "area_whitelist",
          "whitelist_changes", "indicators", "indicator_values")  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str
    label: Msg
    kind: str = "text"  # text | int | m2 | pct | days | date


@dataclass
class StatFigure:
    key: str
    title: Msg
    svg: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    notes: list[Msg] = field(default_factory=list)


def _name(row: dict[str, Any], zh: str = "name_zh", en: str = "name_en") -> str:
    return Names(row[zh], row[en]).render()


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# ------------------------------------------------------------------ floor space and occupancy


def floor_space_rows(session: Session) -> list[dict[str, Any]]:
    rows = []
    for r in planning.floor_space(session):
        cap = float(r["capacity_m2"])
        rows.append(
            {
                "zone": _name(r, "zone_name_zh", "zone_name_en"),
                "area": _name(r),
                "code": r["area"],
                "units": int(r["units"]),
                "capacity_m2": round(cap, 1),
                "let_m2": round(float(r["let_m2"]), 1),
                "free_m2": round(float(r["free_m2"]), 1),
                "low_cost_m2": round(float(r["low_cost_m2"]), 1),
                "low_cost_free_m2": round(float(r["low_cost_free_m2"]), 1),
                "occupancy_pct": _pct(float(r["let_m2"]), cap),
                "synthetic": bool(r["synthetic"]),
            }
        )
    return rows


SPACE_COLUMNS = [
    Column("capacity_m2", _("Capacity m²"), "m2"),
    Column("let_m2", _("Let m²"), "m2"),
    Column("free_m2", _("Free m²"), "m2"),
    Column("low_cost_m2", _("Low-cost m²"), "m2"),
    Column("low_cost_free_m2", _("Low-cost free m²"), "m2"),
]


def _space_chart(title: Msg, labels: list[str], rows: list[dict[str, Any]]) -> str:
    return charts.bars(
        str(title),
        labels,
        [
            (str(_("Let m²")), [r["let_m2"] for r in rows]),
            (str(_("Free m²")), [r["free_m2"] for r in rows]),
            (str(_("Low-cost m²")), [r["low_cost_m2"] for r in rows]),
        ],
        "m²",
    )


def floor_space_by_area(session: Session) -> StatFigure:
    rows = floor_space_rows(session)
    title = _("Floor space by area")
    return StatFigure(
        "floor-space-areas",
        title,
        _space_chart(title, [r["area"] for r in rows], rows),
        [Column("area", _("Area")), Column("zone", _("Zone")),
         Column("units", _("Units"), "int"), *SPACE_COLUMNS],
        rows,
        [_("Let = capacity − free. Space units are synthetic (sized from documented park "
           "figures); low-cost = units flagged low-cost.")],
    )  # fmt: skip


def floor_space_by_zone(session: Session) -> StatFigure:
    by_zone: dict[str, dict[str, Any]] = {}
    for r in floor_space_rows(session):
        z = by_zone.setdefault(r["zone"], {"zone": r["zone"], "units": 0, "areas": 0})
        z["areas"] += 1
        z["units"] += r["units"]
        for c in SPACE_COLUMNS:
            z[c.key] = round(z.get(c.key, 0.0) + r[c.key], 1)
    rows = list(by_zone.values())
    for z in rows:
        z["occupancy_pct"] = _pct(z["let_m2"], z["capacity_m2"])
    title = _("Floor space by zone (one axis, two wings)")
    return StatFigure(
        "floor-space-zones",
        title,
        _space_chart(title, [r["zone"] for r in rows], rows),
        [Column("zone", _("Zone")), Column("areas", _("Areas"), "int"),
         Column("units", _("Units"), "int"), *SPACE_COLUMNS,
         Column("occupancy_pct", _("Occupancy %"), "pct")],
        rows,
    )  # fmt: skip


def occupancy(session: Session) -> StatFigure:
    rows = [
        {"area": r["area"], "capacity_m2": r["capacity_m2"], "let_m2": r["let_m2"],
         "occupancy_pct": r["occupancy_pct"]}
        for r in floor_space_rows(session)
    ]  # fmt: skip
    title = _("Occupancy by area")
    svg = charts.bars(
        str(title),
        [r["area"] for r in rows],
        [(str(_("Occupancy %")), [r["occupancy_pct"] for r in rows])],
        "%",
        missing=str(_("no data")),
    )
    return StatFigure(
        "occupancy",
        title,
        svg,
        [Column("area", _("Area")), Column("capacity_m2", _("Capacity m²"), "m2"),
         Column("let_m2", _("Let m²"), "m2"), Column("occupancy_pct", _("Occupancy %"), "pct")],
        rows,
        [_("An area with no space recorded has no occupancy (no data), not 0 %.")],
    )  # fmt: skip


# ------------------------------------------------------------------ applications


def applications(session: Session) -> StatFigure:
    rows = [
        {"month": r["month"].isoformat()[:7], "filed": int(r["filed"]),
         "approved": int(r["approved"]), "rejected": int(r["rejected"])}
        for r in planning.applications_by_month(session)
    ]  # fmt: skip
    title = _("Applications and approvals per month")
    svg = charts.lines(
        str(title),
        [r["month"] for r in rows],
        [(str(_("Filed")), [r["filed"] for r in rows]),
         (str(_("Approved")), [r["approved"] for r in rows]),
         (str(_("Rejected")), [r["rejected"] for r in rows])],
        str(_("applications")),
        empty=str(_("No applications yet.")),
    )  # fmt: skip
    return StatFigure(
        "applications",
        title,
        svg,
        [Column("month", _("Month"), "date"), Column("filed", _("Filed"), "int"),
         Column("approved", _("Approved"), "int"), Column("rejected", _("Rejected"), "int")],
        rows,
        [_("Filed by the month of filing; approved and rejected by the month of the decision "
           "(China Standard Time).")],
    )  # fmt: skip


def time_to_decision(session: Session) -> StatFigure:
    rows = [
        {"month": r["month"].isoformat()[:7], "decided": int(r["decided"]),
         "median_days": round(float(r["median_days"]), 2),
         "p90_days": round(float(r["p90_days"]), 2), "max_days": round(float(r["max_days"]), 2)}
        for r in planning.time_to_decision(session)
    ]  # fmt: skip
    title = _("Time to decision (days from filing to approval or rejection)")
    svg = charts.lines(
        str(title),
        [r["month"] for r in rows],
        [(str(_("Median")), [r["median_days"] for r in rows]),
         (str(_("90th percentile")), [r["p90_days"] for r in rows])],
        str(_("days")),
        empty=str(_("No decisions yet.")),
    )  # fmt: skip
    return StatFigure(
        "time-to-decision",
        title,
        svg,
        [Column("month", _("Month"), "date"), Column("decided", _("Decided"), "int"),
         Column("median_days", _("Median days"), "days"),
         Column("p90_days", _("90th percentile days"), "days"),
         Column("max_days", _("Longest days"), "days")],
        rows,
    )  # fmt: skip


def whitelist_fit(session: Session) -> StatFigure:
    rows = []
    for r in planning.whitelist_fit(session):
        rows.append(
            {
                "area": _name(r),
                "approved": int(r["approved"]),
                "approved_on_list": int(r["approved_on_list"]),
                "approved_pct": _pct(r["approved_on_list"], r["approved"]),
                "tenants": int(r["tenants"]),
                "tenants_on_list": int(r["tenants_on_list"]),
                "tenants_pct": _pct(r["tenants_on_list"], r["tenants"]),
            }
        )
    title = _("Placements in sectors on each area's whitelist")
    svg = charts.bars(
        str(title),
        [r["area"] for r in rows],
        [(str(_("Approved applications on the list %")), [r["approved_pct"] for r in rows]),
         (str(_("Tenants on the list %")), [r["tenants_pct"] for r in rows])],
        "%",
        missing=str(_("none")),
    )  # fmt: skip
    return StatFigure(
        "whitelist-fit",
        title,
        svg,
        [Column("area", _("Area")), Column("approved", _("Approved"), "int"),
         Column("approved_on_list", _("Approved on the list"), "int"),
         Column("approved_pct", _("Approved on the list %"), "pct"),
         Column("tenants", _("Tenants"), "int"),
         Column("tenants_on_list", _("Tenants on the list"), "int"),
         Column("tenants_pct", _("Tenants on the list %"), "pct")],
        rows,
        [_("The industry whitelist in force today, as the bureau applies it. Tenants are "
           "synthetic, generated from documented counts.")],
    )  # fmt: skip


# ------------------------------------------------------------------ targets


def targets(session: Session) -> StatFigure:
    """The plans' indicators as dated, cited series (``spacemap.store.indicators``): each
    target and actual as the documents state them, and — where the service can measure the same
    quantity — its own measure, set against the actual of that measure (a coverage, not progress
    towards a target of another measure)."""
    series = indicators.indicator_series(session)
    rows: list[dict[str, Any]] = []
    notes: list[Msg] = []
    for s in series:
        for v in s.values:
            rows.append({
                "target": s.name.render(), "date": v.as_of or str(v.year),
                "kind": str(_("target") if v.kind == "target" else _("actual")),
                "value": v.value, "source": v.citation,
            })  # fmt: skip
        if s.measured is not None:
            rows.append({
                "target": s.name.render(), "date": dt.date.today().isoformat(),
                "kind": str(_("measured by the service")), "value": s.measured.value,
                "source": s.measure.render(),
            })  # fmt: skip
        elif s.measurable == "no":
            notes.append(_("%(name)s: %(why)s", name=s.name, why=s.measure))
    charted = [s for s in series if s.unit == "m2" and s.values][:3]
    plans = [
        (str(_("%(name)s (plan and actuals)", name=s.name)),
         [dt.date(v.year, 12, 31) for v in s.values], [v.value for v in s.values])
        for s in charted
    ]  # fmt: skip
    measured = [
        (str(_("%(name)s: measured by the service", name=s.name)), dt.date.today(),
         s.measured.value)
        for s in charted if s.measured is not None
    ]  # fmt: skip
    title = _("Progress against the plans' targets")
    return StatFigure(
        "targets",
        title,
        charts.targets(str(title), plans, measured, "m²"),
        [Column("target", _("Indicator")), Column("date", _("Date"), "date"),
         Column("kind", _("Target, actual or measured")), Column("value", _("Value"), "m2"),
         Column("source", _("Source"))],
        rows,
        notes,
    )  # fmt: skip


FIGURES: dict[str, Callable[[Session], StatFigure]] = {
    "floor-space-areas": floor_space_by_area,
    "floor-space-zones": floor_space_by_zone,
    "occupancy": occupancy,
    "applications": applications,
    "time-to-decision": time_to_decision,
    "whitelist-fit": whitelist_fit,
    "targets": targets,
}


def csv_text(figure: StatFigure) -> str:
    """The figure's table as CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(c.label) for c in figure.columns])
    for row in figure.rows:
        writer.writerow(["" if row.get(c.key) is None else row[c.key] for c in figure.columns])
    return "\ufeff" + out.getvalue()
