"""applications for a site of several units: one application, decided as one

A company whose need no single unit meets may apply for several units of one park as one site
(``matching.combine``). It is stored as one application row per unit — so the unit ledger of
0006_lead (free + approved <= capacity, per unit) and every per-unit check hold unchanged — tied
by ``combination_id``, the id of the first unit's row. A deferred constraint trigger makes the
tie binding: at commit, every row of a combination has the same company and the same status, so
a combination is approved, rejected or withdrawn whole or not at all, whoever writes.

Revision ID: 0013_match
Revises: 0012_plan
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_match"
down_revision = "0012_plan"
branch_labels = None
depends_on = None

CHECK = """
CREATE FUNCTION spacemap_check_combination() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  odd record;
BEGIN
  SELECT a.id, a.status, a.company_id INTO odd FROM applications a
  WHERE a.combination_id = NEW.combination_id
    AND (a.status <> NEW.status OR a.company_id <> NEW.company_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'combination % split: application % is %, application % is %',
      NEW.combination_id, NEW.id, NEW.status, odd.id, odd.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'combination_whole';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM applications a
                 WHERE a.id = NEW.combination_id AND a.combination_id = a.id) THEN
    RAISE EXCEPTION 'combination % has no first application', NEW.combination_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'combination_whole';
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.add_column(
        "applications",
        sa.Column(
            "combination_id",
            sa.Integer(),
            sa.ForeignKey("applications.id", ondelete="RESTRICT"),
            nullable=True,
        ),
    )
    op.create_index("ix_applications_combination_id", "applications", ["combination_id"])
    op.execute(CHECK)
    op.execute(
        "CREATE CONSTRAINT TRIGGER combination_whole AFTER INSERT OR UPDATE OF status, "
        "company_id, combination_id ON applications DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "WHEN (NEW.combination_id IS NOT NULL) EXECUTE FUNCTION spacemap_check_combination()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER combination_whole ON applications")
    op.execute("DROP FUNCTION spacemap_check_combination()")
    op.drop_index("ix_applications_combination_id", table_name="applications")
    op.drop_column("applications", "combination_id")
