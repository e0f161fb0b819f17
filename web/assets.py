"""Offline maps: every script, stylesheet, font and icon is served by spacemap itself.

The libraries come from the npm registry at set-up (``web/package.json``, pinned to the versions
folium 0.20 and branca 0.8 reference; ``make install`` runs ``npm ci``) and are served under
``/static/vendor/<package>/...``. npm rather than the xstatic wheels: it carries every library
folium needs at the exact versions it expects, where xstatic lacks some (awesome-markers,
leaflet-search) and lags on others. Relative URLs inside the CSS (Leaflet's marker images, Font
Awesome's webfonts, awesome-markers' sprites) resolve inside the same package folder.

Rewriting is per element instance (``element.default_js = ...``), never folium's class lists, so
other code using folium in the same process is unaffected. branca's colormap writes a d3 link into
its template, so the rendered HTML is rewritten too, and ``external_urls`` lets a test prove
nothing external remains.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from branca.element import Element, Figure

VENDOR_DIR = Path(__file__).resolve().parent / "node_modules"
STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_URL = "/static/vendor"

# The file a CDN address of folium's or branca's ends in → that file inside web/node_modules.
# Keyed by file name, not by address, so no CDN host needs to appear in the code at all.
BY_FILE = {
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "leaflet.awesome-markers.js": "leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
    "leaflet.awesome-markers.css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "all.min.css": "@fortawesome/fontawesome-free/css/all.min.css",
    "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "leaflet-search.min.js": "leaflet-search/dist/leaflet-search.min.js",
    "leaflet-search.min.css": "leaflet-search/dist/leaflet-search.min.css",
    "d3.min.js": "d3/d3.min.js",
}
# Bootstrap 3 glyphicons and folium's icon-rotation sheet: the maps use neither.
DROPPED = {"bootstrap-glyphicons.css", "leaflet.awesome.rotate.min.css"}

LOCAL = {name: f"{VENDOR_URL}/{path}" for name, path in BY_FILE.items()}
# The API documentation pages (api.docs): Swagger UI and ReDoc's self-contained bundle.
REDOC_BUNDLE = "redoc/bundles/redoc.standalone.js"
API_DOCS = (
    "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css",
    "swagger-ui-dist/oauth2-redirect.html",
    REDOC_BUNDLE,
)
# ReDoc's sidebar always shows Redocly's logo from their CDN; no option turns it off. The copy
# spacemap serves draws an empty image there instead, so the page asks nothing of the Internet.
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_IMAGE = (
    b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"
)


class MissingAsset(RuntimeError):
    pass


def local_url(url: str) -> str | None:
    """The local address of a CDN file; None if the maps do without it."""
    if url.startswith("/"):
        return url
    name = url.rsplit("/", 1)[-1]
    if name in DROPPED:
        return None
    try:
        return LOCAL[name]
    except KeyError:
        raise MissingAsset(f"no local copy of {url}; add it to web/package.json") from None


def _localize_list(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, url in pairs:
        local = local_url(url)
        if local is not None:
            out.append((name, local))
    return out


def localize(root: Element) -> None:
    """Point every element under ``root`` at the local copies (instance attributes only)."""
    stack = [root]
    while stack:
        element = stack.pop()
        for attr in ("default_js", "default_css"):
            pairs = getattr(element, attr, None)
            if pairs:
                setattr(element, attr, _localize_list(list(pairs)))
        stack.extend(element._children.values())


_ASSET = re.compile(r"""(?P<attr>(?:src|href)\s*=\s*["'])(?P<url>https?://[^"']+\.(?:js|css))""")


def rewrite_html(html: str) -> str:
    """Point script and stylesheet links written by templates (branca's d3) at the local
    copies; unused sheets get an empty address. Tile URLs (in scripts) are left alone."""
    return _ASSET.sub(lambda m: m.group("attr") + (local_url(m.group("url")) or ""), html)


_URL = re.compile(r"""(?:src|href)\s*=\s*["'](https?:)?//[^"']+|url\(\s*["']?(https?:)?//""")


def external_urls(html: str) -> list[str]:
    """Every script/stylesheet/image reference that would leave the machine."""
    return [m.group(0) for m in _URL.finditer(html)]


def check_installed() -> None:
    needed = [*BY_FILE.values(), *API_DOCS]
    missing = [path for path in needed if not (VENDOR_DIR / path).is_file()]
    if missing:
        raise MissingAsset(
            f"web libraries missing ({', '.join(missing[:3])}…): run `make install` "
            "(it runs `npm ci --prefix web`)"
        )


@lru_cache(maxsize=1)
def redoc_bundle() -> bytes:
    """ReDoc's standalone bundle with its one CDN address (the logo) made local."""
    code = (VENDOR_DIR / REDOC_BUNDLE).read_bytes()
    if code.count(REDOC_LOGO) != 1:
        raise MissingAsset(f"{REDOC_BUNDLE}: expected one reference to {REDOC_LOGO.decode()}")
    return code.replace(REDOC_LOGO, BLANK_IMAGE)


def render(figure: Figure) -> str:
    localize(figure)
    return rewrite_html(figure.render())
