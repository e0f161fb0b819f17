"""Pydantic models of one imported row: types, ranges and vocabularies, with readable errors."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    model_validator,
)

from spacemap.vocab import PARK_TYPES, UNIT_FEATURES


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [
            v.strip() for v in value.replace("，", ";").replace(",", ";").split(";") if v.strip()
        ]
    return value


def _boolean(value: Any) -> Any:
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("true", "1", "yes", "y", "是"):
            return True
        if v in ("false", "0", "no", "n", "否"):
            return False
    return value


CodeList = Annotated[list[str], BeforeValidator(_split)]
Flag = Annotated[bool, BeforeValidator(_boolean)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
ParkType = Literal[tuple(PARK_TYPES)]  # type: ignore[valid-type]


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    source: str | None = None
    is_estimate: Flag = False


class ParkRecord(_Row):
    name_zh: str = Field(min_length=1, max_length=128)
    name_en: str | None = Field(default=None, max_length=160)
    code: str | None = Field(default=None, pattern=r"^[a-z0-9_\-]{2,48}$")
    park_type: ParkType
    area_code: str | None = None
    operator: str | None = None
    address: str | None = None
    land_area_m2: PositiveFloat | None = None
    floor_area_m2: PositiveFloat | None = None
    low_cost_area_m2: PositiveFloat | None = None
    documented_firms: NonNegativeInt | None = None
    industries: CodeList = Field(default_factory=list)
    industries_are_whitelist: Flag = False
    location_error_m: PositiveFloat | None = None
    lng: Longitude
    lat: Latitude


class UnitRecord(_Row):
    code: str = Field(min_length=1, max_length=64)
    park: str = Field(min_length=1, description="the park's code or Chinese name")
    floor: int | None = None
    capacity_m2: PositiveFloat
    available_m2: NonNegativeFloat
    rent_cny_m2_month: NonNegativeFloat
    is_low_cost: Flag = False
    features: CodeList = Field(default_factory=list)
    available_from: dt.date
    lng: Longitude | None = None
    lat: Latitude | None = None

    @model_validator(mode="after")
    def _consistent(self) -> UnitRecord:
        if self.available_m2 > self.capacity_m2:
            raise ValueError(
                f"available_m2: 可用面积大于总面积 / available {self.available_m2:g} m² > "
                f"capacity {self.capacity_m2:g} m²"
            )
        unknown = sorted(set(self.features) - set(UNIT_FEATURES))
        if unknown:
            known = ", ".join(UNIT_FEATURES)
            raise ValueError(f"features: unknown feature(s) {', '.join(unknown)}; known: {known}")
        if (self.lng is None) != (self.lat is None):
            raise ValueError("lng/lat: give both or neither (neither = the park's location)")
        return self


REQUIRED_COLUMNS = {
    "parks": ("name_zh", "park_type", "lng", "lat"),
    "units": ("code", "park", "capacity_m2", "available_m2", "rent_cny_m2_month", "available_from"),
}
