"""Futian's industrial space: districts, zones, areas, whitelists, parks, units, tenants."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spacemap.models.base import Base, Provenance, finite, point, polygons, valid
from spacemap.vocab import PARK_TYPES, STAGES, TENANT_STATUSES, UNIT_FEATURES, ZONE_CODES, sql_in


class District(Provenance, Base):
    """Shenzhen's districts: Futian is the product's scope, the others are map context."""

    __tablename__ = "districts"
    __table_args__ = (valid(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adcode: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_en: Mapped[str] = mapped_column(String(64), nullable=False)
    is_futian: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    geom = mapped_column(polygons(), nullable=False)


class Zone(Provenance, Base):
    """一轴两翼: the central axis and the two wings, each the union of its areas."""

    __tablename__ = "zones"
    __table_args__ = (valid(), CheckConstraint(f"code IN ({sql_in(ZONE_CODES)})", name="code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_en: Mapped[str] = mapped_column(String(64), nullable=False)
    description_zh: Mapped[str] = mapped_column(Text, nullable=False)
    description_en: Mapped[str] = mapped_column(Text, nullable=False)
    geom = mapped_column(polygons(), nullable=False)

    areas: Mapped[list[Area]] = relationship(back_populates="zone")


class Area(Provenance, Base):
    """The eight 片区, each with a positioning and an industry whitelist (正面清单)."""

    __tablename__ = "areas"
    __table_args__ = (valid(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("zones.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    name_zh: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_en: Mapped[str] = mapped_column(String(96), nullable=False)
    positioning_zh: Mapped[str] = mapped_column(Text, nullable=False)
    positioning_en: Mapped[str] = mapped_column(Text, nullable=False)
    geom_method: Mapped[str] = mapped_column(Text, nullable=False)
    geom = mapped_column(polygons(), nullable=False)

    zone: Mapped[Zone] = relationship(back_populates="areas")
    whitelist: Mapped[list[AreaWhitelist]] = relationship(back_populates="area")


class Industry(Provenance, Base):
    """Sector taxonomy; groups have no parent, sectors name their group."""

    __tablename__ = "industries"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("industries.code", ondelete="RESTRICT")
    )
    name_zh: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_en: Mapped[str] = mapped_column(String(96), unique=True, nullable=False)
    is_group: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class IndustryRelation(Provenance, Base):
    """Symmetric 'related sector' links, stored once with code_a < code_b."""

    __tablename__ = "industry_relations"
    __table_args__ = (CheckConstraint('code_a < code_b COLLATE "C"', name="ordered"),)

    code_a: Mapped[str] = mapped_column(ForeignKey("industries.code"), primary_key=True)
    code_b: Mapped[str] = mapped_column(ForeignKey("industries.code"), primary_key=True)


class AreaWhitelist(Provenance, Base):
    """产业准入正面清单: which sectors may land in an area; ``is_lead`` marks its lead sectors."""

    __tablename__ = "area_whitelist"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code"), primary_key=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    area: Mapped[Area] = relationship(back_populates="whitelist")


class Park(Provenance, Base):
    """A park or carrier (园区/载体). Figures are as documented; NULL where the source is silent."""

    __tablename__ = "parks"
    __table_args__ = (
        valid(),
        CheckConstraint(f"park_type IN ({sql_in(PARK_TYPES)})", name="park_type"),
        CheckConstraint("location_error_m IS NULL OR location_error_m > 0", name="error_positive"),
        CheckConstraint(
            "(land_area_m2 IS NULL OR land_area_m2 > 0) AND (floor_area_m2 IS NULL OR "
            "floor_area_m2 > 0) AND (low_cost_area_m2 IS NULL OR low_cost_area_m2 > 0)",
            name="areas_positive",
        ),
        CheckConstraint("documented_firms IS NULL OR documented_firms >= 0", name="firms"),
        *finite("land_area_m2", "floor_area_m2", "low_cost_area_m2", "location_error_m",
                "units_capacity_m2", "units_available_m2"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    name_en: Mapped[str] = mapped_column(String(160), nullable=False)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    area_is_estimate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    park_type: Mapped[str] = mapped_column(String(24), nullable=False)
    operator: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    land_area_m2: Mapped[float | None] = mapped_column(Float)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    low_cost_area_m2: Mapped[float | None] = mapped_column(Float)
    space_is_estimate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    documented_firms: Mapped[int | None] = mapped_column(Integer)
    figures_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    figures_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
    location_error_m: Mapped[float | None] = mapped_column(Float)
    geom = mapped_column(point(), nullable=False)
    # Totals over the park's units, kept by a trigger on space_units (migration 0004).
    units_capacity_m2: Mapped[float] = mapped_column(Float, nullable=False, server_default="0")
    units_available_m2: Mapped[float] = mapped_column(Float, nullable=False, server_default="0")

    area: Mapped[Area] = relationship()
    units: Mapped[list[SpaceUnit]] = relationship(back_populates="park")


class ParkIndustry(Provenance, Base):
    """A park's focus sectors; ``is_whitelist`` marks a park that admits only its listed sectors."""

    __tablename__ = "park_industries"

    park_id: Mapped[int] = mapped_column(
        ForeignKey("parks.id", ondelete="CASCADE"), primary_key=True
    )
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code"), primary_key=True)
    is_whitelist: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class SpaceUnit(Provenance, Base):
    """Rentable floor space inside a park, the thing companies apply for."""

    __tablename__ = "space_units"
    __table_args__ = (
        valid(),
        CheckConstraint("capacity_m2 > 0", name="capacity_positive"),
        CheckConstraint(
            "0 <= available_m2 AND available_m2 <= capacity_m2", name="available_within_capacity"
        ),
        CheckConstraint("rent_cny_m2_month >= 0", name="rent_non_negative"),
        *finite(
            "capacity_m2", "available_m2", "rent_cny_m2_month", "x_m", "y_m", "metro_m", "border_m"
        ),
        CheckConstraint(f"features <@ ARRAY[{sql_in(UNIT_FEATURES)}]::varchar[]", name="features"),
        Index(
            "ix_space_units_park_occupancy",
            "park_id",
            postgresql_include=["capacity_m2", "available_m2"],
        ),
        # Searches name required features; this lets PostgreSQL visit only units that have them.
        Index("ix_space_units_features", "features", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    park_id: Mapped[int] = mapped_column(
        ForeignKey("parks.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    floor: Mapped[int | None] = mapped_column(Integer)
    capacity_m2: Mapped[float] = mapped_column(Float, nullable=False)
    available_m2: Mapped[float] = mapped_column(Float, nullable=False)
    rent_cny_m2_month: Mapped[float] = mapped_column(Float, nullable=False)
    is_low_cost: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    features: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False, default=list)
    available_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    geom = mapped_column(point(), nullable=False)
    # Location context, kept by triggers (migration 0004) whenever geom or the stations change,
    # so matching reads it instead of recomputing it per request.
    x_m: Mapped[float | None] = mapped_column(Float)  # CGCS2000 / GK zone 38 (EPSG:4547)
    y_m: Mapped[float | None] = mapped_column(Float)
    metro_m: Mapped[float | None] = mapped_column(Float)  # to the nearest metro station
    border_m: Mapped[float | None] = mapped_column(Float)  # to the nearest HK border crossing

    park: Mapped[Park] = relationship(back_populates="units")


class Station(Provenance, Base):
    """Metro stations in and within 1 km of Futian."""

    __tablename__ = "stations"
    __table_args__ = (valid(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_en: Mapped[str] = mapped_column(String(96), nullable=False)
    lines: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False)
    in_futian: Mapped[bool] = mapped_column(Boolean, nullable=False)
    geom = mapped_column(point(), nullable=False)


class Tenant(Provenance, Base):
    """Companies already in a park — today all synthetic, consistent with documented counts."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint(f"stage IN ({sql_in(STAGES)})", name="stage"),
        CheckConstraint(f"status IN ({sql_in(TENANT_STATUSES)})", name="status"),
        CheckConstraint("headcount IS NULL OR headcount > 0", name="headcount_positive"),
        CheckConstraint("occupied_m2 IS NULL OR occupied_m2 > 0", name="occupied_positive"),
        *finite("occupied_m2"),
        CheckConstraint("status = 'in_unit' OR unit_id IS NULL", name="unit_only_when_in"),
        UniqueConstraint("name", name="tenants_name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    park_id: Mapped[int] = mapped_column(
        ForeignKey("parks.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("space_units.id", ondelete="SET NULL"), index=True
    )
    industry_code: Mapped[str] = mapped_column(
        ForeignKey("industries.code"), nullable=False, index=True
    )
    stage: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    programme: Mapped[str | None] = mapped_column(Text)
    headcount: Mapped[int | None] = mapped_column(Integer)
    occupied_m2: Mapped[float | None] = mapped_column(Float)


class DatasetLoad(Base):
    """Append-only record of each `spacemap load`, so a re-run can tell it has nothing to do."""

    __tablename__ = "dataset_loads"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    loaded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, nullable=False)
