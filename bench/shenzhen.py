"""Shenzhen-scale synthetic data for benchmarks, generated inside PostGIS.

A separate database gets the Futian dataset (taxonomy, areas, stations) plus, for every one of the
nine districts, synthetic parks placed at random inside the district boundary and ``n_units``
units spread over them — all flagged synthetic. SQL does the generating (``generate_series``,
``ST_GeneratePoints``), so a million units take seconds, not minutes.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from spacemap.database import CONNECT_ARGS, create_database, drop_database, session_scope
from spacemap.ingest.dataset import load_dataset
from spacemap.migrate import upgrade

UNITS_PER_PARK = 60
SOURCE = "synthetic: bench/shenzhen.py"

_AREAS = """
INSERT INTO areas (code, zone_id, name_zh, name_en, positioning_zh, positioning_en, geom_method,
                   geom, source, is_estimate, is_synthetic)
SELECT 'bench_' || d.adcode, (SELECT id FROM zones ORDER BY id LIMIT 1),
       d.name_zh || '（基准）', d.name_en || ' (bench)', '基准测试', 'benchmark',
       'district boundary', d.geom, :src, true, true
FROM districts d WHERE NOT d.is_futian
ON CONFLICT (code) DO NOTHING;
INSERT INTO area_whitelist (area_id, industry_code, is_lead, source, is_estimate, is_synthetic)
SELECT a.id, i.code, (hashtext(a.code || i.code) % 3 = 0), :src, true, true
FROM areas a CROSS JOIN industries i
WHERE a.code LIKE 'bench_%' AND NOT i.is_group
ON CONFLICT DO NOTHING;
"""

_CLEAR = """
DELETE FROM tenants WHERE source = :src;
DELETE FROM space_units WHERE source = :src;
DELETE FROM park_industries WHERE source = :src;
DELETE FROM parks WHERE source = :src;
"""

_PARKS = """
INSERT INTO parks (code, name_zh, name_en, area_id, area_is_estimate, park_type,
                   space_is_estimate, figures_zh, figures_en, location_error_m, geom, source,
                   is_estimate, is_synthetic)
SELECT 'bench-' || a.id || '-' || dp.path[1], '基准园区 ' || a.id || '-' || dp.path[1],
       'bench park ' || a.id || '-' || dp.path[1], a.id, false,
       (ARRAY['industrial_park','incubator','accelerator','maker_space','tech_building',
              'pilot_plant'])[1 + abs(hashtext(a.id || '-' || dp.path[1])) % 6],
       true, '', '', 500, dp.geom, :src, true, true
FROM (SELECT a.*, ST_Area(a.geom::geography) AS m2 FROM areas a) a,
     LATERAL ST_Dump(ST_GeneratePoints(a.geom, GREATEST(1, round(:n_parks * a.m2 /
       (SELECT sum(ST_Area(geom::geography)) FROM areas))::int), 42)) dp;
"""

_UNITS = """
SELECT setseed(0.42);
INSERT INTO space_units (code, park_id, floor, capacity_m2, available_m2, rent_cny_m2_month,
                         is_low_cost, features, available_from, geom, source, is_estimate,
                         is_synthetic)
SELECT 'bench-u' || g, p.id, 1 + (g % 20), cap, CASE WHEN random() < 0.6 THEN cap ELSE 0 END,
       40 + random() * 210, random() < 0.3,
       (SELECT COALESCE(array_agg(f), '{}') FROM unnest(ARRAY['wet_lab','clean_room',
         'pilot_plant','heavy_floor_load','showroom','power_24h','server_room','furnished']) f
        WHERE random() < 0.15 + 0 * g),
       DATE '2026-12-01' + (random() * 400)::int, p.geom, :src, true, true
FROM (SELECT g, 20 + random() * 1500 AS cap, 1 + (g % :n_parks) AS k
      FROM generate_series(1, :n_units) g) gen
JOIN (SELECT id, geom, row_number() OVER (ORDER BY id) AS k FROM parks WHERE source = :src) p
  ON p.k = gen.k;
"""

_TENANTS = """
INSERT INTO tenants (name, park_id, unit_id, industry_code, stage, status, occupied_m2, source,
                     is_estimate, is_synthetic)
SELECT 'bench tenant ' || u.id, u.park_id, u.id,
       (SELECT array_agg(code ORDER BY code) FROM industries WHERE NOT is_group)
         [1 + abs(hashtext(u.code)) % 28],
       'growth', 'in_unit', u.capacity_m2, :src, true, true
FROM space_units u WHERE u.source = :src AND u.available_m2 = 0 AND u.id % 3 = 0;
ANALYZE;
"""


def prepare(url: str, owner_url: str) -> None:
    """A fresh benchmark database with the Futian dataset and the nine districts' areas, made by
    the schema's owner and loaded, like everything after, by the application's role (``url``)."""
    drop_database(owner_url)
    create_database(owner_url)
    upgrade(owner_url, app_role=make_url(url).username)
    engine = create_engine(url, connect_args=CONNECT_ARGS)
    with session_scope(engine) as session:
        load_dataset(session)
        for statement in _AREAS.split(";\n"):
            if statement.strip():
                session.execute(text(statement), {"src": SOURCE})
    engine.dispose()


def generate(engine: Engine, n_units: int, owner: Engine | None = None) -> None:
    """Replace the synthetic Shenzhen units with ``n_units`` new ones (and their parks/tenants)."""
    n_parks = max(20, n_units // UNITS_PER_PARK)
    with session_scope(engine) as session:
        for sql in (_CLEAR, _PARKS, _UNITS, _TENANTS):
            for statement in sql.split(";\n"):
                if statement.strip():
                    params = {"src": SOURCE, "n_parks": n_parks, "n_units": n_units}
                    session.execute(text(statement), params)
    # Replacing a million rows leaves them dead in the table; autovacuum would reclaim them in
    # service, but a benchmark must not time scans over the previous scale's corpses.
    # VACUUM needs the tables' owner.
    with (owner or engine).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) space_units, tenants, parks"))
