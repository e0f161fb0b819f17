"""Statistics for planners: space per zone and area, by industry, and the plans' indicators.

Like is compared with like: each indicator is a dated series of the plans' own actuals and
targets, each value with its citation; where the service can measure an indicator itself, its
measure is set against an actual *of the same measure* (a coverage), never against a target of
another one. An area with no space recorded reports null, not 0 % occupied.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ReadSession
from api.security import StatsReader
from spacemap.i18n import _, label
from spacemap.store import indicators as indicator_store
from spacemap.store import stats
from spacemap.vocab import INDICATOR_KINDS, MEASURABLE

router = APIRouter(prefix="/api", tags=["统计 / Statistics"])


class IndustryStat(BaseModel):
    industry: str
    name_zh: str
    name_en: str
    tenants: int
    legacy_tenants: int = Field(
        description="tenants in a sector the area's whitelist does not admit (see the data report)"
    )
    tenant_m2: float
    tenants_synthetic: bool
    approvals: int
    approved_m2: float


class SpaceStat(BaseModel):
    code: str
    name_zh: str
    name_en: str
    parks: int
    units: int
    space_recorded: bool = Field(description="false: no unit is recorded here (figures null)")
    capacity_m2: float | None
    available_m2: float | None
    occupied_m2: float | None
    occupancy_pct: float | None
    units_synthetic: bool


class AreaStat(SpaceStat):
    zone: str
    zones: list[str] = Field(description="every zone the area's parts lie in")
    by_industry: list[IndustryStat]


class SeriesValue(BaseModel):
    year: int
    as_of: str
    kind: str
    kind_label: str
    value: float
    qualifier: str = Field(description="'=', '>' more than, '≈' about, '≥' at least")
    as_written: str = Field(description="the number exactly as the document writes it")
    citation: str
    source: str
    quote: str
    note: str


class Measured(BaseModel):
    value: float
    documented: float
    inferred: float = Field(description="part of value from figures we inferred (flagged)")
    carriers_with_figures: int
    carriers: int
    compared_with: SeriesValue | None = Field(
        description="the latest actual of the same measure, from the section defining it"
    )
    share_pct: float | None = Field(description="value / compared_with: a coverage")


class Indicator(BaseModel):
    code: str
    name: str
    unit: str
    measurable: str
    measurable_label: str
    measure: str = Field(description="how the service measures it, or why it cannot")
    source: str
    actuals: list[SeriesValue]
    targets: list[SeriesValue]
    measured: Measured | None


class Stats(BaseModel):
    zones: list[SpaceStat]
    areas: list[AreaStat]
    indicators: list[Indicator]
    notes: list[str]


def _space(code: str, name_zh: str, name_en: str, rows: list[dict]) -> dict:
    units = sum(r["units"] for r in rows)
    capacity = sum(r["capacity_m2"] for r in rows)
    available = sum(r["available_m2"] for r in rows)
    recorded = units > 0

    def figure(value: float) -> float | None:
        return round(value, 1) if recorded else None

    return {
        "code": code, "name_zh": name_zh, "name_en": name_en,
        "parks": sum(r["parks"] for r in rows), "units": units, "space_recorded": recorded,
        "capacity_m2": figure(capacity), "available_m2": figure(available),
        "occupied_m2": figure(capacity - available),
        "occupancy_pct": round(100 * (capacity - available) / capacity, 1) if recorded else None,
        "units_synthetic": any(r["units_synthetic"] for r in rows),
    }  # fmt: skip


def _value(v: indicator_store.SeriesValue) -> SeriesValue:
    return SeriesValue(
        year=v.year,
        as_of=v.as_of,
        kind=v.kind,
        kind_label=label(INDICATOR_KINDS, v.kind),
        value=v.value,
        qualifier=v.qualifier,
        as_written=v.as_written,
        citation=v.citation,
        source=v.source,
        quote=v.quote,
        note=str(v.note),
    )


def _indicator(s: indicator_store.IndicatorSeries) -> Indicator:
    m = s.measured
    return Indicator(
        code=s.code,
        name=str(s.name),
        unit=s.unit,
        measurable=s.measurable,
        measurable_label=label(MEASURABLE, s.measurable),
        measure=str(s.measure),
        source=s.source,
        actuals=[_value(v) for v in s.actuals],
        targets=[_value(v) for v in s.targets],
        measured=None
        if m is None
        else Measured(
            value=m.value,
            documented=m.documented,
            inferred=m.inferred,
            carriers_with_figures=m.carriers_with_figures,
            carriers=m.carriers,
            compared_with=_value(m.compared_with) if m.compared_with else None,
            share_pct=m.share_pct,
        ),
    )


@router.get("/stats", response_model=Stats, summary="规划统计 / Statistics for planners")
def get_stats(session: ReadSession, actor: StatsReader) -> Stats:
    areas = stats.areas(session)
    industries = stats.by_industry(session)
    area_stats = [
        AreaStat(
            **_space(a["area"], a["name_zh"], a["name_en"], [a]),
            zone=a["zone"],
            zones=list(a["zones"]),
            by_industry=[IndustryStat(**i) for i in industries if i["area"] == a["area"]],
        )
        for a in areas
    ]
    zone_names = {a["zone"]: (a["zone_name_zh"], a["zone_name_en"]) for a in areas}
    zones = [
        SpaceStat(**_space(z, *names, [a for a in areas if a["zone"] == z]))
        for z, names in sorted(zone_names.items())
    ]
    return Stats(
        zones=zones,
        areas=area_stats,
        indicators=[_indicator(s) for s in indicator_store.indicator_series(session)],
        notes=[
            str(_("Units and tenants are synthetic where flagged (units_synthetic).")),
            str(_("Occupied = capacity − available; null where no space is recorded.")),
            str(
                _(
                    "A zone's space counts its areas' parks by the area's main zone (where its "
                    "carriers are)."
                )
            ),
        ],
    )
