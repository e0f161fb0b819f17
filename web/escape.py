"""Escaping for every context a string can land in on our pages — the one place all pages use.

A name a company or an import supplied (``${alert(1)}``, ``</script>``, ``<img onerror=…>``,
quotes) must show literally wherever it appears:

- HTML text and quoted attributes: ``html`` (Jinja's autoescape does the same in templates).
- A JavaScript string inside a ``<script>``: ``js_string`` (JSON with ``<``, ``>``, ``&``, quotes
  and the JS line separators as ``\\u`` escapes, so ``</script>`` cannot close the element).
- A JavaScript template literal inside a ``<script>``: ``template_literal``. Folium writes tooltip
  and popup HTML into template literals (``bindTooltip(`…`)``, ``$(`…`)``), where ``${…}`` runs.
- Data a map reads at run time (GeoJSON properties, marker rows) is JSON already; what Leaflet
  puts into ``innerHTML`` from it must be HTML-escaped first (``html``).

``tooltip`` and ``popup`` build Folium's elements with the right escaping, so map code never
passes raw text to Folium. Popups are ``Markup`` (HTML built with ``markup``, whose arguments are
escaped), never a plain ``str``.
"""

from __future__ import annotations

import json
from typing import Any

import folium
from markupsafe import Markup, escape

_JS_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def html(value: Any) -> Markup:
    """Text for HTML content or a quoted attribute: ``& < > " '`` escaped."""
    return escape("" if value is None else str(value))


def markup(template: str, *args: Any, **kwargs: Any) -> Markup:
    """HTML from a trusted template whose arguments are untrusted: each is escaped."""
    return Markup(template).format(*args, **kwargs)


def js_string(value: Any) -> str:
    """A JavaScript string literal (quotes included), safe inside a ``<script>`` element."""
    out = json.dumps("" if value is None else str(value), ensure_ascii=False)
    for char, code in _JS_UNSAFE.items():
        out = out.replace(char, code)
    return out


def template_literal(fragment: str) -> str:
    """Content for a JS template literal inside a ``<script>``: nothing in it is evaluated.

    Backslash, backtick and ``${`` are escaped so the literal stays one constant string, and
    ``</`` becomes ``<\\/`` so no ``</script>`` can end the element early."""
    return (
        fragment.replace("\\", "\\\\")
        .replace("`", "\\`")
        .replace("${", "\\${")
        .replace("</", "<\\/")
    )


def tooltip(text: Any, **options: Any) -> folium.Tooltip:
    """A tooltip that shows ``text`` literally (HTML-escaped, then made template-literal safe);
    ``Markup`` built with ``markup`` (its arguments escaped) is kept as the HTML it is."""
    content = str(text) if isinstance(text, Markup) else str(html(text))
    return folium.Tooltip(template_literal(content), **options)


def popup(content: Markup, max_width: int = 360, **options: Any) -> folium.Popup:
    """A popup from HTML built with ``markup``/``html``; plain strings are refused."""
    if not isinstance(content, Markup):
        raise TypeError("popup content must be Markup built with web.escape.markup/html")
    return folium.Popup(template_literal(str(content)), max_width=max_width, **options)
