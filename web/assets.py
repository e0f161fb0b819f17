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
from pathlib import Path

from branca.element import Element, Figure

VENDOR_DIR = Path(__file__).resolve().parent / "node_modules"
STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_URL = "/static/vendor"

# CDN address (as folium/branca write it) → file inside web/node_modules
_BY_CDN = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/dist/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/dist/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
        "bootstrap/dist/js/bootstrap.bundle.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css":
        "bootstrap/dist/css/bootstrap.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js":
        "leaflet.markercluster/dist/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css":
        "leaflet.markercluster/dist/MarkerCluster.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css":
        "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js":
        "leaflet-search/dist/leaflet-search.min.js",
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css":
        "leaflet-search/dist/leaflet-search.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": "d3/d3.min.js",
}  # fmt: skip
# Bootstrap 3 glyphicons and folium's icon-rotation sheet: the maps use neither.
_DROPPED = {
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
}

LOCAL = {cdn: f"{VENDOR_URL}/{path}" for cdn, path in _BY_CDN.items()}


class MissingAsset(RuntimeError):
    pass


def local_url(url: str) -> str | None:
    """The local address of a CDN file; None if the maps do without it."""
    if url in _DROPPED:
        return None
    if url.startswith("/"):
        return url
    try:
        return LOCAL[url]
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


def rewrite_html(html: str) -> str:
    """Replace CDN links written by templates (branca's d3) and drop the unused sheets."""
    for cdn, local in LOCAL.items():
        html = html.replace(cdn, local)
    for cdn in _DROPPED:
        html = html.replace(cdn, "")
    return html


_URL = re.compile(r"""(?:src|href)\s*=\s*["'](https?:)?//[^"']+|url\(\s*["']?(https?:)?//""")


def external_urls(html: str) -> list[str]:
    """Every script/stylesheet/image reference that would leave the machine."""
    return [m.group(0) for m in _URL.finditer(html)]


def check_installed() -> None:
    missing = [path for path in _BY_CDN.values() if not (VENDOR_DIR / path).is_file()]
    if missing:
        raise MissingAsset(
            f"web libraries missing ({', '.join(missing[:3])}…): run `make install` "
            "(it runs `npm ci --prefix web`)"
        )


def render(figure: Figure) -> str:
    localize(figure)
    return rewrite_html(figure.render())
