"""location context per unit and space totals per park, kept by triggers

Matching used to compute, on every request, each candidate's distance to the nearest metro
station and HK border crossing (a KNN per location) and each candidate park's occupancy (an
aggregate over its units). Both change only when units or stations are written, so they are
kept here by triggers and read as columns.

The border crossings are the metro stations named in ``matching.policy.BORDER_CROSSINGS``; a test
checks this function names the same ones.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNIT_CONTEXT = """
CREATE FUNCTION spacemap_unit_context() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.x_m := ST_X(ST_Transform(NEW.geom, 4547));
  NEW.y_m := ST_Y(ST_Transform(NEW.geom, 4547));
  NEW.metro_m := (SELECT ST_Distance(s.geom::geography, NEW.geom::geography) FROM stations s
                  ORDER BY s.geom <-> NEW.geom LIMIT 1);
  NEW.border_m := (SELECT min(ST_Distance(s.geom::geography, NEW.geom::geography))
                   FROM stations s WHERE s.name_zh IN ('皇岗口岸', '福田口岸'));
  RETURN NEW;
END $$
"""

# Stations moved, added or removed: every unit's distances are recomputed (a rare, bulk write).
STATIONS_CHANGED = """
CREATE FUNCTION spacemap_stations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE space_units SET geom = geom;
  RETURN NULL;
END $$
"""

PARK_TOTALS = """
CREATE FUNCTION spacemap_park_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE parks p SET units_capacity_m2 = COALESCE(t.cap, 0),
                     units_available_m2 = COALESCE(t.avail, 0)
  FROM (SELECT k.park_id, sum(u.capacity_m2) AS cap, sum(u.available_m2) AS avail
        FROM (SELECT park_id FROM changed_new UNION SELECT park_id FROM changed_old) k
        LEFT JOIN space_units u ON u.park_id = k.park_id GROUP BY k.park_id) t
  WHERE p.id = t.park_id;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    for column in ("x_m", "y_m", "metro_m", "border_m"):
        op.add_column("space_units", sa.Column(column, sa.Float(), nullable=True))
    for column in ("units_capacity_m2", "units_available_m2"):
        op.add_column("parks", sa.Column(column, sa.Float(), nullable=False, server_default="0"))
    op.execute(UNIT_CONTEXT)
    op.execute(
        "CREATE TRIGGER unit_context BEFORE INSERT OR UPDATE OF geom ON space_units "
        "FOR EACH ROW EXECUTE FUNCTION spacemap_unit_context()"
    )
    op.execute(STATIONS_CHANGED)
    op.execute(
        "CREATE TRIGGER stations_changed AFTER INSERT OR UPDATE OR DELETE ON stations "
        "FOR EACH STATEMENT EXECUTE FUNCTION spacemap_stations_changed()"
    )
    # Transition tables need one trigger (and here one function) per event.
    for event, refs in (
        ("INSERT", "NEW TABLE AS changed_new"),
        ("UPDATE", "NEW TABLE AS changed_new OLD TABLE AS changed_old"),
        ("DELETE", "OLD TABLE AS changed_old"),
    ):
        op.execute(_totals_function(event))
        op.execute(
            f"CREATE TRIGGER park_totals_{event.lower()} AFTER {event} ON space_units "
            f"REFERENCING {refs} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION spacemap_park_totals_{event.lower()}()"
        )
    op.execute("UPDATE space_units SET geom = geom")  # fills context and totals for existing rows


def _totals_function(event: str) -> str:
    new = "SELECT park_id FROM changed_new" if event != "DELETE" else "SELECT NULL::int AS park_id"
    old = "SELECT park_id FROM changed_old" if event != "INSERT" else "SELECT NULL::int AS park_id"
    name = f"spacemap_park_totals_{event.lower()}()"
    body = PARK_TOTALS.replace("spacemap_park_totals()", name)
    keys = "SELECT park_id FROM changed_new UNION SELECT park_id FROM changed_old"
    return body.replace(keys, f"{new} UNION {old}")


def downgrade() -> None:
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER park_totals_{event} ON space_units")
        op.execute(f"DROP FUNCTION spacemap_park_totals_{event}()")
    op.execute("DROP TRIGGER stations_changed ON stations")
    op.execute("DROP FUNCTION spacemap_stations_changed()")
    op.execute("DROP TRIGGER unit_context ON space_units")
    op.execute("DROP FUNCTION spacemap_unit_context()")
    for column in ("units_capacity_m2", "units_available_m2"):
        op.drop_column("parks", column)
    for column in ("x_m", "y_m", "metro_m", "border_m"):
        op.drop_column("space_units", column)
