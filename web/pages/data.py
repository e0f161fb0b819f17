"""The bureau's data report (数据报告): where the documents and the whitelists disagree.

Reviewers only. Each row is a park's field as its document states it next to the area's whitelist
as the plan states it, both cited — the data keeps both facts; the bureau decides.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from spacemap.i18n import _, label
from spacemap.store.conflicts import whitelist_conflicts
from spacemap.taxonomy import sectors
from web.pages.common import DB, render
from web.pages.review import ReviewerPage

router = APIRouter(include_in_schema=False)


@router.get("/data/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request, session: DB, actor: ReviewerPage) -> HTMLResponse:
    items = whitelist_conflicts(session)
    names = sectors()
    return render(
        request,
        "data_conflicts.html",
        actor,
        items=items,
        admitted={c.area_code: [label(names, code) for code in c.whitelist] for c in items},
        legacy=sum(c.legacy_tenants for c in items),
        title=_("Data report: whitelist conflicts"),
    )
