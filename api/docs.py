"""The API's documentation pages, Swagger UI (``/docs``) and ReDoc (``/redoc``), offline.

Both come from the npm registry with the maps' libraries (``web/package.json``) and are served
under ``/static/vendor``; nothing is fetched from a CDN or Google Fonts. The pages hold no inline
script: ``web/static/api-docs.js`` starts the viewer named by the page, so they work under the
Content-Security-Policy of ``api.headers`` without a nonce.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from spacemap.i18n import HTML_LANG, _, current_locale
from web.assets import VENDOR_URL, redoc_bundle
from web.escape import html

router = APIRouter(include_in_schema=False)

SWAGGER = f"{VENDOR_URL}/swagger-ui-dist"
REDOC = "/docs/redoc.standalone.js"  # web.assets.redoc_bundle: the npm file, logo made local
SCRIPT = "/static/api-docs.js"


def _page(viewer: str, title: str, head: str, scripts: list[str]) -> HTMLResponse:
    locale = current_locale()
    tags = "".join(f'<script src="{html(src)}"></script>' for src in scripts)
    return HTMLResponse(
        f"""<!doctype html>
<html lang="{HTML_LANG[locale]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html(title)}</title>
<link rel="icon" type="image/png" href="{SWAGGER}/favicon-32x32.png">
{head}
</head>
<body>
<div id="api-docs" data-viewer="{viewer}" data-openapi-url="/openapi.json?lang={locale}"
     data-oauth2-redirect-url="{SWAGGER}/oauth2-redirect.html"></div>
{tags}
</body>
</html>"""
    )


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Try every endpoint from the browser (sign in with *Authorize*)."""
    head = f'<link rel="stylesheet" href="{SWAGGER}/swagger-ui.css">'
    title = str(_("spacemap API — interactive documentation"))
    return _page("swagger-ui", title, head, [f"{SWAGGER}/swagger-ui-bundle.js", SCRIPT])


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """The same document as a reference to read."""
    return _page("redoc", str(_("spacemap API — reference")), "", [REDOC, SCRIPT])


@router.get(REDOC)
def redoc_script() -> Response:
    return Response(
        redoc_bundle(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
