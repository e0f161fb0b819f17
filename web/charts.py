"""Charts as SVG drawn on the server (matplotlib, no browser library, nothing fetched).

Text stays text (``svg.fonttype = none``): the browser draws it with the page's fonts, so Chinese
labels render, can be selected and print sharply. Matplotlib escapes every label for XML; the
figures use its object API (no pyplot state), so request threads do not share a figure.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "spacemap",  # stable element ids: the same data gives the same SVG
        "font.family": ["Noto Sans CJK SC", "Noto Sans SC", "DejaVu Sans", "sans-serif"],
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e5e5e5",
        "axes.axisbelow": True,
    }
)
matplotlib.set_loglevel("error")  # a missing CJK font for measuring text is not worth a warning

PALETTE = ("#08519c", "#6baed6", "#1a9850", "#d7301f", "#756bb1", "#fd8d3c")


def _svg(fig: Figure, title: str) -> str:
    buffer = io.StringIO()
    FigureCanvasSVG(fig)
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG goes inline
    return re.sub(
        r"<svg ", f'<svg role="img" aria-label="{_attr(title)}" class="chart" ', svg, count=1
    )


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    return Figure(figsize=(width, height), dpi=96)


def bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    ylabel: str,
    stacked: bool = False,
    missing: str = "",
) -> str:
    """Grouped (or stacked) vertical bars; a ``None`` value is drawn as the text ``missing``."""
    fig = _figure(7.0, 3.4)
    ax = fig.add_subplot()
    n, width = len(series), 0.8 / (1 if stacked else max(1, len(series)))
    bottom = [0.0] * len(categories)
    for k, (name, values) in enumerate(series):
        xs = [i + (0 if stacked else (k - (n - 1) / 2) * width) for i in range(len(categories))]
        heights = [v or 0.0 for v in values]
        ax.bar(xs, heights, width, bottom=bottom if stacked else None, label=name,
               color=PALETTE[k % len(PALETTE)])  # fmt: skip
        for x, v in zip(xs, values, strict=True):
            if v is None and missing:
                ax.text(x, 0, missing, ha="center", va="bottom", fontsize=8, color="#555",
                        rotation=90)  # fmt: skip
        if stacked:
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_xticks(range(len(categories)), categories, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    if n > 1:
        ax.legend(frameon=False, ncols=min(n, 4), loc="upper right")
    return _svg(fig, title)


def lines(
    title: str,
    xs: Sequence[object],
    series: Sequence[tuple[str, Sequence[float | None]]],
    ylabel: str,
    empty: str = "",
) -> str:
    """Line series over dates or labels (markers on each point); ``empty`` when there is none."""
    fig = _figure(7.0, 3.0)
    ax = fig.add_subplot()
    if not xs:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes, color="#555")
        ax.set_xticks([])
        ax.set_yticks([])
        return _svg(fig, title)
    for k, (name, values) in enumerate(series):
        pts = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", label=name,
                    color=PALETTE[k % len(PALETTE)])  # fmt: skip
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    fig.autofmt_xdate()
    if len(series) > 1:
        ax.legend(frameon=False, loc="upper left")
    return _svg(fig, title)


def targets(
    title: str,
    plans: Sequence[tuple[str, Sequence[object], Sequence[float]]],
    measured: Sequence[tuple[str, object, float]],
    ylabel: str,
) -> str:
    """Plan series (dashed, with their dated targets) and measured points (filled)."""
    fig = _figure(7.0, 3.2)
    ax = fig.add_subplot()
    for k, (name, dates, values) in enumerate(plans):
        ax.plot(dates, values, linestyle="--", marker="s", label=name,
                color=PALETTE[k % len(PALETTE)])  # fmt: skip
    for name, date, value in measured:
        ax.plot([date], [value], marker="o", markersize=8, linestyle="none", label=name,
                color="#d7301f")  # fmt: skip
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    fig.autofmt_xdate()
    ax.legend(frameon=False, loc="upper left", fontsize=8)
    return _svg(fig, title)
