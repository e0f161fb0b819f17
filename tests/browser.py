"""The browser harness every page test shares: Debian's chromium via Playwright, offline.

``offline_page`` opens a context (desktop 1440×900 or phone 390×844, a language) in which every
request that would leave the machine is aborted and recorded in ``page.outside``, and every
console error (a CSP violation is one), uncaught page error and failed response (≥ 400) is
recorded in ``page.errors``. A page is done when both stay empty.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import PASSWORD, ROOT

CHROMIUM = Path(os.environ.get("SPACEMAP_CHROMIUM", "/usr/bin/chromium"))
SHOTS = ROOT / "test-artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


# The result markers a map's legend covers: a result the company cannot see.
UNDER_LEGEND = """() => [...document.querySelectorAll('.spacemap-legend')].flatMap(legend => {
  const l = legend.getBoundingClientRect();
  return [...document.querySelectorAll('.spacemap-rank')].filter(marker => {
    const r = marker.getBoundingClientRect();
    return r.left < l.right && l.left < r.right && r.top < l.bottom && l.top < r.bottom;
  }).map(marker => marker.textContent);
})"""


def offline_page(
    browser: Any,
    server: str,
    locale: str = "zh-CN",
    phone: bool = False,
    expected: tuple = (),
    viewport: dict[str, int] | None = None,
    stand_in: Callable[[Any], bool] | None = None,
) -> Any:
    """A page that may only talk to ``server``; ``expected``: statuses a test provokes on purpose
    (e.g. a 403 page it checks), not counted as errors; ``viewport``: another screen size;
    ``stand_in``: answers some outside requests itself (returns True when it did)."""
    context = browser.new_context(
        viewport=viewport or (PHONE if phone else DESKTOP), locale=locale, is_mobile=phone,
        has_touch=phone, accept_downloads=True,
    )  # fmt: skip
    pg = context.new_page()
    pg.outside, pg.errors = [], []

    def route(r: Any) -> None:
        if r.request.url.startswith(server):
            r.continue_()
        elif stand_in is not None and stand_in(r):
            return
        else:
            pg.outside.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on(
        "response",
        lambda r: r.status >= 400 and r.status not in expected
        and pg.errors.append(f"{r.status} {r.url}"),
    )  # fmt: skip
    return pg


def sign_in(pg: Any, server: str, username: str, next_path: str = "/") -> None:
    pg.goto(f"{server}/login?next={next_path}")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("form[action='/login'] button")
    pg.wait_for_load_state("networkidle")


def shot(pg: Any, name: str, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=full_page)
    return path


def overflow_px(pg: Any) -> int:
    """How far the page is wider than the screen (0: nothing scrolls sideways)."""
    # Against the screen, not window.innerWidth: a phone browser zooms out to fit a page wider
    # than the screen, and its innerWidth then grows to the page's width.
    return int(pg.evaluate("document.documentElement.scrollWidth")) - pg.viewport_size["width"]
