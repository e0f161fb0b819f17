"""the bureau maintains the whitelists: dated, cited, audited changes over the plan's lists

``area_whitelist`` stays the lists as the plans state them (the dataset's; a reload never touches
the bureau's changes). ``whitelist_changes`` holds the bureau's amendments: add or remove one
sector in one area, with a reason, a citation and the date it takes effect. The list in force on a
day is the plan's list with, for each sector, the latest change effective by then applied; an
area's version on that day is how many of its changes are in force (0: the plan's list).

The rule functions of 0006_lead read the list in force, so the candidate query, the application
checks, the OGC ``industry`` filter, the map and the reports change the day a change takes effect:
- ``spacemap_area_admits(area, sector, day)``, ``spacemap_area_leads(area, sector, day)``: scalar,
  for hot paths (one index probe each);
- ``spacemap_whitelist(day)``: the whole list in force, for listings;
- ``spacemap_whitelist_version(area, day)``.

``applications.whitelist_version``: the version of its area's list it was decided under.

Revision ID: 0009_lead
Revises: 0008_data
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_lead"
down_revision = "0008_data"
branch_labels = None
depends_on = None

LATEST = """(SELECT c.action FROM whitelist_changes c
             WHERE c.area_id = p_area_id AND c.industry_code = p_sector AND c.effective_from <= p_on
             ORDER BY c.effective_from DESC, c.id DESC LIMIT 1)"""

AREA_ADMITS = f"""
CREATE FUNCTION spacemap_area_admits(p_area_id integer, p_sector varchar,
                                     p_on date DEFAULT current_date)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT COALESCE({LATEST} = 'add',
                  EXISTS (SELECT 1 FROM area_whitelist w
                          WHERE w.area_id = p_area_id AND w.industry_code = p_sector))
$$
"""

AREA_LEADS = """
CREATE FUNCTION spacemap_area_leads(p_area_id integer, p_sector varchar,
                                    p_on date DEFAULT current_date)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT COALESCE(
    (SELECT c.action = 'add' AND c.is_lead FROM whitelist_changes c
     WHERE c.area_id = p_area_id AND c.industry_code = p_sector AND c.effective_from <= p_on
     ORDER BY c.effective_from DESC, c.id DESC LIMIT 1),
    EXISTS (SELECT 1 FROM area_whitelist w
            WHERE w.area_id = p_area_id AND w.industry_code = p_sector AND w.is_lead))
$$
"""

WHITELIST = """
CREATE OR REPLACE FUNCTION spacemap_whitelist(p_on date DEFAULT current_date)
RETURNS TABLE (area_id integer, industry_code varchar, is_lead boolean, source text)
LANGUAGE sql STABLE AS $$
  WITH latest AS (
    SELECT DISTINCT ON (c.area_id, c.industry_code) c.area_id, c.industry_code, c.action,
           c.is_lead, c.citation
    FROM whitelist_changes c WHERE c.effective_from <= p_on
    ORDER BY c.area_id, c.industry_code, c.effective_from DESC, c.id DESC)
  SELECT w.area_id, w.industry_code, COALESCE(l.is_lead, w.is_lead),
         COALESCE(l.citation, w.source)
  FROM area_whitelist w LEFT JOIN latest l
    ON l.area_id = w.area_id AND l.industry_code = w.industry_code
  WHERE l.action IS DISTINCT FROM 'remove'
  UNION ALL
  SELECT l.area_id, l.industry_code, l.is_lead, l.citation FROM latest l
  WHERE l.action = 'add' AND NOT EXISTS (
    SELECT 1 FROM area_whitelist w WHERE w.area_id = l.area_id AND w.industry_code = l.industry_code)
$$
"""

ADMITS = """
CREATE OR REPLACE FUNCTION spacemap_admits(p_park_id integer, p_sector varchar,
                                           p_on date DEFAULT current_date)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT spacemap_area_admits(p.area_id, p_sector, p_on)
     AND (NOT EXISTS (SELECT 1 FROM park_industries pi
                      WHERE pi.park_id = p_park_id AND pi.is_whitelist)
          OR EXISTS (SELECT 1 FROM park_industries pi WHERE pi.park_id = p_park_id
                     AND pi.is_whitelist AND pi.industry_code = p_sector))
  FROM parks p WHERE p.id = p_park_id
$$
"""

VERSION = """
CREATE FUNCTION spacemap_whitelist_version(p_area_id integer, p_on date DEFAULT current_date)
RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT count(*)::integer FROM whitelist_changes
  WHERE area_id = p_area_id AND effective_from <= p_on
$$
"""

OLD_WHITELIST = """
CREATE OR REPLACE FUNCTION spacemap_whitelist(p_on date DEFAULT current_date)
RETURNS TABLE (area_id integer, industry_code varchar, is_lead boolean, source text)
LANGUAGE sql STABLE AS $$
  SELECT w.area_id, w.industry_code, w.is_lead, w.source FROM area_whitelist w
$$
"""

OLD_ADMITS = """
CREATE OR REPLACE FUNCTION spacemap_admits(p_park_id integer, p_sector varchar,
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

ENTITIES = "'application', 'unit', 'user', 'proposal', 'dataset'"


def upgrade() -> None:
    op.create_table(
        "whitelist_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("industry_code", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("action IN ('add', 'remove')", name="action"),
        sa.CheckConstraint("length(btrim(reason)) > 0", name="reason_given"),
        sa.CheckConstraint("length(btrim(citation)) > 0", name="citation_given"),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["industry_code"], ["industries.code"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_whitelist_changes_lookup",
        "whitelist_changes",
        ["area_id", "industry_code", "effective_from"],
    )
    op.execute(
        "CREATE TRIGGER bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        "ON whitelist_changes FOR EACH STATEMENT EXECUTE FUNCTION spacemap_bump_version()"
    )
    op.execute(
        "INSERT INTO data_versions (table_name, version, changed_at) "
        "VALUES ('whitelist_changes', 1, now())"
    )
    op.execute(AREA_ADMITS)
    op.execute(AREA_LEADS)
    op.execute(WHITELIST)
    op.execute(ADMITS)
    op.execute(VERSION)
    op.add_column("applications", sa.Column("whitelist_version", sa.Integer(), nullable=True))
    op.drop_constraint("entity", "audit_log", type_="check")
    op.create_check_constraint("entity", "audit_log", f"entity IN ({ENTITIES}, 'whitelist')")


def downgrade() -> None:
    op.drop_constraint("entity", "audit_log", type_="check")
    op.create_check_constraint("entity", "audit_log", f"entity IN ({ENTITIES})")
    op.drop_column("applications", "whitelist_version")
    op.execute(OLD_ADMITS)
    op.execute(OLD_WHITELIST)
    op.execute("DROP FUNCTION spacemap_whitelist_version(integer, date)")
    op.execute("DROP FUNCTION spacemap_area_leads(integer, varchar, date)")
    op.execute("DROP FUNCTION spacemap_area_admits(integer, varchar, date)")
    op.execute("DELETE FROM data_versions WHERE table_name = 'whitelist_changes'")
    op.drop_table("whitelist_changes")
