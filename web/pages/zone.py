"""The planners' zone map (规划视图) and its popups; a print layout for A4/A3."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from spacemap import review
from spacemap.catalog import tiles
from spacemap.catalog.queries import versions
from spacemap.i18n import Names, _, current_locale
from spacemap.store import parks
from spacemap.store.audit import Actor
from spacemap.vocab import PARK_TYPES
from web import escape, zonemap
from web.basemaps import Basemap
from web.pages.common import (
    ZONE_TABLES,
    PageActor,
    ReadDB,
    map_parts,
    page_router,
    pick_basemap,
    render,
)
from web.popups import POPUPS, cell_popup

router = page_router()

LAYERS = ("district", "zones", "areas", "areaLabels", "parks", "lowCost", "units", "stations",
          "crossings")  # fmt: skip
DEFAULT_ON = ("district", "zones", "areas", "areaLabels", "parks", "lowCost", "stations",
              "crossings")  # fmt: skip
PAPERS = {"a4": "A4 landscape", "a3": "A3 landscape"}

_zone_cache: dict[str, dict[str, Any]] = {}
_zone_lock = threading.Lock()


def _layers_on(layers: str | None) -> list[str]:
    """``?layers=areas,units``: the layers switched on (unknown names are ignored)."""
    if not layers:
        return list(DEFAULT_ON)
    wanted = [name for name in layers.split(",") if name in LAYERS]
    return wanted or list(DEFAULT_ON)


def zone_map_parts(
    session: Session, basemap: Basemap, measure: str, on: list[str], paper: str | None
) -> dict[str, Any]:
    """Built once per data version, basemap, shading, language and layer set."""
    version = versions(session, ZONE_TABLES)
    key = f"{version}|{basemap.key}|{measure}|{current_locale()}|{','.join(on)}|{paper}"
    with _zone_lock:
        cached = _zone_cache.get(key)
    if cached is None:
        built = zonemap.zone_map(session, basemap, measure)
        built.config["on"] = on
        built.config["print"] = bool(paper)
        cached = {
            "map": map_parts(built.map),
            "config": built.config,
            "legend": built.legend,
            "version": hashlib.sha256(version.encode()).hexdigest()[:10],
        }
        with _zone_lock:
            if len(_zone_cache) > 32:
                _zone_cache.clear()
            _zone_cache[key] = cached
    return cached


def zone_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    basemap: str | None = None,
    measure: str = "available_m2",
    layers: str | None = None,
    paper: str | None = None,
) -> HTMLResponse:
    chosen, options = pick_basemap(basemap)
    measure = measure if measure in zonemap.MEASURES else "available_m2"
    paper = paper if paper in PAPERS else None
    parts = zone_map_parts(session, chosen, measure, _layers_on(layers), paper)
    return render(
        request,
        "zone.html",
        actor,
        map=parts["map"],
        config=parts["config"],
        legend=parts["legend"],
        data_version=parts["version"],
        basemap=chosen,
        basemaps=options,
        measure=measure,
        measure_name=zonemap.measure_label(measure),
        paper=paper,
        page_size=PAPERS.get(paper or "a4"),
        today=dt.date.today().isoformat(),
        tiles_code=escape.markup(
            '<code id="tiles-url" translate="no">{}</code>', "/tiles/units/{z}/{x}/{y}.mvt"
        ),
        title=_("Zone map"),
    )


@router.get("/map", response_class=HTMLResponse)
def zone(
    request: Request,
    session: ReadDB,
    actor: PageActor,
    basemap: str | None = None,
    measure: str = "available_m2",
    layers: str | None = None,
    paper: str | None = None,
) -> HTMLResponse:
    return zone_page(request, session, actor, basemap, measure, layers, paper)


@router.get("/map/popup/{kind}/{code}", response_class=HTMLResponse)
def popup(kind: str, code: str, session: ReadDB) -> HTMLResponse:
    """An area's or a park's popup, as an HTML fragment in the reader's language."""
    build = POPUPS.get(kind)
    if build is None:
        raise review.NotFound(_("There is no popup of kind %(kind)s.", kind=kind), "kind")
    content = build(session, code)
    if content is None:
        raise review.NotFound(_("Nothing on the map has the code %(code)s.", code=code), "code")
    return HTMLResponse(str(content), headers={"Cache-Control": "no-cache"})


@router.get("/map/cell/{layer}/{z}/{x}/{y}", response_class=HTMLResponse)
def cell(layer: str, z: int, x: int, y: int, session: ReadDB, datum: str = "wgs84") -> HTMLResponse:
    """The units in one cell of the units or low-cost layer (its ``cell`` property), as an
    HTML fragment for the map's popup."""
    if layer not in ("units", "low-cost"):
        raise review.NotFound(_("Only the units and low-cost layers have cells."), "layer")
    try:
        content = cell_popup(session, z, x, y, datum, layer == "low-cost")
    except tiles.TileError as exc:  # a cell that cannot exist is not found
        raise review.NotFound(exc.reason, exc.field) from None
    return HTMLResponse(str(content), headers={"Cache-Control": "no-cache"})


@router.get("/map/search")
def search_parks(session: ReadDB, q: str = "", datum: str = "wgs84") -> list[dict[str, Any]]:
    """Parks matching ``q`` by Chinese or English name, code or operator, for the map's search
    box: each with its name in the reader's language and where to put the popup (``at``, in
    the basemap's datum)."""
    datum = datum if datum in tiles.DATUMS else "wgs84"
    return [
        {
            "code": r["code"],
            "name": Names(r["name_zh"], r["name_en"]).render(),
            "type": Names(*PARK_TYPES.get(r["park_type"], (r["park_type"],) * 2)).render(),
            "at": zonemap.latlng(r["lng"], r["lat"], datum),
        }
        for r in parks.search(session, q[:64])
    ]
