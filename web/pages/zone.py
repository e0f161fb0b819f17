"""The planners' zone map (规划视图), built once per data version."""

from __future__ import annotations

import threading

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from spacemap.catalog.queries import versions
from spacemap.i18n import current_locale
from spacemap.store.audit import Actor
from web import maps
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

router = page_router()

# ---------------------------------------------------------------- zone map (规划视图)

_zone_cache: dict[str, dict[str, str]] = {}
_zone_lock = threading.Lock()


def zone_map_parts(session: Session, basemap: Basemap, measure: str) -> dict[str, str]:
    """Built once per data version, basemap, shading and language; rebuilt when the data
    changes."""
    version = versions(session, ZONE_TABLES)
    key = f"{version}|{basemap.key}|{measure}|{current_locale()}"
    with _zone_lock:
        cached = _zone_cache.get(key)
    if cached is None:
        cached = map_parts(maps.zone_map(session, basemap, measure))
        with _zone_lock:  # keep other languages and shadings of this data version only
            for stale in [k for k in _zone_cache if not k.startswith(f"{version}|")]:
                del _zone_cache[stale]
            _zone_cache[key] = cached
    return cached


def zone_page(
    request: Request,
    session: Session,
    actor: Actor | None,
    basemap: str | None = None,
    measure: str = "available_m2",
) -> HTMLResponse:
    chosen, options = pick_basemap(basemap)
    measure = measure if measure in ("available_m2", "occupancy_pct") else "available_m2"
    parts = zone_map_parts(session, chosen, measure)
    return render(
        request,
        "zone.html",
        actor,
        map=parts,
        basemap=chosen,
        basemaps=options,
        measure=measure,
        title_zh="规划视图",
        title_en="Zone map",
    )


@router.get("/map", response_class=HTMLResponse)
def zone(
    request: Request,
    session: ReadDB,
    actor: PageActor,
    basemap: str | None = None,
    measure: str = "available_m2",
) -> HTMLResponse:
    return zone_page(request, session, actor, basemap, measure)
