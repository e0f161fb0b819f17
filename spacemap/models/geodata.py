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

from spacemap.models.base import Base, Provenance, point, polygons, valid
from spacemap.vocab import (
    BOUNDARY_QUALITIES,
    INDICATOR_KINDS,
    INDICATOR_UNITS,
    MEASURABLE,
    PARK_STATUSES,
    PARK_TYPES,
    STAGES,
    TAG_BASES,
    TENANT_STATUSES,
    UNIT_FEATURES,
    ZONE_CODES,
    sql_in,
)


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
    """The eight 片区, each with a positioning and an industry whitelist (正面清单).

    ``zone_id`` is the zone of the area's main part, where its carriers are; an area may reach
    into another zone (梅林-彩田's 彩田北 is in the east wing): ``area_parts`` holds each part.
    ``geom`` is the union of its parts; ``boundary_error_m`` and ``boundary_quality`` the worst
    of theirs."""

    __tablename__ = "areas"
    __table_args__ = (
        valid(),
        CheckConstraint(
            f"boundary_quality IS NULL OR boundary_quality IN ({sql_in(BOUNDARY_QUALITIES)})",
            name="boundary_quality",
        ),
    )

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
    boundary_error_m: Mapped[float | None] = mapped_column(Float)
    boundary_quality: Mapped[str | None] = mapped_column(String(16))
    geom = mapped_column(polygons(), nullable=False)

    zone: Mapped[Zone] = relationship(back_populates="areas")
    whitelist: Mapped[list[AreaWhitelist]] = relationship(back_populates="area")


class AreaPart(Provenance, Base):
    """One zone's share of an area: an area lies in one zone unless the plan splits it.

    Each part is drawn separately (geodata/area_polygons.py) with its own estimate radius
    (``boundary_error_m``) and how its anchors were chosen (``boundary_quality``)."""

    __tablename__ = "area_parts"
    __table_args__ = (
        valid(),
        CheckConstraint(
            f"boundary_quality IN ({sql_in(BOUNDARY_QUALITIES)})", name="boundary_quality"
        ),
        CheckConstraint("boundary_error_m > 0", name="boundary_error_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), nullable=False, index=True
    )
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("zones.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    name_zh: Mapped[str] = mapped_column(String(64), nullable=False)
    name_en: Mapped[str] = mapped_column(String(96), nullable=False)
    note_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    anchors: Mapped[str] = mapped_column(Text, nullable=False, default="")
    boundary_error_m: Mapped[float] = mapped_column(Float, nullable=False)
    boundary_quality: Mapped[str] = mapped_column(String(16), nullable=False)
    geom_method: Mapped[str] = mapped_column(Text, nullable=False)
    geom = mapped_column(polygons(), nullable=False)


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
    # The plan's own words that admit the sector (geodata/sources/whitelist_mapping.csv).
    wording: Mapped[str] = mapped_column(Text, nullable=False, server_default="")

    area: Mapped[Area] = relationship(back_populates="whitelist")


class Park(Provenance, Base):
    """A park or carrier (园区/载体). Figures are as documented; NULL where the source is silent."""

    __tablename__ = "parks"
    __table_args__ = (
        valid(),
        CheckConstraint(f"park_type IN ({sql_in(PARK_TYPES)})", name="park_type"),
        CheckConstraint(f"status IN ({sql_in(PARK_STATUSES)})", name="status"),
        CheckConstraint("location_error_m IS NULL OR location_error_m > 0", name="error_positive"),
        CheckConstraint(
            "(land_area_m2 IS NULL OR land_area_m2 > 0) AND (floor_area_m2 IS NULL OR "
            "floor_area_m2 > 0) AND (low_cost_area_m2 IS NULL OR low_cost_area_m2 > 0)",
            name="areas_positive",
        ),
        CheckConstraint("documented_firms IS NULL OR documented_firms >= 0", name="firms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    name_en: Mapped[str] = mapped_column(String(160), nullable=False)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    area_is_estimate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    park_type: Mapped[str] = mapped_column(String(24), nullable=False)
    # A planned carrier (the documents call for it) has no space recorded: no units, no tenants.
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="operating")
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
    """A park's focus sectors; ``is_whitelist`` marks a park that admits only its listed sectors.

    ``basis`` says how the field is known: ``documented`` (``source`` cites the section, ``quote``
    is the document's words), ``inferred`` (``reason_zh``/``reason_en`` say why; such a row is
    ``is_estimate``) or ``registered`` (a register import supplied it)."""

    __tablename__ = "park_industries"
    __table_args__ = (CheckConstraint(f"basis IN ({sql_in(TAG_BASES)})", name="basis"),)

    park_id: Mapped[int] = mapped_column(
        ForeignKey("parks.id", ondelete="CASCADE"), primary_key=True
    )
    industry_code: Mapped[str] = mapped_column(ForeignKey("industries.code"), primary_key=True)
    is_whitelist: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    basis: Mapped[str] = mapped_column(String(16), nullable=False, server_default="registered")
    quote: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    reason_zh: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    reason_en: Mapped[str] = mapped_column(Text, nullable=False, server_default="")


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
    # A tenant in a sector its area's whitelist does not admit, kept because the documents say
    # the park hosts that field (see the data conflict report).
    is_legacy: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")


class Indicator(Provenance, Base):
    """A figure the plans set a target for or report (科技培育空间, 创新载体 …), and whether the
    service can measure it itself, like with like (``measurable``, ``measure_zh/en`` say how)."""

    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint(f"measurable IN ({sql_in(MEASURABLE)})", name="measurable"),
        CheckConstraint(f"unit IN ({sql_in(INDICATOR_UNITS)})", name="unit"),
    )

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    name_zh: Mapped[str] = mapped_column(Text, nullable=False)
    name_en: Mapped[str] = mapped_column(Text, nullable=False)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)
    measurable: Mapped[str] = mapped_column(String(8), nullable=False)
    measure_zh: Mapped[str] = mapped_column(Text, nullable=False)
    measure_en: Mapped[str] = mapped_column(Text, nullable=False)


class IndicatorValue(Provenance, Base):
    """One dated value of an indicator, an actual or a target, as one document states it.

    ``as_written`` is the number exactly as written (× ``scale`` gives ``value`` in the
    indicator's unit); ``quote`` is the sentence or table row; ``citation`` the short form."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(INDICATOR_KINDS)})", name="kind"),
        CheckConstraint("qualifier IN ('=', '>', '≈', '≥')", name="qualifier"),
        UniqueConstraint("indicator_code", "year", "kind", "as_of", "citation", name="one_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(
        ForeignKey("indicators.code", ondelete="CASCADE"), nullable=False, index=True
    )
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of: Mapped[str] = mapped_column(String(32), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    qualifier: Mapped[str] = mapped_column(String(2), nullable=False)
    as_written: Mapped[str] = mapped_column(Text, nullable=False)
    scale: Mapped[float] = mapped_column(Float, nullable=False)
    citation: Mapped[str] = mapped_column(String(64), nullable=False)
    quote: Mapped[str] = mapped_column(Text, nullable=False)
    note_zh: Mapped[str] = mapped_column(Text, nullable=False, default="")
    note_en: Mapped[str] = mapped_column(Text, nullable=False, default="")


class DatasetLoad(Base):
    """Append-only record of each `spacemap load`, so a re-run can tell it has nothing to do."""

    __tablename__ = "dataset_loads"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    loaded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, nullable=False)
