"""The FastAPI application factory (``uvicorn api.app:create_app --factory``)."""

from __future__ import annotations

from fastapi import FastAPI

from api.routes import system
from spacemap import __version__


def create_app() -> FastAPI:
    app = FastAPI(
        title="spacemap — 福田区产业空间地图 / Futian industrial-space map",
        version=__version__,
        description=(
            "产业空间、片区正面清单与企业匹配 / Industrial space, area whitelists and matching."
        ),
    )
    app.include_router(system.router)
    return app
