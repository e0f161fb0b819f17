"""The two languages are whole: every UI text in the code has its Chinese translation."""

from __future__ import annotations

import re

import pytest

from spacemap.i18n import Msg, Names, negotiate, ngettext, use_locale
from spacemap.messages import extract, read

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)")


@pytest.fixture(scope="module")
def template():
    return extract()


@pytest.fixture(scope="module")
def zh():
    return read("zh")


def test_every_text_in_the_code_has_a_chinese_translation(template, zh) -> None:
    missing = [m.id for m in template if m.id and not (zh.get(m.id) and zh.get(m.id).string)]
    assert missing == [], f"{len(missing)} untranslated (run `make messages`): {missing[:10]}"


def test_catalog_has_no_text_the_code_dropped(template, zh) -> None:
    stale = [m.id for m in zh if m.id and template.get(m.id) is None]
    assert stale == [], f"obsolete catalog entries (run `make messages`): {stale[:10]}"


def test_source_texts_are_english_and_translations_keep_placeholders(zh) -> None:
    for message in zh:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            assert not CJK.search(msgid), f"msgid must be English: {msgid!r}"
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (message.id, text)


def test_language_choice_follows_the_switch_then_accept_language() -> None:
    assert negotiate(None) == "zh"
    assert negotiate("en-GB,en;q=0.9") == "en"
    assert negotiate("fr-FR, en;q=0.5, zh-CN;q=0.8") == "zh"
    assert negotiate("de") == "zh"
    assert negotiate("zh-CN", chosen="en") == "en"


def test_messages_render_in_the_readers_language() -> None:
    name = Names("深圳国际创新中心", "Shenzhen International Innovation Centre")
    with use_locale("en"):
        assert Names("中", "EN").render() == "EN"
        assert str(Msg("%(name)s", {"name": name})) == name.en
    with use_locale("zh"):
        assert str(Msg("%(name)s", {"name": name})) == name.zh
    assert ngettext("%(n)d problem", "%(n)d problems", 1).render("en") == "1 problem"
    assert ngettext("%(n)d problem", "%(n)d problems", 3).render("en") == "3 problems"
