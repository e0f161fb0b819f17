"""companies register themselves: credit code, contact, and the bureau's confirmation

A company account made by an administrator is trusted at once. One a company makes for itself
carries its unified social credit code (统一社会信用代码, GB 32100-2015; the check character is
verified in ``spacemap.credit_code``, the shape here) and a contact, and may search at once but
apply only after an administrator confirms it (``confirmed_at``/``confirmed_by``). One account per
credit code. Existing company accounts were made by administrators: confirmed when created.

Revision ID: 0010_company
Revises: 0009_lead
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_company"
down_revision = "0009_lead"
branch_labels = None
depends_on = None

CREDIT_CODE_SHAPE = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"


def upgrade() -> None:
    op.add_column("users", sa.Column("credit_code", sa.String(length=18), nullable=True))
    op.add_column("users", sa.Column("contact_name", sa.String(length=64), nullable=True))
    op.add_column("users", sa.Column("contact_phone", sa.String(length=32), nullable=True))
    op.add_column("users", sa.Column("contact_email", sa.String(length=254), nullable=True))
    op.add_column("users", sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "users",
        sa.Column(
            "confirmed_by",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="RESTRICT", name="users_confirmed_by_fkey"),
            nullable=True,
        ),
    )
    op.execute("UPDATE users SET confirmed_at = created_at WHERE role = 'company'")
    op.create_unique_constraint("users_credit_code_key", "users", ["credit_code"])
    op.create_check_constraint(
        "credit_code_format", "users", f"credit_code ~ '{CREDIT_CODE_SHAPE}'"
    )
    op.create_check_constraint(
        "unconfirmed_company_identified",
        "users",
        "role <> 'company' OR confirmed_at IS NOT NULL "
        "OR (credit_code IS NOT NULL AND contact_name IS NOT NULL)",
    )


def downgrade() -> None:
    op.drop_constraint("unconfirmed_company_identified", "users", type_="check")
    op.drop_constraint("credit_code_format", "users", type_="check")
    op.drop_constraint("users_credit_code_key", "users", type_="unique")
    for column in (
        "confirmed_by", "confirmed_at", "contact_email", "contact_phone", "contact_name",
        "credit_code",
    ):  # fmt: skip
        op.drop_column("users", column)
