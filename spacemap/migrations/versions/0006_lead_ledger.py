"""the unit ledger in the database; data versions that never block a writer; the whitelist rule

1. No writer can overbook a unit. Every unit must satisfy
   ``available_m2 + (area of its approved applications) <= capacity_m2``: what is free plus what
   the bureau has let through spacemap never exceeds what the unit holds. Triggers on both tables
   enforce it (the application trigger locks the unit row first, so concurrent approvals of one
   unit serialise here even if a caller forgot to). An import that would reset a unit's free area
   past its approvals is refused by the database; the importer reconciles before it writes.

2. Data versions without row locks. The old statement trigger bumped one row per table in
   ``data_versions``; every writer took that row's lock mid-transaction and held it to commit, so
   a batch approval and a single approval (or a load) that touched units in different orders
   deadlocked on it. Now each write statement appends a row to ``data_changes`` (inserts never
   wait), and a table's version is ``data_versions.version`` (a compacted base) plus the count of
   its change rows: the number of committed write statements, so it only grows, and only when a
   writer commits. Now and then a writer folds old change rows into the base, skipping the base
   row if another writer holds it (``SKIP LOCKED``): compaction never waits either.

3. The whitelist rule, once. ``spacemap_whitelist()`` is the 产业准入正面清单 in force;
   ``spacemap_admits(park, sector)`` says whether a company of that sector may land in the park
   (its area's list in force, and the park's own list if it has one). The candidate query, the
   checks of filed applications and the OGC ``industry`` filter all call it.

4. ``applications.decided_at``: when the bureau decided (reports and time-to-decision).

Revision ID: 0006_lead
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_lead"
down_revision = "0005"
branch_labels = None
depends_on = None

TOLERANCE_M2 = 0.005  # areas are stored rounded to 0.01 m²

LEDGER_CHECK = f"""
CREATE FUNCTION spacemap_check_ledger(p_unit_id int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  u record;
  approved double precision;
BEGIN
  SELECT id, code, capacity_m2, available_m2 INTO u FROM space_units WHERE id = p_unit_id
    FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT COALESCE(sum(requested_m2), 0) INTO approved FROM applications
    WHERE unit_id = p_unit_id AND status = 'approved';
  IF u.available_m2 + approved > u.capacity_m2 + {TOLERANCE_M2} THEN
    RAISE EXCEPTION 'unit % overbooked: % m² free + % m² approved > % m² capacity',
      u.code, round(u.available_m2::numeric, 2), round(approved::numeric, 2),
      round(u.capacity_m2::numeric, 2)
      USING ERRCODE = 'check_violation', CONSTRAINT = 'unit_ledger',
            DETAIL = format('unit=%s free=%s approved=%s capacity=%s', u.code, u.available_m2,
                            approved, u.capacity_m2);
  END IF;
END $$
"""

UNIT_TRIGGER = """
CREATE FUNCTION spacemap_unit_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM spacemap_check_ledger(NEW.id);
  RETURN NULL;
END $$
"""

APPLICATION_TRIGGER = """
CREATE FUNCTION spacemap_application_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM spacemap_check_ledger(NEW.unit_id);
  RETURN NULL;
END $$
"""

BUMP = """
CREATE OR REPLACE FUNCTION spacemap_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  new_id bigint;
  folded bigint;
BEGIN
  INSERT INTO data_changes (table_name) VALUES (TG_TABLE_NAME) RETURNING id INTO new_id;
  IF new_id % 64 = 0 THEN
    PERFORM 1 FROM data_versions WHERE table_name = TG_TABLE_NAME FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
      WITH gone AS (DELETE FROM data_changes WHERE table_name = TG_TABLE_NAME AND id < new_id
                    RETURNING 1)
      SELECT count(*) INTO folded FROM gone;
      UPDATE data_versions SET version = version + folded, changed_at = now()
        WHERE table_name = TG_TABLE_NAME;
    END IF;
  END IF;
  RETURN NULL;
END $$
"""

WHITELIST = """
CREATE FUNCTION spacemap_whitelist(p_on date DEFAULT current_date)
RETURNS TABLE (area_id integer, industry_code varchar, is_lead boolean, source text)
LANGUAGE sql STABLE AS $$
  SELECT w.area_id, w.industry_code, w.is_lead, w.source FROM area_whitelist w
$$
"""

ADMITS = """
CREATE FUNCTION spacemap_admits(p_park_id integer, p_sector varchar,
                                p_on date DEFAULT current_date)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM parks p JOIN spacemap_whitelist(p_on) w ON w.area_id = p.area_id
                 WHERE p.id = p_park_id AND w.industry_code = p_sector)
     AND (NOT EXISTS (SELECT 1 FROM park_industries pi
                      WHERE pi.park_id = p_park_id AND pi.is_whitelist)
          OR EXISTS (SELECT 1 FROM park_industries pi WHERE pi.park_id = p_park_id
                     AND pi.is_whitelist AND pi.industry_code = p_sector))
$$
"""

OLD_BUMP = """
CREATE OR REPLACE FUNCTION spacemap_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO data_versions (table_name, version, changed_at) VALUES (TG_TABLE_NAME, 1, now())
  ON CONFLICT (table_name)
  DO UPDATE SET version = data_versions.version + 1, changed_at = now();
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.add_column("applications", sa.Column("decided_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE applications a SET decided_at = (SELECT max(l.at) FROM audit_log l "
        "WHERE l.application_id = a.id AND l.action IN ('approve', 'reject', 'request_info'))"
    )
    op.create_table(
        "data_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_data_changes_table_id", "data_changes", ["table_name", "id"])
    op.execute(BUMP)
    op.execute(WHITELIST)
    op.execute(ADMITS)
    op.execute(LEDGER_CHECK)
    op.execute(UNIT_TRIGGER)
    op.execute(APPLICATION_TRIGGER)
    # Only more free area or less capacity can break the ledger (a new unit has no approvals
    # yet; an approval lowers the free area): bulk loads and approvals pay nothing for it.
    op.execute(
        "CREATE CONSTRAINT TRIGGER unit_ledger AFTER UPDATE OF available_m2, capacity_m2 "
        "ON space_units FOR EACH ROW WHEN (NEW.available_m2 > OLD.available_m2 "
        "OR NEW.capacity_m2 < OLD.capacity_m2) EXECUTE FUNCTION spacemap_unit_ledger()"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER application_ledger AFTER INSERT OR UPDATE OF status, "
        "requested_m2, unit_id ON applications FOR EACH ROW WHEN (NEW.status = 'approved') "
        "EXECUTE FUNCTION spacemap_application_ledger()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER application_ledger ON applications")
    op.execute("DROP TRIGGER unit_ledger ON space_units")
    op.execute("DROP FUNCTION spacemap_application_ledger()")
    op.execute("DROP FUNCTION spacemap_unit_ledger()")
    op.execute("DROP FUNCTION spacemap_check_ledger(int)")
    op.execute("DROP FUNCTION spacemap_admits(integer, varchar, date)")
    op.execute("DROP FUNCTION spacemap_whitelist(date)")
    op.execute(
        "UPDATE data_versions v SET version = v.version + c.n FROM (SELECT table_name, count(*) "
        "AS n FROM data_changes GROUP BY table_name) c WHERE c.table_name = v.table_name"
    )
    op.execute(OLD_BUMP)
    op.drop_index("ix_data_changes_table_id", table_name="data_changes")
    op.drop_table("data_changes")
    op.drop_column("applications", "decided_at")
