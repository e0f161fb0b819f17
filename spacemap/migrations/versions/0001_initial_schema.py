"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 11:51:39.708447
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


FK_INDEXES = [
    ("areas", "zone_id"),
    ("parks", "area_id"),
    ("space_units", "park_id"),
    ("tenants", "park_id"),
    ("tenants", "unit_id"),
    ("tenants", "industry_code"),
]


def upgrade() -> None:
    op.create_geospatial_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adcode", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column("is_futian", sa.Boolean(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("adcode"),
        sa.UniqueConstraint("name_zh"),
    )
    op.create_geospatial_index(
        "idx_districts_geom",
        "districts",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "industries",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=96), nullable=False),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_code"], ["industries.code"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("name_en"),
        sa.UniqueConstraint("name_zh"),
    )
    op.create_geospatial_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=96), nullable=False),
        sa.Column("lines", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("in_futian", sa.Boolean(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_zh"),
    )
    op.create_geospatial_index(
        "idx_stations_geom",
        "stations",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("code IN ('central_axis', 'west_wing', 'east_wing')", name="code"),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("name_zh"),
    )
    op.create_geospatial_index(
        "idx_zones_geom",
        "zones",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=96), nullable=False),
        sa.Column("positioning_zh", sa.Text(), nullable=False),
        sa.Column("positioning_en", sa.Text(), nullable=False),
        sa.Column("geom_method", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("name_zh"),
    )
    op.create_geospatial_index(
        "idx_areas_geom",
        "areas",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "industry_relations",
        sa.Column("code_a", sa.String(length=32), nullable=False),
        sa.Column("code_b", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint('code_a < code_b COLLATE "C"', name="ordered"),
        sa.ForeignKeyConstraint(
            ["code_a"],
            ["industries.code"],
        ),
        sa.ForeignKeyConstraint(
            ["code_b"],
            ["industries.code"],
        ),
        sa.PrimaryKeyConstraint("code_a", "code_b"),
    )
    op.create_table(
        "area_whitelist",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("industry_code", sa.String(length=32), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["industry_code"],
            ["industries.code"],
        ),
        sa.PrimaryKeyConstraint("area_id", "industry_code"),
    )
    op.create_geospatial_table(
        "parks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("name_zh", sa.String(length=128), nullable=False),
        sa.Column("name_en", sa.String(length=160), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("area_is_estimate", sa.Boolean(), nullable=False),
        sa.Column("park_type", sa.String(length=24), nullable=False),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("land_area_m2", sa.Float(), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("low_cost_area_m2", sa.Float(), nullable=True),
        sa.Column("space_is_estimate", sa.Boolean(), nullable=False),
        sa.Column("documented_firms", sa.Integer(), nullable=True),
        sa.Column("figures_zh", sa.Text(), nullable=False),
        sa.Column("figures_en", sa.Text(), nullable=False),
        sa.Column("location_error_m", sa.Float(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "park_type IN ('industrial_park', 'incubator', 'accelerator', 'maker_space', 'tech_building', 'pilot_plant')",
            name="park_type",
        ),
        sa.CheckConstraint(
            "(land_area_m2 IS NULL OR land_area_m2 > 0) AND (floor_area_m2 IS NULL OR floor_area_m2 > 0) AND (low_cost_area_m2 IS NULL OR low_cost_area_m2 > 0)",
            name="areas_positive",
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        sa.CheckConstraint("documented_firms IS NULL OR documented_firms >= 0", name="firms"),
        sa.CheckConstraint(
            "location_error_m IS NULL OR location_error_m > 0", name="error_positive"
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("name_zh"),
    )
    op.create_geospatial_index(
        "idx_parks_geom",
        "parks",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "space_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("capacity_m2", sa.Float(), nullable=False),
        sa.Column("available_m2", sa.Float(), nullable=False),
        sa.Column("rent_cny_m2_month", sa.Float(), nullable=False),
        sa.Column("is_low_cost", sa.Boolean(), nullable=False),
        sa.Column("features", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("available_from", sa.Date(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "features <@ ARRAY['wet_lab', 'clean_room', 'pilot_plant', 'heavy_floor_load', 'showroom', 'power_24h', 'server_room', 'furnished']::varchar[]",
            name="features",
        ),
        sa.CheckConstraint(
            "0 <= available_m2 AND available_m2 <= capacity_m2", name="available_within_capacity"
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        sa.CheckConstraint("capacity_m2 > 0", name="capacity_positive"),
        sa.CheckConstraint("rent_cny_m2_month >= 0", name="rent_non_negative"),
        sa.ForeignKeyConstraint(["park_id"], ["parks.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_space_units_geom",
        "space_units",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("industry_code", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("programme", sa.Text(), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.Column("occupied_m2", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("stage IN ('seed', 'startup', 'growth', 'mature')", name="stage"),
        sa.CheckConstraint("status = 'in_unit' OR unit_id IS NULL", name="unit_only_when_in"),
        sa.CheckConstraint("status IN ('in_unit', 'signed', 'hosted')", name="status"),
        sa.CheckConstraint("headcount IS NULL OR headcount > 0", name="headcount_positive"),
        sa.CheckConstraint("occupied_m2 IS NULL OR occupied_m2 > 0", name="occupied_positive"),
        sa.ForeignKeyConstraint(
            ["industry_code"],
            ["industries.code"],
        ),
        sa.ForeignKeyConstraint(["park_id"], ["parks.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["space_units.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name="tenants_name_key"),
    )
    op.create_table(
        "park_industries",
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("industry_code", sa.String(length=32), nullable=False),
        sa.Column("is_whitelist", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["industry_code"], ["industries.code"]),
        sa.ForeignKeyConstraint(["park_id"], ["parks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("park_id", "industry_code"),
    )
    op.create_table(
        "dataset_loads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("counts", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table, column in FK_INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in FK_INDEXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.drop_table("dataset_loads")
    op.drop_table("park_industries")
    op.drop_table("tenants")
    op.drop_geospatial_index(
        "idx_space_units_geom",
        table_name="space_units",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("space_units")
    op.drop_geospatial_index(
        "idx_parks_geom", table_name="parks", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("parks")
    op.drop_table("area_whitelist")
    op.drop_table("industry_relations")
    op.drop_geospatial_index(
        "idx_areas_geom", table_name="areas", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("areas")
    op.drop_geospatial_index(
        "idx_zones_geom", table_name="zones", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("zones")
    op.drop_geospatial_index(
        "idx_stations_geom", table_name="stations", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("stations")
    op.drop_table("industries")
    op.drop_geospatial_index(
        "idx_districts_geom", table_name="districts", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("districts")
