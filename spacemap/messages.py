"""Keep the translation catalogs in step with the code: ``python -m spacemap.messages``.

Extracts every marked text (``_``, ``ngettext`` in Python; ``_``, ``trans`` in templates) with
Babel, adds new msgids to each catalog, drops the ones the code no longer has, and writes the
catalog back in a stable form (sorted, no line numbers, fixed header) so a diff shows only real
changes. ``tests/test_i18n.py`` uses ``extract`` to fail on any text without a translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from spacemap.i18n import _CATALOG_FOLDER, DOMAIN, catalog_path

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
HEADER = (
    "spacemap: the Chinese (zh-CN) catalog. English msgids are the source text;\n"
    "`make messages` adds new ones from the code and templates, and tests/test_i18n.py\n"
    "fails while any lacks a translation."
)


def extract(root: Path = ROOT) -> Catalog:
    """Every UI text marked in the code and templates, as a Babel template catalog."""
    with (root / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    template = Catalog(domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(locale: str) -> Catalog:
    with catalog_path(locale).open("rb") as f:
        return read_po(f, locale=_CATALOG_FOLDER[locale], domain=DOMAIN)


def write(locale: str, catalog: Catalog) -> None:
    catalog.header_comment = "\n".join(f"# {line}" for line in HEADER.splitlines())
    catalog.project, catalog.version = "spacemap", ""
    catalog.msgid_bugs_address = ""
    catalog.last_translator = catalog.language_team = ""
    catalog.creation_date = catalog.revision_date = catalog.creation_date.replace(
        year=2026, month=11, day=30, hour=0, minute=0, second=0, microsecond=0
    )
    with catalog_path(locale).open("wb") as f:
        write_po(f, catalog, width=100, no_location=True, omit_header=False, sort_output=True,
                 ignore_obsolete=True, include_previous=False)  # fmt: skip


def update() -> dict[str, list[str]]:
    """Bring every catalog in step with the code; returns the msgids still untranslated."""
    template = extract()
    missing: dict[str, list[str]] = {}
    for locale in _CATALOG_FOLDER:
        catalog = read(locale)
        catalog.update(template, no_fuzzy_matching=True)
        write(locale, catalog)
        missing[locale] = [str(m.id) for m in catalog if m.id and not m.string]
    return missing


if __name__ == "__main__":
    untranslated = update()
    for locale, ids in untranslated.items():
        for msgid in ids:
            print(f"{locale}: untranslated: {msgid}", file=sys.stderr)
    sys.exit(0)
