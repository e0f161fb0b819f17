"""``/docs`` (Swagger UI) and ``/redoc`` work with the cable pulled, under the site's CSP.

Debian's chromium opens each page with every request that leaves the machine aborted and
recorded; any console error (a CSP violation is one), page error or failed response fails the
test. Swagger UI then runs a request for real, as a developer trying the API would.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import offline_page, shot


def _offline_page(browser: Any, server: str, locale: str, phone: bool = False) -> Any:
    return offline_page(browser, server, locale, phone)


def test_swagger_ui_runs_a_request_offline(browser: Any, server: str) -> None:
    page = _offline_page(browser, server, "zh-CN")
    page.goto(f"{server}/docs", wait_until="networkidle")
    assert page.title() == "spacemap API — 交互式文档"
    block = page.locator(".opblock", has=page.locator("[data-path='/collections']")).first
    block.locator(".opblock-summary").click()
    assert "要素集合" in block.inner_text()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert "space-units" in block.locator(".live-responses-table").inner_text()
    shot(page, "api-docs-swagger")
    assert page.outside == [] and page.errors == []
    page.context.close()


@pytest.mark.parametrize("phone", [False, True])
def test_redoc_renders_the_reference_offline(browser: Any, server: str, phone: bool) -> None:
    page = _offline_page(browser, server, "en", phone)
    page.goto(f"{server}/redoc", wait_until="networkidle")
    assert page.title() == "spacemap API — reference"
    page.locator("h2", has_text="Rentable space units — features").first.wait_for(state="attached")
    assert page.locator("[data-section-id^='operation/']").count() >= 10
    shot(page, f"api-docs-redoc{'-phone' if phone else ''}")
    assert page.outside == [] and page.errors == []
    page.context.close()
