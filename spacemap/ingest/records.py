"""One imported row: the type, range and vocabulary of each field, checked field by field so a
row with three problems reports three, each in the reader's language.

The pydantic models say what a field is; ``parse_row`` validates every field on its own (a bad
area does not hide a bad date), then the checks that need two fields of the same row. The
coordinates are not here: their datum is the file's, so the importer reads them (coords.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    TypeAdapter,
    ValidationError,
)

from spacemap.i18n import Msg, _
from spacemap.numbers import NonNegativeFinite, PositiveFinite
from spacemap.text import _CONTROL, _SURROGATE
from spacemap.vocab import PARK_TYPES, UNIT_FEATURES


def _plain(value: str) -> str:
    """spacemap.text's rule, with the reason kept as a catalog message: an import's problems
    are rendered later, in whichever language their reader uses."""
    if _CONTROL.search(value):
        raise ValueError(_("must not contain control characters"))
    if _SURROGATE.search(value):
        raise ValueError(_("must be valid Unicode text (a lone surrogate was sent)"))
    return value


PlainText = Annotated[str, AfterValidator(_plain)]


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


CodeList = Annotated[list[PlainText], BeforeValidator(_split)]
Flag = Annotated[bool, BeforeValidator(_boolean)]
ParkType = Literal[tuple(PARK_TYPES)]  # type: ignore[valid-type]
CODE_PATTERN = r"^[a-z0-9_\-]{2,48}$"


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    source: PlainText | None = Field(default=None, max_length=500)
    is_estimate: Flag = False


class ParkRecord(_Row):
    name_zh: PlainText = Field(min_length=1, max_length=128)
    name_en: PlainText | None = Field(default=None, max_length=160)
    code: str | None = Field(default=None, pattern=CODE_PATTERN)
    park_type: ParkType
    area_code: PlainText | None = Field(default=None, max_length=48)
    operator: PlainText | None = Field(default=None, max_length=200)
    address: PlainText | None = Field(default=None, max_length=300)
    land_area_m2: PositiveFinite | None = None
    floor_area_m2: PositiveFinite | None = None
    low_cost_area_m2: PositiveFinite | None = None
    documented_firms: NonNegativeInt | None = None
    industries: CodeList = Field(default_factory=list)
    industries_are_whitelist: Flag = False
    location_error_m: PositiveFinite | None = None
    lng: float = 0.0  # WGS84, set by the importer from the file's coordinates
    lat: float = 0.0


class UnitRecord(_Row):
    code: PlainText = Field(min_length=1, max_length=64)
    park: PlainText = Field(min_length=1, max_length=128, description="the park's code or name")
    floor: int | None = Field(default=None, ge=-10, le=300)
    capacity_m2: PositiveFinite
    available_m2: NonNegativeFinite
    rent_cny_m2_month: NonNegativeFinite
    is_low_cost: Flag = False
    features: CodeList = Field(default_factory=list)
    available_from: dt.date
    lng: float | None = None  # WGS84, set by the importer; None: the park's location
    lat: float | None = None


REQUIRED_COLUMNS = {
    "parks": ("name_zh", "park_type", "lng", "lat"),
    "units": ("code", "park", "capacity_m2", "available_m2", "rent_cny_m2_month", "available_from"),
}
COORDINATES = ("lng", "lat")
Problem = tuple[str, Msg]  # (field, why)


@cache
def _adapters(model: type[BaseModel]) -> dict[str, tuple[TypeAdapter, bool]]:
    """Each field's validator on its own, and whether it is required."""
    out = {}
    for name, info in model.model_fields.items():
        if name in COORDINATES:
            continue
        annotation = (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        )
        out[name] = (TypeAdapter(annotation), info.is_required())
    return out


def parse_row(model: type[BaseModel], raw: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """The fields of ``raw`` that are valid, parsed; and a problem for each field that is not."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, (adapter, required) in _adapters(model).items():
        text = (raw.get(name) or "").strip()
        if not text:
            if required:
                problems.append((name, _("required, but the cell is empty")))
            continue
        try:
            values[name] = adapter.validate_python(text)
        except ValidationError as exc:
            problems.append((name, explain(exc.errors()[0], text)))
    for check in _CROSS_FIELD.get(model, ()):
        problems += check(values)
    return values, problems


def build(model: type[BaseModel], values: dict[str, Any]) -> Any:
    """The record of a row whose every field passed ``parse_row``."""
    return model.model_construct(**values)


def _features_known(values: dict[str, Any]) -> list[Problem]:
    unknown = [f for f in values.get("features", []) if f not in UNIT_FEATURES]
    if not unknown:
        return []
    return [
        (
            "features",
            _(
                "unknown feature %(feature)s; known: %(known)s",
                feature=", ".join(unknown),
                known=", ".join(UNIT_FEATURES),
            ),
        )
    ]


def _available_within_capacity(values: dict[str, Any]) -> list[Problem]:
    available, capacity = values.get("available_m2"), values.get("capacity_m2")
    if available is None or capacity is None or available <= capacity:
        return []
    return [
        (
            "available_m2",
            _(
                "available %(available)s m² is more than the capacity %(capacity)s m²",
                available=f"{available:g}",
                capacity=f"{capacity:g}",
            ),
        )
    ]


_CROSS_FIELD: dict[type[BaseModel], tuple[Callable[[dict[str, Any]], list[Problem]], ...]] = {
    UnitRecord: (_features_known, _available_within_capacity),
}


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def explain(error: Any, value: str) -> Msg:
    """A pydantic error as a sentence in the catalog (the reader's language)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Msg):
        return cause.args[0]
    shown = value if len(value) <= 40 else value[:37] + "…"
    messages: dict[str, Callable[[], Msg]] = {
        "finite_number": lambda: _("must be a finite number, not %(value)s", value=shown),
        "float_parsing": lambda: _("must be a number, not '%(value)s'", value=shown),
        "int_parsing": lambda: _("must be a whole number, not '%(value)s'", value=shown),
        "int_from_float": lambda: _("must be a whole number, not '%(value)s'", value=shown),
        "greater_than": lambda: _(
            "must be more than %(limit)s, not %(value)s", limit=_number(ctx.get("gt")), value=shown
        ),
        "greater_than_equal": lambda: _(
            "must be at least %(limit)s, not %(value)s", limit=_number(ctx.get("ge")), value=shown
        ),
        "less_than_equal": lambda: _(
            "must be at most %(limit)s, not %(value)s", limit=_number(ctx.get("le")), value=shown
        ),
        "bool_parsing": lambda: _(
            "must be true or false (also yes/no or 1/0), not '%(value)s'", value=shown
        ),
        "date_from_datetime_parsing": lambda: _(
            "must be a date as YYYY-MM-DD, not '%(value)s'", value=shown
        ),
        "date_parsing": lambda: _("must be a date as YYYY-MM-DD, not '%(value)s'", value=shown),
        "literal_error": lambda: _(
            "must be one of %(choices)s, not '%(value)s'",
            choices=ctx.get("expected", ""),
            value=shown,
        ),
        "string_too_long": lambda: _(
            "must be at most %(max)s characters long", max=ctx.get("max_length")
        ),
        "string_too_short": lambda: _("must not be empty"),
        "string_pattern_mismatch": lambda: _(
            "may hold only lower-case letters, digits, '_' and '-' (2 to 48 of them), "
            "not '%(value)s'",
            value=shown,
        ),
    }
    if kind in messages:
        return messages[kind]()
    return _("is not valid: '%(value)s'", value=shown)
