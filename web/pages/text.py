"""Text from data on a page in one language: its language said, its numbers exact.

The page's own words come from the catalog. What data supplies — a company's name, a note it
typed, a park that has only a Chinese name — is in whatever language it was written in; ``foreign``
marks it with ``lang`` when that differs from the page's, so screen readers pronounce it right
and the language tests know a proper name from untranslated UI text. Escaping is
``web.escape``'s (``html``), as everywhere.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from spacemap import i18n
from web import escape

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]{2,}")


def language_of(text: str) -> str | None:
    """``zh-CN`` for text with Chinese characters, ``en`` for Latin words, else None (a number,
    a code of one letter)."""
    if CJK.search(text):
        return "zh-CN"
    if LATIN.search(text):
        return "en"
    return None


def foreign(value: Any) -> Markup:
    """``value`` (escaped) in a ``<span lang>`` when its language is not the page's."""
    text = "" if value is None else str(value)
    found = language_of(text)
    if found is None or found == i18n.HTML_LANG[i18n.current_locale()]:
        return escape.html(text)
    return escape.markup('<span lang="{}">{}</span>', found, text)


def name(value: Any) -> Markup:
    """A proper name (a park, a company): ``translate="no"`` — it is not UI text and no
    translator should touch it, even when it holds a brand in Latin letters — and its ``lang``
    when that is not the page's."""
    text = "" if value is None else str(value)
    found = language_of(text)
    if found is None or found == i18n.HTML_LANG[i18n.current_locale()]:
        return escape.markup('<span translate="no">{}</span>', text)
    return escape.markup('<span translate="no" lang="{}">{}</span>', found, text)


def proper(zh: str | None, en: str | None) -> Markup:
    """A proper name with a name in each language: the page's, else the other one."""
    chosen = (zh or en) if i18n.current_locale() == "zh" else (en or zh)
    return name(chosen or "")


def exact(value: Any) -> str:
    """A quantity written so that it reads back as the same number (411.5, never 412)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def one_language(text: str) -> str:
    """The page's half of an old two-language note ("中文 / English") that the matcher still
    writes; any other text as it is."""
    zh, sep, en = text.partition(" / ")
    if not sep or not CJK.search(zh) or CJK.search(en):
        return text
    return zh if i18n.current_locale() == "zh" else en


def install(env: Environment) -> None:
    env.filters.update(foreign=foreign, name=name, exact=exact, one_language=one_language)
    env.globals.update(proper=proper)
