"""Two whole languages: Chinese (zh-CN, the default) and English, from gettext catalogs.

UI text is written in English in the code and marked with ``_("…")`` (or ``ngettext``) so Babel
extracts it; the Chinese is in ``spacemap/locale/zh_CN/LC_MESSAGES/spacemap.po``. Placeholders are
Python's named ``%(name)s`` style in code and templates alike, so one catalog serves both and
Babel checks that a translation keeps every placeholder.

Messages are rendered late, in the reader's language: the domain returns ``Msg`` objects (an error,
a reason), and the CLI, the API and the pages render them. Proper names and vocabulary labels are
data with two official names (``Names``), not catalog entries. The language of the work in hand is
a context variable: a request sets it from the switch or ``Accept-Language``; the CLI from
``SPACEMAP_LANG``/``LANG``.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "spacemap"
# The catalog folder of each language that has one; English is the source language.
_CATALOG_FOLDER = {"zh": "zh_CN"}
LANG_COOKIE = "spacemap_lang"  # the pages' language switch remembers the choice here
# What a page's <html lang> and Content-Language say.
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_current: ContextVar[str] = ContextVar("spacemap_locale", default=DEFAULT_LOCALE)


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / _CATALOG_FOLDER[locale] / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language, built from its ``.po`` once per process.

    Compiled in memory (Babel writes the ``.mo`` to a buffer), so the repository holds only the
    text a translator edits and no build step can leave a stale binary behind."""
    if locale not in _CATALOG_FOLDER:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(locale).open("rb") as f:
        catalog = read_po(f, locale=_CATALOG_FOLDER[locale], domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str) -> Iterator[str]:
    """Render everything inside in ``locale`` (a request, a CLI command, a test)."""
    token = _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_locale(locale: str) -> None:
    """Set the language for the rest of this context (the CLI's process, a request's task)."""
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def gettext(message: str) -> str:
    """The translation of ``message`` in the current language (no placeholders filled)."""
    return translations(current_locale()).gettext(message)


def ngettext_now(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def _render_value(value: Any, locale: str) -> Any:
    if isinstance(value, Msg | Names | Joined):
        return value.render(locale)
    return value


@dataclass(frozen=True)
class Msg:
    """A text to show somebody, translated when it is rendered (in their language, not ours).

    ``params`` fill the ``%(name)s`` placeholders; a ``Msg`` or ``Names`` among them is rendered
    in the same language first."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def render(self, locale: str | None = None) -> str:
        tr = translations(locale or current_locale())
        lang = locale or current_locale()
        if self.plural is not None and self.n is not None:
            text = tr.ngettext(self.msgid, self.plural, self.n)
        else:
            text = tr.gettext(self.msgid)
        if not self.params and self.n is None:
            return text
        values = {k: _render_value(v, lang) for k, v in self.params.items()}
        if self.n is not None:
            values.setdefault("n", self.n)
        return text % values

    def __str__(self) -> str:
        return self.render()

    def both(self) -> dict[str, str]:
        """Every language at once, for records that outlive the request (audit, exports)."""
        return {locale: self.render(locale) for locale in LOCALES}


class LocalizedError(Exception):
    """An error whose message is a ``Msg``: logs and tracebacks read it in English, ``str()`` in
    the reader's language. Mixed in before the builtin it specialises (``ValueError``, …)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.render("en"))
        self.message = message

    def __str__(self) -> str:
        return self.message.render()


def _(msgid: str, **params: Any) -> Msg:
    """Mark English UI text for the catalog; rendered later in the reader's language."""
    return Msg(msgid, params)


def ngettext(singular: str, plural: str, n: int, **params: Any) -> Msg:
    """Like ``_`` with a count: '1 problem' / '3 problems' (Chinese has one form)."""
    return Msg(singular, params, plural=plural, n=n)


@dataclass(frozen=True)
class Names:
    """A thing's two names (a park, a sector, a status label): data, not catalog text."""

    zh: str
    en: str

    def render(self, locale: str | None = None) -> str:
        return self.zh if (locale or current_locale()) == "zh" else self.en

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class Joined:
    """A list read as one phrase: "wet lab, clean room" / "湿实验室、洁净室"."""

    items: tuple[Any, ...]

    def render(self, locale: str | None = None) -> str:
        lang = locale or current_locale()
        separator = translations(lang).gettext(LIST_SEPARATOR)
        return separator.join(str(_render_value(item, lang)) for item in self.items)

    def __str__(self) -> str:
        return self.render()


LIST_SEPARATOR = ", "
_(", ")  # the separator's catalog entry (Chinese lists use 、)


def label(vocabulary: Mapping[str, tuple[str, str]], code: str, locale: str | None = None) -> str:
    """A vocabulary code's name in the current language (the code itself if it has none)."""
    names = vocabulary.get(code)
    if names is None:
        return code
    return Names(*names).render(locale)


def negotiate(accept_language: str | None, chosen: str | None = None) -> str:
    """The reader's language: an explicit choice wins, then ``Accept-Language``, then Chinese."""
    if chosen in LOCALES:
        return chosen  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LOCALES and q > 0:
            ranked.append((-q, i, primary))
    return sorted(ranked)[0][2] if ranked else DEFAULT_LOCALE


def locale_from_environment() -> str:
    """The CLI's language: ``SPACEMAP_LANG``, else the POSIX locale (``LANG=en_US.UTF-8``)."""
    explicit = os.environ.get("SPACEMAP_LANG", "").strip().lower()
    if explicit in LOCALES:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return "en" if value.lower().startswith("en") else DEFAULT_LOCALE
    return DEFAULT_LOCALE
