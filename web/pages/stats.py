"""The statistics page (规划统计) for planners, reviewers and administrators: charts drawn on the
server, each with its table and a CSV download, and a print layout."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from spacemap import review
from spacemap.catalog.queries import versions
from spacemap.i18n import _, current_locale
from spacemap.store.audit import Actor
from web import statistics
from web.pages.common import ReadDB, page_router, render, require_role

router = page_router()
StatsPage = Annotated[Actor, require_role("planner", "reviewer", "admin")]
PAPERS = {"a4": "A4 portrait", "a3": "A3 portrait"}

_cache: dict[str, list[statistics.StatFigure]] = {}
_lock = threading.Lock()


def figures(session: ReadDB) -> list[statistics.StatFigure]:
    """Every figure, built once per data version and language (charts take a moment)."""
    key = f"{versions(session, statistics.TABLES)}|{current_locale()}|{dt.date.today()}"
    with _lock:
        cached = _cache.get(key)
    if cached is None:
        cached = [build(session) for build in statistics.FIGURES.values()]
        with _lock:
            if len(_cache) > 8:
                _cache.clear()
            _cache[key] = cached
    return cached


@router.get("/stats", response_class=HTMLResponse)
def stats_page(
    request: Request, session: ReadDB, actor: StatsPage, paper: str | None = None
) -> HTMLResponse:
    paper = paper if paper in PAPERS else None
    return render(
        request,
        "stats.html",
        actor,
        figures=figures(session),
        paper=paper,
        page_size=PAPERS.get(paper or "a4"),
        today=dt.date.today().isoformat(),
        title=_("Statistics"),
    )


@router.get("/stats/{key}.csv")
def stats_csv(key: str, session: ReadDB, actor: StatsPage) -> Response:
    found = [f for f in figures(session) if f.key == key]
    if not found:
        raise review.NotFound(_("There is no figure named %(key)s.", key=key), "key")
    return Response(
        statistics.csv_text(found[0]).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="spacemap-{key}.csv"'},
    )
