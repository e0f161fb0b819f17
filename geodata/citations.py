"""Expand short citations ("002 §六(二); 000 专栏6") into ones a reader can follow."""

from __future__ import annotations

import csv
import re

from geodata import sources_path

_DOC_ID = re.compile(r"^(\d{3})\b\s*(.*)$")


def _documents() -> dict[str, dict[str, str]]:
    with sources_path("documents.csv").open(encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


_DOCS = _documents()


def cite(short: str) -> str:
    """'002 §六(二); 000' -> '《…规划》(seeds/002) §六(二); 《…》(seeds/000)'."""
    parts = []
    for piece in (p.strip() for p in short.split(";") if p.strip()):
        match = _DOC_ID.match(piece)
        if not match or match.group(1) not in _DOCS:
            raise ValueError(f"unknown document in citation {piece!r}")
        doc_id, section = match.groups()
        parts.append(f"《{_DOCS[doc_id]['title_zh']}》(documents/{doc_id}) {section}".strip())
    return "; ".join(parts)
