"""Statistics for planners: space per zone and area, by industry, against the plan's targets."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import ReadSession
from api.security import StatsReader
from spacemap.store import stats

router = APIRouter(prefix="/api", tags=["统计 / Statistics"])

# FACTS.md, district totals: 2020 incubation area (000 §(一)2) and the 2025 target (000 §(三)1).
PLAN = {
    "baseline_2020_m2": 285_600,
    "baseline_source": "000 §(一)2: 30 incubation carriers, 285,600 m² (2020)",
    "target_2025_m2": 1_500_000,
    "target_source": "000 §(三)1: 科技培育空间倍增计划, 1,500,000 m² by 2025",
}


class IndustryStat(BaseModel):
    industry: str
    name_zh: str
    name_en: str
    tenants: int
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
    capacity_m2: float
    available_m2: float
    occupied_m2: float
    occupancy_pct: float | None
    units_synthetic: bool


class AreaStat(SpaceStat):
    zone: str
    by_industry: list[IndustryStat]


class Incubation(BaseModel):
    carriers_in_dataset: int
    carriers_with_figures: int
    documented_m2: float
    baseline_2020_m2: int
    baseline_source: str
    target_2025_m2: int
    target_source: str
    documented_share_of_target_pct: float
    note: str


class Stats(BaseModel):
    zones: list[SpaceStat]
    areas: list[AreaStat]
    incubation: Incubation
    notes: list[str]


def _space(code: str, name_zh: str, name_en: str, rows: list[dict]) -> dict:
    capacity = sum(r["capacity_m2"] for r in rows)
    available = sum(r["available_m2"] for r in rows)
    return {
        "code": code, "name_zh": name_zh, "name_en": name_en,
        "parks": sum(r["parks"] for r in rows), "units": sum(r["units"] for r in rows),
        "capacity_m2": round(capacity, 1), "available_m2": round(available, 1),
        "occupied_m2": round(capacity - available, 1),
        "occupancy_pct": round(100 * (capacity - available) / capacity, 1) if capacity else None,
        "units_synthetic": any(r["units_synthetic"] for r in rows),
    }  # fmt: skip


@router.get("/stats", response_model=Stats, summary="规划统计 / Statistics for planners")
def get_stats(session: ReadSession, actor: StatsReader) -> Stats:
    areas = stats.areas(session)
    industries = stats.by_industry(session)
    area_stats = [
        AreaStat(
            **_space(a["area"], a["name_zh"], a["name_en"], [a]),
            zone=a["zone"],
            by_industry=[IndustryStat(**i) for i in industries if i["area"] == a["area"]],
        )
        for a in areas
    ]
    zone_names = {a["zone"]: (a["zone_name_zh"], a["zone_name_en"]) for a in areas}
    zones = [
        SpaceStat(**_space(z, *names, [a for a in areas if a["zone"] == z]))
        for z, names in sorted(zone_names.items())
    ]
    inc = stats.incubation(session)
    incubation = Incubation(
        carriers_in_dataset=inc["carriers"],
        carriers_with_figures=inc["with_figures"],
        documented_m2=float(inc["documented_m2"]),
        **PLAN,
        documented_share_of_target_pct=round(100 * float(inc["documented_m2"]) / 1_500_000, 1),
        note="数据集中有面积记载的孵化类载体（孵化器、加速器、众创空间）之和，非全区统计 / sum of "
        "the documented figures of the incubators, accelerators and maker spaces in the dataset — "
        "not a district census",
    )
    return Stats(
        zones=zones,
        areas=area_stats,
        incubation=incubation,
        notes=[
            "空间单元与在园企业为合成数据（见 units_synthetic / tenants_synthetic）/ units and "
            "tenants are synthetic where flagged",
            "已占用 = 容量 − 可用 / occupied = capacity − available",
        ],
    )
