"""Legends for the maps, which Folium has only in continuous form.

``CategoricalLegend``: a ``MacroElement`` rendered into a map's HTML (label → colour). The zone
map's legend is data instead (``LegendSection``/``LegendItem``), drawn by the page template
(``web/templates/legend.html``) so it can collapse on a phone and print in full.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from branca.element import MacroElement
from jinja2 import Template


class CategoricalLegend(MacroElement):
    _template = Template(
        """
{% macro html(this, kwargs) %}
<div class="spacemap-legend" style="position:absolute;{{ this.position_css }};z-index:9999;
  background:rgba(255,255,255,.92);padding:6px 10px;border-radius:4px;font-size:12px;
  box-shadow:0 1px 4px rgba(0,0,0,.3);line-height:18px" data-legend="{{ this.title_attr }}">
  <b>{{ this.title }}</b>
  {% for color, label, shape in this.items %}
  <div><span style="display:inline-block;width:12px;height:12px;margin-right:6px;
    vertical-align:middle;background:{{ color }};
    {% if shape == 'circle' %}border-radius:50%;{% endif %}opacity:.85"></span>{{ label }}</div>
  {% endfor %}
</div>
{% endmacro %}
"""
    )

    def __init__(
        self,
        title: str,
        items: list[tuple[str, str]],
        position: str = "bottomleft",
        shape: str = "square",
    ) -> None:
        super().__init__()
        self._name = "CategoricalLegend"
        self.title = escape(title)
        self.title_attr = escape(title, quote=True)
        self.items = [(escape(color), escape(label), shape) for color, label in items]
        vertical, horizontal = (
            ("bottom", "top")[position.startswith("top")],
            ("left" if position.endswith("left") else "right"),
        )
        self.position_css = f"{vertical}:24px;{horizontal}:10px"


@dataclass(frozen=True)
class LegendItem:
    """One swatch: its colour, its label (text, escaped by the template) and its symbol."""

    color: str
    label: Any
    shape: str = "square"  # square | circle | ring | dash | hatch | station | crossing


@dataclass(frozen=True)
class LegendSection:
    """A titled group of swatches; ``key`` ties it to the map layer it explains."""

    key: str
    title: Any
    items: list[LegendItem] = field(default_factory=list)
    ramp: bool = False  # a continuous colour ramp (drawn as one bar) rather than categories
