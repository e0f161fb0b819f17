"""The zone map page and its fragments, in process: one language at a time, no inline handlers,
escaped popups, clear errors."""

from __future__ import annotations

import json
import re

import lxml.html
from sqlalchemy import Engine, text

from spacemap.database import session_scope
from tests.conftest import browser_client

CJK = re.compile(r"[\u4e00-\u9fff]")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_the_page_has_no_inline_handlers_and_a_config_scripts_cannot_break(app) -> None:
    html = browser_client(app, "zh").get("/map").text
    assert INLINE_HANDLER.search(html) is None
    doc = lxml.html.fromstring(html)
    config = json.loads(doc.xpath('//script[@id="zone-config"]')[0].text)
    assert config["tiles"]["units"].startswith("/tiles/units/{z}/{x}/{y}.mvt?v=")
    assert "规划视图" in html and doc.xpath('//details[@id="zone-legend"]')


def test_english_is_whole_on_the_page_chrome(app) -> None:
    html = browser_client(app, "en").get("/map").text
    doc = lxml.html.fromstring(html)
    for node in doc.xpath('//h1 | //label | //*[@id="zone-legend"]//h2 | //*[@id="zone-notes"]'):
        assert not CJK.search(node.text_content()), node.text_content()


def test_popups_are_escaped_fragments_in_the_readers_language(app, engine: Engine) -> None:
    hostile = "<img src=x onerror=alert(1)>${alert(2)}"
    with session_scope(engine) as s:
        old = s.execute(text("SELECT figures_en FROM parks WHERE code = 'new_generation'"))
        old = old.scalar_one()
        s.execute(text("UPDATE parks SET figures_en = :h WHERE code = 'new_generation'"),
                  {"h": hostile})  # fmt: skip
    try:
        reply = browser_client(app, "en").get("/map/popup/park/new_generation")
        assert reply.status_code == 200
        assert "<img" not in reply.text and "&lt;img src=x onerror=alert(1)&gt;" in reply.text
        assert "Shenzhen New Generation Industrial Park" in reply.text
        assert "estimated location" in reply.text.lower()
    finally:
        with session_scope(engine) as s:
            s.execute(text("UPDATE parks SET figures_en = :h WHERE code = 'new_generation'"),
                      {"h": old})  # fmt: skip
    area = browser_client(app, "zh").get("/map/popup/area/antuoshan").text
    assert "此处无空间记录" in area and "0.0%" not in area.replace(" ", "")


def test_unknown_popups_and_cells_say_what_is_wrong(app) -> None:
    client = browser_client(app, "en")
    missing = client.get("/map/popup/park/no-such-park", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "no-such-park" in missing.text
    assert client.get("/map/popup/planet/x").status_code == 404
    assert client.get("/map/cell/units/40/0/0").status_code == 404
    assert client.get("/map/cell/parks/10/0/0").status_code == 404
