"""finite numbers only: CHECK constraints on every float column

PostgreSQL's float8 stores NaN and ±Infinity; a register row with ``inf`` once reached the
tables and broke every map and statistic. Each column now refuses them itself (NULL stays
allowed where it was), whatever writes — loader, importer, API or a person at psql.

Revision ID: 0011_cli
Revises: 0010_company
"""

from __future__ import annotations

from alembic import op

from spacemap.numbers import finite_check

revision = "0011_cli"
down_revision = "0010_company"
branch_labels = None
depends_on = None

FLOAT_COLUMNS = {
    "parks": ("land_area_m2", "floor_area_m2", "low_cost_area_m2", "location_error_m",
              "units_capacity_m2", "units_available_m2"),
    "space_units": ("capacity_m2", "available_m2", "rent_cny_m2_month", "x_m", "y_m", "metro_m",
                    "border_m"),
    "tenants": ("occupied_m2",),
    "applications": ("requested_m2", "score"),
    "areas": ("boundary_error_m",),
    "area_parts": ("boundary_error_m",),
    "indicator_values": ("value", "scale"),
}  # fmt: skip


def upgrade() -> None:
    for table, columns in FLOAT_COLUMNS.items():
        for column in columns:
            op.create_check_constraint(f"{column}_finite", table, finite_check(column))


def downgrade() -> None:
    for table, columns in FLOAT_COLUMNS.items():
        for column in columns:
            op.drop_constraint(f"{column}_finite", table, type_="check")
