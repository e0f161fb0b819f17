"""Policy parameters matching needs but the documents do not quantify.

002 §八(二) says subsidies are "differentiated coefficients" steering firms into designated areas,
and 001 describes low-cost space for 华强上步 and 八卦岭, but no rates are published. The numbers
here are our assumptions, named as such wherever they reach a user.

The status flags a profile carries are the programmes the plans name: 国家高新技术企业
(000 一(一)4, 001), 高成长企业 "竹海计划" and 头部企业 "聚龙计划" (000 三(二)), and the district's
talent programme 福田英才荟 (000 一(一)3: "在人才方面，制定了'福田英才荟'计划"; 000 二(二)2:
"全面落实升级版'福田英才荟'政策"). None of them publishes a rent benefit: every rate below,
the talent bonus included, is an assumption.
"""

from __future__ import annotations

import numpy as np

from matching.profile import CompanyProfile
from spacemap.i18n import _

ASSUMPTION_NOTE = _("Subsidy rates are assumptions: the plans publish none.")

# Share of the rent on a low-cost unit the district pays for an eligible company.
SUBSIDY_LEAD_INDUSTRY = 0.20  # the company's sector is a lead industry of the unit's area
SUBSIDY_STATUS_BONUS = 0.10  # national high-tech, 竹海 high-growth or 聚龙 leading firm
# A company recognised under 福田英才荟 (its founders or key staff are Futian talents): assumed
# half the status bonus, because the programme supports people, not firms (000 一(一)3).
SUBSIDY_TALENT_BONUS = 0.05
SUBSIDY_CAP = 0.30

# How well a park type suits a company stage (0–1); incubators for the young, parks for the grown.
STAGE_TYPE_FIT: dict[str, dict[str, float]] = {
    "seed": {"maker_space": 1.0, "incubator": 1.0, "accelerator": 0.6, "tech_building": 0.3,
             "industrial_park": 0.2, "pilot_plant": 0.2},
    "startup": {"maker_space": 0.6, "incubator": 1.0, "accelerator": 1.0, "tech_building": 0.5,
                "industrial_park": 0.4, "pilot_plant": 0.5},
    "growth": {"maker_space": 0.1, "incubator": 0.5, "accelerator": 0.9, "tech_building": 0.9,
               "industrial_park": 1.0, "pilot_plant": 0.8},
    "mature": {"maker_space": 0.0, "incubator": 0.1, "accelerator": 0.3, "tech_building": 1.0,
               "industrial_park": 1.0, "pilot_plant": 0.8},
}  # fmt: skip

PROGRAMME_TYPES = ("incubator", "accelerator", "maker_space")

BORDER_CROSSINGS = ("皇岗口岸", "福田口岸")  # located at the metro stations of the same name


def status_bonus(profile: CompanyProfile) -> float:
    """The extra subsidy share a company's policy status earns on low-cost units (assumed
    rates): the status bonus once for any of the firm programmes, plus the talent bonus."""
    f = profile.flags
    firm = SUBSIDY_STATUS_BONUS if (f.national_high_tech or f.high_growth or f.leading_firm) else 0
    return float(firm + (SUBSIDY_TALENT_BONUS if f.futian_talent else 0.0))


def subsidy_rate(
    is_low_cost: np.ndarray, is_lead: np.ndarray, profile: CompanyProfile
) -> np.ndarray:
    """rate = min(cap, 0.20 · lead-industry + status bonus) on low-cost units, 0 elsewhere.

    ``queries.SUBSIDY_SQL`` is the same formula in SQL; a test keeps the two in step.
    """
    rate = np.minimum(SUBSIDY_CAP, SUBSIDY_LEAD_INDUSTRY * is_lead + status_bonus(profile))
    return np.where(is_low_cost, rate, 0.0)
