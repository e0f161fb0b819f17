"""Seeded generator of rentable units and tenants — synthetic rows consistent with the documents.

Nothing here is a fact. The documents give totals (a park's floor space, a low-cost operator's
m², how many firms a park hosts); this module invents plausible units and companies that add up to
those totals and never exceed them. Every parameter below is an assumption, written into
``built/manifest.json`` next to the output so a reader can see exactly what was assumed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from geodata.figures import figure

SEED = 440304  # Futian's administrative code

GENERATOR = "spacemap geodata.synthetic v2 (seed 440304)"


@dataclass(frozen=True)
class Assumptions:
    """Generator parameters; each is a judgement, not a documented figure."""

    market_rent_by_area: dict[str, float] = field(
        default_factory=lambda: {
            "cbd": 210.0,
            "xiangmihu": 190.0,
            "chegongmiao": 150.0,
            "huaqiang": 140.0,
            "hetao": 130.0,
            "meilin": 120.0,
            "antuoshan": 115.0,
            "bagualing": 110.0,
        }
    )  # 元/m²/month, Grade-B office / R&D space
    rent_factor_by_type: dict[str, float] = field(
        default_factory=lambda: {
            "tech_building": 1.0,
            "industrial_park": 0.85,
            "accelerator": 0.75,
            "incubator": 0.7,
            "maker_space": 0.6,
            "pilot_plant": 0.6,
        }
    )
    low_cost_rent_share: tuple[float, float] = (0.4, 0.6)  # of market rent
    low_cost_unit_share_by_type: dict[str, float] = field(
        default_factory=lambda: {
            "incubator": 0.6,
            "maker_space": 0.8,
            "accelerator": 0.5,
            "industrial_park": 0.1,
            "tech_building": 0.05,
            "pilot_plant": 0.3,
        }
    )  # parks with documented low-cost space list only low-cost units
    unit_median_m2_by_type: dict[str, float] = field(
        default_factory=lambda: {
            "maker_space": 40.0,
            "incubator": 120.0,
            "accelerator": 150.0,
            "tech_building": 350.0,
            "industrial_park": 450.0,
            "pilot_plant": 900.0,
        }
    )
    unit_size_sigma: float = 0.6  # log-normal spread
    unit_min_m2: float = 10.0
    listed_share_of_low_cost: float = 0.95
    listed_share_of_gross_large: float = 0.15  # gross floor >= 100,000 m²
    listed_share_of_gross_small: float = 0.5
    assumed_space_by_type: dict[str, float] = field(
        default_factory=lambda: {
            "industrial_park": 12000.0,
            "tech_building": 9000.0,
            "incubator": 4000.0,
            "accelerator": 1800.0,
            "maker_space": 1200.0,
            "pilot_plant": 6000.0,
        }
    )  # listed space for parks whose documents give no figure
    vacancy: tuple[float, float] = (0.15, 0.35)  # share of units left vacant
    occupancy_undocumented: float = 0.7  # share of units let where no firm count is documented
    loop_parks: tuple[str, ...] = (
        "sz_hk_tech_park",
        "biomed_park",
        "quantum_academy",
        "hitech_bonded",
        "internet_finance_park",
        "yingdali",
        "xinmeiya",
    )
    related_industry_share: float = 0.15  # tenants in a sector related to the park's focus
    available_from_window: tuple[str, str] = ("2026-12-01", "2027-12-31")


ASSUMPTIONS = Assumptions()

FEATURE_BASE = {  # probability a unit has the feature, by park type
    "furnished": {"incubator": 0.8, "maker_space": 0.9, "accelerator": 0.8},
    "power_24h": {"industrial_park": 0.4, "tech_building": 0.4},
    "heavy_floor_load": {"industrial_park": 0.25, "pilot_plant": 1.0},
    "pilot_plant": {"pilot_plant": 1.0},
}
FEATURE_DEFAULT = {"furnished": 0.3, "power_24h": 0.2, "heavy_floor_load": 0.03, "pilot_plant": 0.0}
FEATURE_BY_INDUSTRY = {  # extra probability when the park's focus includes the industry
    "wet_lab": ({"biomed", "medtech"}, 0.6),
    "clean_room": ({"ic", "quantum", "new_materials"}, 0.2),
    "server_room": ({"big_data", "software", "fintech", "ai"}, 0.15),
    "showroom": ({"smart_terminal", "fashion_design", "component_trade", "industrial_design"}, 0.2),
}
PILOT_AREAS = {"hetao": 0.1, "bagualing": 0.2}  # 000: pilot transfer base; pilot-scale plants

STAGE_BY_TYPE = {
    "maker_space": [0.6, 0.4, 0.0, 0.0],
    "incubator": [0.25, 0.6, 0.15, 0.0],
    "accelerator": [0.05, 0.55, 0.4, 0.0],
    "industrial_park": [0.0, 0.3, 0.45, 0.25],
    "tech_building": [0.0, 0.2, 0.4, 0.4],
    "pilot_plant": [0.0, 0.3, 0.5, 0.2],
}
STAGES = ["seed", "startup", "growth", "mature"]
M2_PER_HEAD = 8.0

_NAME_A = list("星云智芯博睿恒创鼎泰华瀚启明辰航拓宇嘉越远图微光峰澜")
_NAME_B = list("联科达成信通衡源新盛安晟和川锐维腾易")
_SUFFIX = {
    "digital": "信息技术",
    "hardware": "电子科技",
    "life_health": "生物科技",
    "frontier": "量子科技",
    "energy": "新能源科技",
    "finance": "金融信息服务",
    "services": "咨询服务",
    "creative": "文化创意",
    "commerce": "商贸",
}

BAY_FASHION_HQS = ["赢家", "影儿", "歌力思", "汇洁", "杨子", "嘉人", "Fashion Channel"]


def listed_space(park: pd.Series, a: Assumptions = ASSUMPTIONS) -> tuple[float, str]:
    """How many m² of the park we model as rentable units, and why."""
    if pd.notna(park["low_cost_area_m2"]):
        return a.listed_share_of_low_cost * park["low_cost_area_m2"], "documented low-cost space"
    if pd.notna(park["floor_area_m2"]):
        gross = float(park["floor_area_m2"])
        share = a.listed_share_of_gross_large if gross >= 100_000 else a.listed_share_of_gross_small
        return share * gross, "share of documented floor space"
    return a.assumed_space_by_type[park["park_type"]], "assumed (no figure in the documents)"


def _count(subject: str, field: str) -> int:
    """A documented count from ``sources/figures.csv`` (the generator invents no totals)."""
    return int(figure(subject, field).value)


def _tenant_plan(parks: pd.DataFrame, rng: np.random.Generator) -> dict[str, list[tuple[str, str]]]:
    """Per park, a list of (status, programme) for each tenant the documents account for."""
    plan: dict[str, list[tuple[str, str]]] = {}
    for code, p in parks.set_index("code").iterrows():
        firms = p["documented_firms"]
        if code == "fintech_city":  # 001 二(二): own offices / accelerator / incubator / hosted
            fig = f"parks/{code}"
            plan[code] = (
                [("in_unit", "自有办公 own office")] * _count(fig, "firms_own_office")
                + [("in_unit", "平安科技加速器 Ping An Technology accelerator")]
                * _count(fig, "firms_accelerator")
                + [("in_unit", "中信网安孵化器 CITIC Cyber Security incubator")]
                * _count(fig, "firms_incubator")
                + [("hosted", "托管/等待入驻 hosted or waiting")] * _count(fig, "firms_hosted")
            )
        elif code == "blackark":  # 001 二(六): signed, of which moved in
            moved_in = _count(f"parks/{code}", "firms_moved_in")
            plan[code] = [("in_unit", "")] * moved_in + [("signed", "")] * (int(firms) - moved_in)
        elif pd.notna(firms):
            plan[code] = [("in_unit", "")] * int(firms)
    loop = [c for c in ASSUMPTIONS.loop_parks if c in set(parks["code"])]
    projects = _count("areas/hetao", "loop_projects")  # 003: "150余个"
    shares = rng.dirichlet(np.ones(len(loop)) * 4)
    counts = np.floor(shares * projects).astype(int)
    counts[: projects - counts.sum()] += 1
    for code, n in zip(loop, counts, strict=True):
        plan[code] = [("in_unit", "")] * int(n)
    return plan


def _unit_sizes(target: float, median: float, n_min: int, rng: np.random.Generator) -> np.ndarray:
    """Log-normal sizes summing to at most ``target``, at least ``n_min`` of them.

    When a draw yields too few units for the documented tenants, the median shrinks and we draw
    again, so sizes stay varied instead of collapsing to equal slices.
    """
    sigma = ASSUMPTIONS.unit_size_sigma
    mean_factor = math.exp(sigma * sigma / 2)
    median = min(median, target / (max(n_min, 1) * mean_factor))
    while True:
        sizes: list[float] = []
        while True:
            s = max(ASSUMPTIONS.unit_min_m2, float(rng.lognormal(math.log(median), sigma)))
            if sum(sizes) + s > target:
                break
            sizes.append(round(s, 1))
        if len(sizes) >= n_min:
            return np.array(sizes)
        median *= 0.85


def _features(
    park: pd.Series, focus: set[str], n: int, rng: np.random.Generator
) -> list[list[str]]:
    probs: dict[str, float] = {}
    for feat, by_type in FEATURE_BASE.items():
        probs[feat] = by_type.get(park["park_type"], FEATURE_DEFAULT[feat])
    for feat, (industries, p) in FEATURE_BY_INDUSTRY.items():
        probs[feat] = p if focus & industries else 0.02
    probs["pilot_plant"] = max(probs["pilot_plant"], PILOT_AREAS.get(park["area_code"], 0.0))
    if probs["pilot_plant"] > 0:
        probs["heavy_floor_load"] = max(probs["heavy_floor_load"], probs["pilot_plant"])
    draws = {f: rng.random(n) < p for f, p in sorted(probs.items())}
    return [sorted(f for f, d in draws.items() if d[i]) for i in range(n)]


def _company_name(industry_group: str, used: set[str], rng: np.random.Generator) -> str:
    while True:
        word = rng.choice(_NAME_A) + rng.choice(_NAME_B)
        name = f"深圳市{word}{_SUFFIX.get(industry_group, '科技')}有限公司（合成）"
        if name not in used:
            used.add(name)
            return name


@dataclass
class Generated:
    units: pd.DataFrame
    tenants: pd.DataFrame
    listed_space: dict[str, dict[str, float | str]]


def generate(
    parks: pd.DataFrame,
    industries: pd.DataFrame,
    relations: pd.DataFrame,
    whitelist: dict[str, set[str]],
    seed: int = SEED,
) -> Generated:
    """``parks`` needs code, area_code, park_type, status, industries (list), lng, lat and the
    space columns; ``whitelist``: area code → the sectors its 正面清单 admits.

    Tenants follow the whitelist: a tenant's sector is one of its park's fields, or a related
    sector the area admits. The one exception is a park whose *documented* field is off its
    area's list (a conflict the data report shows): its tenants in that field are kept and
    flagged ``is_legacy``: the documents describe them, the whitelist does not admit them.
    Planned carriers get no units and no tenants: no space is recorded for them."""
    a = ASSUMPTIONS
    rng = np.random.default_rng(seed)
    plan = _tenant_plan(parks, rng)
    group_of = dict(zip(industries["code"], industries["parent_code"], strict=True))
    related: dict[str, list[str]] = {}
    for x, y in zip(relations["code_a"], relations["code_b"], strict=True):
        related.setdefault(x, []).append(y)
        related.setdefault(y, []).append(x)
    start = dt.date.fromisoformat(a.available_from_window[0])
    window = (dt.date.fromisoformat(a.available_from_window[1]) - start).days

    unit_rows, tenant_rows, listed = [], [], {}
    used_names: set[str] = set()
    for _, park in parks.sort_values("code").iterrows():
        if park["status"] == "planned":
            listed[park["code"]] = {"listed_m2": 0.0, "basis": "planned carrier: no space recorded"}
            continue
        target, basis = listed_space(park)
        listed[park["code"]] = {"listed_m2": round(target, 1), "basis": basis}
        admitted = whitelist.get(park["area_code"], set())
        tenants = plan.get(park["code"], [])
        in_unit = sum(1 for s, _ in tenants if s == "in_unit")
        vacancy = 1.0 - a.occupancy_undocumented if not tenants else float(rng.uniform(*a.vacancy))
        n_min = math.ceil(in_unit / (1.0 - vacancy)) if in_unit else 3
        sizes = _unit_sizes(target, a.unit_median_m2_by_type[park["park_type"]], n_min, rng)
        n = len(sizes)
        focus = set(park["industries"])
        market = a.market_rent_by_area[park["area_code"]] * a.rent_factor_by_type[park["park_type"]]
        documented_low_cost = pd.notna(park["low_cost_area_m2"])
        low_cost = (
            np.ones(n, bool)
            if documented_low_cost
            else (rng.random(n) < a.low_cost_unit_share_by_type[park["park_type"]])
        )
        rent = market * rng.uniform(0.9, 1.15, n)
        rent = np.where(low_cost, market * rng.uniform(*a.low_cost_rent_share, n), rent)
        feats = _features(park, focus, n, rng)
        floors = rng.integers(
            1, 14 if park["park_type"] in ("tech_building", "industrial_park") else 6, n
        )
        avail_from = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, window, n)]
        if not tenants:
            tenants = [("in_unit", "")] * round(n * (1.0 - vacancy))
            basis_tenants = "assumed occupancy (no firm count documented)"
        else:
            basis_tenants = "documented firm count"
        occupied_idx = rng.permutation(n)[: sum(1 for s, _ in tenants if s == "in_unit")]
        unit_codes = [f"{park['code']}-{i + 1:04d}" for i in range(n)]
        available = sizes.copy()
        available[occupied_idx] = 0.0
        for i in range(n):
            unit_rows.append(
                {
                    "code": unit_codes[i],
                    "park_code": park["code"],
                    "floor": int(floors[i]),
                    "capacity_m2": float(sizes[i]),
                    "available_m2": float(available[i]),
                    "rent_cny_m2_month": round(float(rent[i]), 1),
                    "is_low_cost": bool(low_cost[i]),
                    "features": ";".join(feats[i]),
                    "available_from": avail_from[i].isoformat(),
                    "lng": park["lng"],
                    "lat": park["lat"],
                }
            )
        slot = iter(occupied_idx)
        stage_p = STAGE_BY_TYPE[park["park_type"]]
        real_names = BAY_FASHION_HQS if park["code"] == "bay_fashion_hq" else []
        focus_list = sorted(focus)
        for k, (status, programme) in enumerate(tenants):
            real = k < len(real_names)
            industry = str(rng.choice(focus_list))
            if not real and rng.random() < a.related_industry_share:
                near = sorted(r for r in related.get(industry, []) if r in admitted)
                if near:
                    industry = str(rng.choice(near))
            if real:
                industry = "fashion_design"  # 003 一(三): 时装总部企业, fashion headquarters
            legacy = industry not in admitted
            unit_i = next(slot) if status == "in_unit" else None
            stage = "mature" if real else str(rng.choice(STAGES, p=stage_p))
            area_m2 = float(sizes[unit_i]) if unit_i is not None else None
            tenant_rows.append(
                {
                    "name": real_names[k]
                    if real
                    else _company_name(group_of[industry], used_names, rng),
                    "park_code": park["code"],
                    "unit_code": unit_codes[unit_i] if unit_i is not None else "",
                    "industry_code": industry,
                    "stage": stage,
                    "status": status,
                    "programme": programme,
                    "headcount": None if real else max(1, round((area_m2 or 40.0) / M2_PER_HEAD)),
                    "occupied_m2": None if real else area_m2,
                    "is_synthetic": not real,
                    "is_legacy": legacy,
                    "basis": (
                        "named in 003 一(三)2 as a fashion headquarters; unit and stage assigned "
                        "by the generator"
                        if real
                        else basis_tenants
                    )
                    + (
                        f"; legacy tenant: {industry} is the park's documented field but not on "
                        f"the {park['area_code']} whitelist (see the data conflict report)"
                        if legacy
                        else ""
                    ),
                }
            )
    return Generated(pd.DataFrame(unit_rows), pd.DataFrame(tenant_rows), listed)


def assumptions_dict() -> dict[str, object]:
    return {"seed": SEED, "generator": GENERATOR, **asdict(ASSUMPTIONS)}
