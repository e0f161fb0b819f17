"""`spacemap data …`: what the bureau checks the data by — whitelist conflicts, plan indicators.

Output is in the CLI's language (``SPACEMAP_LANG``/``LANG``); ``--json`` gives both languages'
names and every citation for scripts.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from spacemap.i18n import _, locale_from_environment, ngettext, set_locale

data_app = typer.Typer(
    help="数据报告 / Data report: whitelist conflicts and plan indicators, with citations."
)

JsonOption = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def _session_rows(read):  # a store function: its rows, read in one transaction
    from spacemap.database import get_engine, session_scope

    with session_scope(get_engine()) as session:
        return read(session)


@data_app.command("conflicts")
def conflicts(as_json: JsonOption = False) -> None:
    """片区清单与园区文件的冲突 / Documented park fields the area's whitelist does not admit."""
    from spacemap.i18n import label
    from spacemap.store.conflicts import whitelist_conflicts
    from spacemap.taxonomy import sectors

    set_locale(locale_from_environment())
    items = _session_rows(whitelist_conflicts)
    if as_json:
        rows = [
            {
                "area": c.area_code,
                "park": c.park_code,
                "industry": c.industry_code,
                "park_status": c.park_status,
                "area_is_estimate": c.area_is_estimate,
                "park_source": c.park_source,
                "park_quote": c.park_quote,
                "whitelist_source": c.whitelist_source,
                "whitelist": list(c.whitelist),
                "legacy_tenants": c.legacy_tenants,
            }
            for c in items
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for c in items:
        said = _(
            "The park's documents: %(source)s “%(quote)s”", source=c.park_source, quote=c.park_quote
        )
        listed = _(
            "The area's whitelist (%(source)s) does not list it; it admits: %(sectors)s",
            source=c.whitelist_source,
            sectors=", ".join(label(sectors(), code) for code in c.whitelist),
        )
        notes = []
        if c.area_is_estimate:
            notes.append(str(_("the park's area is our estimate")))
        if c.park_status == "planned":
            notes.append(str(_("a planned carrier")))
        notes.append(str(_("legacy tenants in this field: %(n)d", n=c.legacy_tenants)))
        typer.echo(
            f"{c.area} · {c.park} · {c.industry}\n  {said}\n  {listed}\n  " + "; ".join(notes)
        )
    typer.echo(str(ngettext("%(n)d conflict", "%(n)d conflicts", len(items))))
