"""Numbers as the domain means them: finite. ``inf``, ``nan`` and overflowing literals such as
``1e309`` (which Python reads as infinity) are refused wherever a number comes in — imports, API
bodies, form fields — with the field named, and the schema refuses them again (migration
0010_cli)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AllowInfNan, Field

Finite = Annotated[float, AllowInfNan(False)]
PositiveFinite = Annotated[float, AllowInfNan(False), Field(gt=0)]
NonNegativeFinite = Annotated[float, AllowInfNan(False), Field(ge=0)]


def finite_check(column: str) -> str:
    """SQL that holds for a finite float8 (or NULL): NaN sorts above +Infinity in PostgreSQL,
    so the two comparisons leave out NaN, +Infinity and -Infinity."""
    return f"{column} > '-Infinity'::float8 AND {column} < 'Infinity'::float8"
