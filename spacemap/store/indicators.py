"""SQL for ``indicators`` and ``indicator_values``: the plans' targets and actuals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from spacemap.i18n import Names
from spacemap.models import Indicator, IndicatorValue
from spacemap.store.common import upsert


def replace_indicators(
    session: Session, indicators: Sequence[dict[str, Any]], values: Sequence[dict[str, Any]]
) -> int:
    """The dataset owns the indicators: what it no longer lists is removed."""
    session.execute(delete(IndicatorValue))
    session.execute(delete(Indicator).where(Indicator.code.not_in([r["code"] for r in indicators])))
    upsert(session, Indicator, indicators, ["code"])
    return upsert(session, IndicatorValue, values, ["indicator_code", "year", "kind", "as_of",
                                                     "citation"])  # fmt: skip


INDICATORS = """
SELECT code, name_zh, name_en, unit, measurable, measure_zh, measure_en, source
FROM indicators ORDER BY code
"""

VALUES = """
SELECT indicator_code, year, as_of, kind, value, qualifier, as_written, citation, source, quote,
       note_zh, note_en
FROM indicator_values ORDER BY indicator_code, year, kind DESC, as_of, citation
"""

# What the service can measure itself, each the same quantity as the plans' figure.
# Incubation floor area: the figures the documents give for the incubators, accelerators and
# maker spaces in operation (low-cost space where stated, else floor area).
INCUBATION_AREA = """
SELECT COALESCE(sum(COALESCE(low_cost_area_m2, floor_area_m2))
                FILTER (WHERE NOT space_is_estimate), 0) AS documented,
       COALESCE(sum(COALESCE(low_cost_area_m2, floor_area_m2))
                FILTER (WHERE space_is_estimate), 0) AS inferred,
       count(*) FILTER (WHERE low_cost_area_m2 IS NOT NULL OR floor_area_m2 IS NOT NULL)
         AS with_figures,
       count(*) AS carriers
FROM parks
WHERE status = 'operating' AND park_type IN ('incubator', 'accelerator', 'maker_space')
"""

# Low-cost space in Huaqiangbei: the operators in the Huaqiang–Shangbu area that state it.
HUAQIANG_LOW_COST = """
SELECT COALESCE(sum(p.low_cost_area_m2) FILTER (WHERE NOT p.space_is_estimate), 0) AS documented,
       COALESCE(sum(p.low_cost_area_m2) FILTER (WHERE p.space_is_estimate), 0) AS inferred,
       count(p.low_cost_area_m2) AS with_figures, count(*) AS carriers
FROM parks p JOIN areas a ON a.id = p.area_id
WHERE a.code = 'huaqiang' AND p.status = 'operating'
"""

MEASURES = {"incubation_area": INCUBATION_AREA, "huaqiang_low_cost_space": HUAQIANG_LOW_COST}


def indicators(session: Session) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(INDICATORS))]


def indicator_values(session: Session) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(text(VALUES))]


def measured(session: Session, code: str) -> dict[str, Any] | None:
    """The service's own measure of ``code`` (documented and inferred parts), if it has one."""
    sql = MEASURES.get(code)
    return None if sql is None else dict(session.execute(text(sql)).one()._mapping)


# ------------------------------------------------------------------ typed view (stats, pages)


@dataclass(frozen=True)
class SeriesValue:
    """One dated value as one document states it."""

    year: int
    as_of: str  # the document's own date wording ("截至2020年", "2020-08")
    kind: str  # actual | target
    value: float  # in the indicator's unit
    qualifier: str  # "=", ">" (more than), "≈" (about), "≥"
    as_written: str  # the number exactly as the document writes it
    citation: str  # short: "000 二(三)1"
    source: str  # the document's title and section
    quote: str  # the sentence or table row
    note: Names


@dataclass(frozen=True)
class Measured:
    """The service's own measure of an indicator, set against an actual of the same measure."""

    value: float  # documented + inferred
    documented: float  # from figures the documents state
    inferred: float  # from figures we inferred (flagged in the data)
    carriers_with_figures: int
    carriers: int
    compared_with: SeriesValue | None  # the latest actual of the same measure
    share_pct: float | None  # value as a share of it: a coverage, not progress to a target


@dataclass(frozen=True)
class IndicatorSeries:
    code: str
    name: Names
    unit: str  # m2 | count | people | percent | cny
    measurable: str  # yes | partly | no
    measure: Names  # how the service measures it, or why it cannot
    source: str
    values: tuple[SeriesValue, ...]  # by year; actuals before targets within a year
    measured: Measured | None

    @property
    def actuals(self) -> tuple[SeriesValue, ...]:
        return tuple(v for v in self.values if v.kind == "actual")

    @property
    def targets(self) -> tuple[SeriesValue, ...]:
        return tuple(v for v in self.values if v.kind == "target")


def _measured(
    session: Session, code: str, defined_in: str, values: tuple[SeriesValue, ...]
) -> Measured | None:
    """``defined_in``: the section that defines the measure; actuals from it are like with like."""
    raw = measured(session, code)
    if raw is None:
        return None
    same = [v for v in values if v.kind == "actual" and v.source == defined_in]
    base = max(same, key=lambda v: v.year) if same else None
    total = float(raw["documented"]) + float(raw["inferred"])
    return Measured(
        value=total,
        documented=float(raw["documented"]),
        inferred=float(raw["inferred"]),
        carriers_with_figures=int(raw["with_figures"]),
        carriers=int(raw["carriers"]),
        compared_with=base,
        share_pct=round(100 * total / base.value, 1) if base and base.value else None,
    )


def indicator_series(session: Session) -> list[IndicatorSeries]:
    """Every indicator the plans state, as dated series with citations, and — where the service
    can — its own measure next to the actual of the same measure (never next to a target of a
    different one). The statistics API and the planners' page both read this."""
    by_code: dict[str, list[SeriesValue]] = {}
    for r in indicator_values(session):
        by_code.setdefault(r["indicator_code"], []).append(
            SeriesValue(
                year=r["year"],
                as_of=r["as_of"],
                kind=r["kind"],
                value=float(r["value"]),
                qualifier=r["qualifier"],
                as_written=r["as_written"],
                citation=r["citation"],
                source=r["source"],
                quote=r["quote"],
                note=Names(r["note_zh"], r["note_en"]),
            )
        )
    out = []
    for r in indicators(session):
        values = tuple(by_code.get(r["code"], ()))
        out.append(
            IndicatorSeries(
                code=r["code"],
                name=Names(r["name_zh"], r["name_en"]),
                unit=r["unit"],
                measurable=r["measurable"],
                measure=Names(r["measure_zh"], r["measure_en"]),
                source=r["source"],
                values=values,
                measured=_measured(session, r["code"], r["source"], values),
            )
        )
    return out
