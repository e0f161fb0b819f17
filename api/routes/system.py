"""Landing page and health: what a person, a script or QGIS sees first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api.deps import DbSession
from spacemap import __version__, models
from spacemap.database import server_versions
from spacemap.store.common import provenance_counts

router = APIRouter()

TITLE_ZH = "福田区产业空间地图"
TITLE_EN = "Futian industrial-space map"


class Health(BaseModel):
    status: str
    version: str
    postgresql: str
    postgis: str


@router.get(
    "/health", response_model=Health, summary="服务与数据库状态 / Service and database health"
)
def health(session: DbSession) -> Health:
    versions = server_versions(session.get_bind())  # type: ignore[arg-type]
    return Health(status="ok", version=__version__, **versions)


def _landing(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "title": f"{TITLE_ZH} / {TITLE_EN}",
        "description": "福田区产业空间与企业匹配 / Futian industrial space and company matching",
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/?f=json"},
            {
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "href": f"{base}/openapi.json",
            },
            {"rel": "service-doc", "type": "text/html", "href": f"{base}/docs"},
            {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                "type": "application/json",
                "href": f"{base}/conformance",
            },
            {"rel": "data", "type": "application/json", "href": f"{base}/collections"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/data",
                "type": "application/json",
                "href": f"{base}/collections",
            },
            {"rel": "status", "type": "application/json", "href": f"{base}/health"},
        ],
    }


def _wants_json(request: Request, f: str | None) -> bool:
    if f is not None:
        return f == "json"
    accept = request.headers.get("accept", "")
    return "text/html" not in accept


@router.get("/", summary="着陆页 / Landing page (JSON or HTML)", response_model=None)
def landing(request: Request, session: DbSession, f: str | None = None) -> dict | HTMLResponse:
    if _wants_json(request, f):
        return _landing(request)
    counts = provenance_counts(
        session, [models.Zone, models.Area, models.Park, models.SpaceUnit, models.Tenant]
    )
    rows = "".join(
        f"<tr><td>{name}</td><td>{c['rows']}</td><td>{c['estimated']}</td><td>{c['synthetic']}</td></tr>"
        for name, c in counts.items()
    )
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{TITLE_ZH} / {TITLE_EN}</title></head><body>
<h1>{TITLE_ZH} <small lang="en">{TITLE_EN}</small></h1>
<p>数据概况 / Dataset summary — 估算与合成数据均已标注 /
estimated and synthetic rows are flagged.</p>
<table border="1" cellpadding="4"><tr><th>表 / table</th><th>行 / rows</th>
<th>估算 / estimated</th><th>合成 / synthetic</th></tr>{rows}</table>
<p><a href="/docs">API 文档 / API docs</a> · <a href="/health">健康检查 / health</a></p>
</body></html>"""
    return HTMLResponse(html)
