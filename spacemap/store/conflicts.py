"""Where the documents disagree with the whitelists: a park's documented field that its area's
正面清单 in force (``spacemap_whitelist()``, derived from 002 §六(二)) does not admit.

Both facts are kept — the park's field as its document states it, and the area's list as the plan
states it — and this report puts them side by side with both citations, for the bureau to settle.
Inferred fields never appear: an inference is only ever drawn from the area's own list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.i18n import Names

CONFLICTS = """
SELECT p.code AS park_code, p.name_zh AS park_zh, p.name_en AS park_en, p.status,
       p.area_is_estimate, a.code AS area_code, a.name_zh AS area_zh, a.name_en AS area_en,
       i.code AS industry_code, i.name_zh AS industry_zh, i.name_en AS industry_en,
       pi.source AS park_source, pi.quote AS park_quote,
       (SELECT string_agg(DISTINCT w.source, '; ') FROM spacemap_whitelist() w
         WHERE w.area_id = a.id) AS whitelist_source,
       (SELECT array_agg(w.industry_code ORDER BY w.industry_code) FROM spacemap_whitelist() w
         WHERE w.area_id = a.id) AS whitelist,
       (SELECT count(*) FROM tenants t WHERE t.park_id = p.id AND t.industry_code = i.code
         AND t.is_legacy) AS legacy_tenants
FROM park_industries pi
JOIN parks p ON p.id = pi.park_id
JOIN areas a ON a.id = p.area_id
JOIN industries i ON i.code = pi.industry_code
WHERE pi.basis = 'documented'
  AND NOT EXISTS (SELECT 1 FROM spacemap_whitelist() w
                  WHERE w.area_id = p.area_id AND w.industry_code = pi.industry_code)
ORDER BY a.code, p.code, i.code
"""


@dataclass(frozen=True)
class Conflict:
    """One documented park field off its area's whitelist, with both citations."""

    park_code: str
    park: Names
    park_status: str  # operating | planned
    area_code: str
    area: Names
    area_is_estimate: bool  # the park's area is itself our estimate
    industry_code: str
    industry: Names
    park_source: str  # the document and section that give the park this field
    park_quote: str  # the document's words
    whitelist_source: str  # the sections the area's whitelist is derived from
    whitelist: tuple[str, ...]  # what the area's whitelist admits
    legacy_tenants: int  # tenants kept in this field, flagged legacy


def whitelist_conflicts(session: Session) -> list[Conflict]:
    """Every documented park field its area's whitelist does not admit, by area and park."""
    return [
        Conflict(
            park_code=r.park_code,
            park=Names(r.park_zh, r.park_en),
            park_status=r.status,
            area_code=r.area_code,
            area=Names(r.area_zh, r.area_en),
            area_is_estimate=r.area_is_estimate,
            industry_code=r.industry_code,
            industry=Names(r.industry_zh, r.industry_en),
            park_source=r.park_source,
            park_quote=r.park_quote,
            whitelist_source=r.whitelist_source or "",
            whitelist=tuple(r.whitelist or ()),
            legacy_tenants=int(r.legacy_tenants),
        )
        for r in session.execute(text(CONFLICTS))
    ]
