"""GIN index on unit features

A search that requires features (a wet lab, 24-hour power) is feasible only on the units that
have them, usually a small share; with this index PostgreSQL reads those units instead of
testing every unit's array. Searches that require nothing still scan the table, as they must.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_space_units_features ON space_units USING gin (features)")


def downgrade() -> None:
    op.drop_index("ix_space_units_features", table_name="space_units")
