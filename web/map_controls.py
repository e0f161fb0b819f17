"""Leaflet's own controls in the page's language: zoom buttons titled from the catalog, a metric
scale only (no feet on a Chinese page), and the library's credit marked as the proper name it is.

Leaflet writes English titles ("Zoom in") and an imperial scale by default; a page in one language
must not. Added to a Folium map as a ``MacroElement`` whose script runs after the map exists.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from jinja2 import Template

from spacemap.i18n import _
from web import escape

LEAFLET_CREDIT = '<a href="https://leafletjs.com" lang="en">Leaflet</a>'


class LocalControls(MacroElement):
    _template = Template(
        """
{% macro script(this, kwargs) %}
(function (map) {
  L.control.scale({imperial: false}).addTo(map);
  var zoom = map.zoomControl;
  if (zoom) {
    [[zoom._zoomInButton, {{ this.zoom_in }}], [zoom._zoomOutButton, {{ this.zoom_out }}]]
      .forEach(function (pair) {
        pair[0].title = pair[1];
        pair[0].setAttribute("aria-label", pair[1]);
      });
  }
  if (map.attributionControl) map.attributionControl.setPrefix({{ this.credit }});
})({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "LocalControls"
        self.zoom_in = escape.js_string(_("Zoom in"))
        self.zoom_out = escape.js_string(_("Zoom out"))
        self.credit = escape.js_string(LEAFLET_CREDIT)


def localize_controls(m: folium.Map) -> None:
    """Replace the map's default scale and English control texts (call before rendering)."""
    m.control_scale = False
    LocalControls().add_to(m)
