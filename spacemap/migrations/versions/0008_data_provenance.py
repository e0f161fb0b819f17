"""data provenance: how each park field is known, area parts, plan indicators, legacy tenants

- ``park_industries``: ``basis`` (documented | inferred | registered), the document's ``quote``
  or the inference's ``reason_zh``/``reason_en``.
- ``area_whitelist.wording``: the plan's own words that admit the sector.
- ``parks.status``: a planned carrier has no space recorded.
- ``tenants.is_legacy``: a tenant in a sector its area's whitelist does not admit.
- ``area_parts``: one zone's share of an area (梅林-彩田 reaches into the east wing as 彩田北),
  each with its own boundary estimate radius and quality; ``areas`` carries the worst of them.
- ``indicators`` and ``indicator_values``: the plans' targets and actuals as dated series.

Revision ID: 0008_data
Revises: 0007_lead
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0008_data"
down_revision = "0007_lead"
branch_labels = None
depends_on = None

QUALITIES = "'named', 'partly_named', 'chosen'"
NEW_VERSIONED = ("area_parts", "indicators", "indicator_values")


def _provenance() -> list[sa.Column]:
    return [
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.add_column(
        "park_industries",
        sa.Column("basis", sa.String(length=16), server_default="registered", nullable=False),
    )
    for name in ("quote", "reason_zh", "reason_en"):
        op.add_column(
            "park_industries", sa.Column(name, sa.Text(), server_default="", nullable=False)
        )
    op.create_check_constraint(
        "basis", "park_industries", "basis IN ('documented', 'inferred', 'registered')"
    )
    op.add_column(
        "area_whitelist", sa.Column("wording", sa.Text(), server_default="", nullable=False)
    )
    op.add_column(
        "parks",
        sa.Column("status", sa.String(length=16), server_default="operating", nullable=False),
    )
    op.create_check_constraint("status", "parks", "status IN ('operating', 'planned')")
    op.add_column(
        "tenants",
        sa.Column("is_legacy", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("areas", sa.Column("boundary_error_m", sa.Float(), nullable=True))
    op.add_column("areas", sa.Column("boundary_quality", sa.String(length=16), nullable=True))
    op.create_check_constraint(
        "boundary_quality",
        "areas",
        f"boundary_quality IS NULL OR boundary_quality IN ({QUALITIES})",
    )
    op.create_geospatial_table(
        "area_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=96), nullable=False),
        sa.Column("note_zh", sa.Text(), nullable=False),
        sa.Column("anchors", sa.Text(), nullable=False),
        sa.Column("boundary_error_m", sa.Float(), nullable=False),
        sa.Column("boundary_quality", sa.String(length=16), nullable=False),
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
        *_provenance(),
        sa.CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        sa.CheckConstraint(f"boundary_quality IN ({QUALITIES})", name="boundary_quality"),
        sa.CheckConstraint("boundary_error_m > 0", name="boundary_error_positive"),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_area_parts_geom",
        "area_parts",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_area_parts_area_id", "area_parts", ["area_id"])
    op.create_index("ix_area_parts_zone_id", "area_parts", ["zone_id"])
    op.create_table(
        "indicators",
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("measurable", sa.String(length=8), nullable=False),
        sa.Column("measure_zh", sa.Text(), nullable=False),
        sa.Column("measure_en", sa.Text(), nullable=False),
        *_provenance(),
        sa.CheckConstraint("measurable IN ('yes', 'partly', 'no')", name="measurable"),
        sa.CheckConstraint("unit IN ('m2', 'count', 'people', 'percent', 'cny')", name="unit"),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=48), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("qualifier", sa.String(length=2), nullable=False),
        sa.Column("as_written", sa.Text(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("citation", sa.String(length=64), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("note_zh", sa.Text(), nullable=False),
        sa.Column("note_en", sa.Text(), nullable=False),
        *_provenance(),
        sa.CheckConstraint("kind IN ('actual', 'target')", name="kind"),
        sa.CheckConstraint("qualifier IN ('=', '>', '≈', '≥')", name="qualifier"),
        sa.ForeignKeyConstraint(["indicator_code"], ["indicators.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "indicator_code", "year", "kind", "as_of", "citation", name="one_value"
        ),
    )
    op.create_index("ix_indicator_values_indicator_code", "indicator_values", ["indicator_code"])
    for (
        table
    ) in NEW_VERSIONED:  # spacemap_bump_version: 0003, appending to data_changes since 0006_lead
        op.execute(
            f"CREATE TRIGGER bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION spacemap_bump_version()"
        )
        op.execute(
            "INSERT INTO data_versions (table_name, version, changed_at) "
            f"VALUES ('{table}', 1, now())"
        )


def downgrade() -> None:
    op.execute(f"DELETE FROM data_versions WHERE table_name IN {NEW_VERSIONED!r}")
    op.drop_table("indicator_values")
    op.drop_table("indicators")
    op.drop_geospatial_index(
        "idx_area_parts_geom", table_name="area_parts", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("area_parts")
    op.drop_constraint("boundary_quality", "areas", type_="check")
    op.drop_column("areas", "boundary_quality")
    op.drop_column("areas", "boundary_error_m")
    op.drop_column("tenants", "is_legacy")
    op.drop_constraint("status", "parks", type_="check")
    op.drop_column("parks", "status")
    op.drop_column("area_whitelist", "wording")
    op.drop_constraint("basis", "park_industries", type_="check")
    for name in ("reason_en", "reason_zh", "quote", "basis"):
        op.drop_column("park_industries", name)
