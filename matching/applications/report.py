"""The bureau's reports: the queue and its decisions, and free space per area, as a table the
page shows, an Excel workbook and a CSV — one set of rows for all three, so they agree."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from matching.applications.views import ApplicationView
from spacemap.i18n import Msg, Names, _, label
from spacemap.store import stats
from spacemap.vocab import CHECKS

Table = tuple[list[str], list[list[Any]]]

QUEUE_COLUMNS: list[Msg] = [
    _("Application"), _("Company"), _("Industry"), _("Area"), _("Unit"), _("Requested m²"),
    _("Free now m²"), _("Score"), _("Failed checks today"), _("Other companies for the unit"),
    _("Status"), _("Filed"), _("Decided"), _("Reviewer"), _("Decision reason"),
    _("Whitelist version"), _("Synthetic unit"),
]  # fmt: skip

AREA_COLUMNS: list[Msg] = [
    _("Zone"), _("Area"), _("Parks"), _("Units"), _("Capacity m²"), _("Free m²"), _("Let m²"),
    _("Occupancy %"), _("Synthetic units"),
]  # fmt: skip


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def queue_table(items: Sequence[ApplicationView]) -> Table:
    rows = [
        [
            a.id, a.company_name, a.industry_name, a.area_name, a.unit_code, a.requested_m2,
            a.unit_available_m2, a.score,
            str(_(", ")).join(label(CHECKS, c.check) for c in a.checks if not c.passed),
            len(a.conflicts.same_unit), a.status_name, _when(a.created_at), _when(a.decided_at),
            a.decided_by or "", a.decision_reason or "",
            "" if a.whitelist_version is None else a.whitelist_version,
            str(_("yes") if a.unit_is_synthetic else _("no")),
        ]
        for a in items
    ]  # fmt: skip
    return [str(c) for c in QUEUE_COLUMNS], rows


def occupancy_table(session: Session) -> Table:
    rows = []
    for r in stats.areas(session):
        cap, free = float(r["capacity_m2"]), float(r["available_m2"])
        rows.append([
            Names(r["zone_name_zh"], r["zone_name_en"]).render(),
            Names(r["name_zh"], r["name_en"]).render(), r["parks"], r["units"], round(cap, 1),
            round(free, 1), round(cap - free, 1),
            round(100 * (cap - free) / cap, 1) if cap else "",  # no space recorded: no figure
            str(_("yes") if r["units_synthetic"] else _("no")),
        ])  # fmt: skip
    return [str(c) for c in AREA_COLUMNS], rows


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM, so Excel on a Chinese Windows opens it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table[0])
    writer.writerows(table[1])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: dict[str, Table]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, (headers, rows) in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for i, header in enumerate(headers, 1):
            width = max([len(str(header)), *(len(str(r[i - 1])) for r in rows[:200])]) + 2
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
