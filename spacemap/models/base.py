"""The declarative base and the provenance columns every geodata table carries.

``source`` names the document and section, or the generator that made the row; ``is_estimate``
marks a guessed value (a location placed near a metro station) and ``is_synthetic`` a row that does
not exist in the world (a generated unit). Constraints live in the database so no writer — loader,
importer, API — can break them.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, CheckConstraint, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Provenance:
    """Columns every geodata table carries so no row can hide where it came from."""

    source: Mapped[str] = mapped_column(Text, nullable=False)
    is_estimate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


def finite(*columns: str) -> list[CheckConstraint]:
    """One CHECK per float column: no NaN or ±Infinity (migration 0010_cli)."""
    from spacemap.numbers import finite_check

    return [CheckConstraint(finite_check(c), name=f"{c}_finite") for c in columns]


def valid(column: str = "geom") -> CheckConstraint:
    return CheckConstraint(f"ST_IsValid({column})", name="geom_valid")


def polygons() -> Geometry:
    return Geometry("MULTIPOLYGON", srid=4326, spatial_index=True)


def point() -> Geometry:
    return Geometry("POINT", srid=4326, spatial_index=True)
