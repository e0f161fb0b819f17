"""What a company says about itself: the one input of matching, shared by CLI, API and web."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from spacemap.numbers import Finite
from spacemap.taxonomy import area_codes, sectors, suggest
from spacemap.text import PlainText
from spacemap.vocab import STAGES, UNIT_FEATURES, ZONE_CODES

Stage = Literal[tuple(STAGES)]  # type: ignore[valid-type]
Feature = Literal[tuple(UNIT_FEATURES)]  # type: ignore[valid-type]
ZoneCode = Literal[ZONE_CODES]  # type: ignore[valid-type]


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    near_hk_border: bool = Field(
        False, description="靠近皇岗/福田口岸 / near the HK border crossings"
    )
    near_metro: bool = Field(False, description="靠近地铁 / near a metro station")
    areas: list[str] = Field(
        default_factory=list, max_length=8, description="偏好片区代码 / preferred area codes"
    )
    zones: list[ZoneCode] = Field(default_factory=list, description="偏好轴翼 / preferred zones")
    wants_programme: bool = Field(
        False, description="希望进入孵化器或加速器 / wants an incubator or accelerator programme"
    )

    @field_validator("areas")
    @classmethod
    def _known_areas(cls, value: list[str]) -> list[str]:
        known = area_codes()
        for code in value:
            if code not in known:
                raise ValueError(f"unknown area {code!r}{suggest(code, known)}")
        return value


class PolicyFlags(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national_high_tech: bool = Field(False, description="国家高新技术企业")
    futian_talent: bool = Field(False, description="福田英才荟 talent programme")
    high_growth: bool = Field(False, description="高成长企业 竹海计划")
    leading_firm: bool = Field(False, description="头部企业 聚龙计划")


class CompanyProfile(BaseModel):
    """A company looking for space. Validation errors name the field and say why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: PlainText = Field(min_length=1, max_length=128)
    industry: str = Field(description="产业代码 / sector code from the taxonomy")
    secondary_industries: list[str] = Field(default_factory=list, max_length=10)
    stage: Stage
    headcount: int = Field(ge=1, le=1_000_000)
    min_area_m2: Finite = Field(
        ge=1, le=1_000_000, description="最小面积 / minimum floor space, m²"
    )
    max_area_m2: Finite = Field(
        ge=1, le=1_000_000, description="最大面积 / maximum floor space, m²"
    )
    max_rent_cny_m2_month: Finite = Field(ge=1, le=10_000, description="预算 / budget, 元/m²/month")
    required_features: list[Feature] = Field(default_factory=list, max_length=len(UNIT_FEATURES))
    move_in_by: dt.date | None = Field(
        None, description="最晚入驻日期 / latest move-in date; units free later are infeasible"
    )
    preferences: Preferences = Field(default_factory=Preferences)
    flags: PolicyFlags = Field(default_factory=PolicyFlags)

    @field_validator("industry", "secondary_industries")
    @classmethod
    def _known_sectors(cls, value: str | list[str]) -> str | list[str]:
        for code in [value] if isinstance(value, str) else value:
            if code not in sectors():
                raise ValueError(f"unknown industry {code!r}{suggest(code, sectors())}")
        return value

    @model_validator(mode="after")
    def _area_range(self) -> CompanyProfile:
        if self.min_area_m2 > self.max_area_m2:
            raise ValueError(
                f"min_area_m2 ({self.min_area_m2:g}) must not exceed max_area_m2 "
                f"({self.max_area_m2:g}) / 最小面积不能大于最大面积"
            )
        return self

    @property
    def industries(self) -> list[str]:
        """Every sector the company may land under: its own first, then secondary ones."""
        return [self.industry, *(c for c in self.secondary_industries if c != self.industry)]
