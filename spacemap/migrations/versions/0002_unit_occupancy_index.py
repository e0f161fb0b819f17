"""covering index for per-park occupancy

Matching computes each candidate park's let share from its units' capacity and availability;
with these columns in the index PostgreSQL answers from the index alone.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_space_units_park_occupancy ON space_units (park_id) "
        "INCLUDE (capacity_m2, available_m2)"
    )


def downgrade() -> None:
    op.drop_index("ix_space_units_park_occupancy", table_name="space_units")
