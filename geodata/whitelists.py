"""Area whitelists (产业准入正面清单), derived from the plan's own words.

``sources/whitelist_mapping.csv`` takes 002 §六(二) sentence by sentence: each row is one wording
of one sentence (verbatim), the sector codes it maps to (none when it names a role, a function or
something our taxonomy has no sector for — the note says which), and whether it makes them lead
sectors. Lead: the sentence gives the area's positioning or introduces the wording with 聚焦,
重点(发展|布局|引进|聚集), 为核心 or 重点领域. Admitted, not lead: 发展, 布局, 提升发展, 支持, 推动,
打造 and the like. An area's whitelist is the union of its rows' codes; a code is lead if any row
makes it so. A reviewer changes a mapping here, and the whitelist, the matcher and the conflict
report follow on the next build.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from geodata import sources_path


@dataclass(frozen=True)
class Mapping:
    area_code: str
    source: str  # "002 §六(二)5"
    sentence: str  # verbatim from the plan
    wording: str  # verbatim pieces of the sentence, joined by "……"
    industry_codes: tuple[str, ...]
    is_lead: bool
    note: str


@dataclass(frozen=True)
class Entry:
    area_code: str
    industry_code: str
    is_lead: bool
    sources: tuple[str, ...]  # the sections its wordings come from
    wordings: tuple[str, ...]


@cache
def mappings() -> tuple[Mapping, ...]:
    with sources_path("whitelist_mapping.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            Mapping(
                area_code=r["area_code"],
                source=r["source"],
                sentence=r["sentence"],
                wording=r["wording"],
                industry_codes=tuple(c for c in r["industry_codes"].split(";") if c),
                is_lead=r["is_lead"] == "true",
                note=r["note"],
            )
            for r in csv.DictReader(f)
        )


def whitelist() -> list[Entry]:
    """Every (area, sector) the mappings admit, sorted, with the wordings that admit it."""
    found: dict[tuple[str, str], list[Mapping]] = {}
    for m in mappings():
        for code in m.industry_codes:
            found.setdefault((m.area_code, code), []).append(m)
    return [
        Entry(
            area_code=area,
            industry_code=code,
            is_lead=any(m.is_lead for m in rows),
            sources=tuple(dict.fromkeys(m.source for m in rows)),
            wordings=tuple(dict.fromkeys(m.wording for m in rows)),
        )
        for (area, code), rows in sorted(found.items())
    ]


def admitted() -> dict[str, set[str]]:
    """Area code → the sector codes its whitelist admits."""
    out: dict[str, set[str]] = {}
    for e in whitelist():
        out.setdefault(e.area_code, set()).add(e.industry_code)
    return out


def markdown_table() -> str:
    """The mapping as geodata/README.md shows it (a test keeps the two the same)."""
    lines = [
        "| area | section | the plan's words | sectors | | why |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m in mappings():
        codes = ", ".join(f"`{c}`" for c in m.industry_codes) or "—"
        lead = "lead" if m.is_lead else ("admitted" if m.industry_codes else "")
        why = m.note.split(" / ", 1)[-1]
        lines.append(f"| {m.area_code} | {m.source} | {m.wording} | {codes} | {lead} | {why} |")
    return "\n".join(lines)
