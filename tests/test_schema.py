"""The database itself refuses bad rows, whoever writes them."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, InternalError
from sqlalchemy.orm import Session


def _first_unit(session: Session) -> int:
    return session.execute(text("SELECT id FROM space_units ORDER BY id LIMIT 1")).scalar_one()


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("available_m2 = capacity_m2 + 1", "available_within_capacity"),
        ("available_m2 = -1", "available_within_capacity"),
        ("capacity_m2 = 0, available_m2 = 0", "capacity_positive"),
        ("features = ARRAY['jacuzzi']::varchar[]", "features"),
        ("rent_cny_m2_month = -5", "rent_non_negative"),
    ],
)
def test_unit_constraints(session: Session, assignment: str, constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        session.execute(
            text(f"UPDATE space_units SET {assignment} WHERE id = :i"), {"i": _first_unit(session)}
        )


def test_invalid_geometry_is_refused(session: Session) -> None:
    bowtie = "SRID=4326;MULTIPOLYGON(((114 22.5,114.01 22.51,114.01 22.5,114 22.51,114 22.5)))"
    with pytest.raises((IntegrityError, InternalError), match="geom_valid"):
        session.execute(
            text("UPDATE areas SET geom = CAST(:g AS geometry) WHERE code = 'cbd'"), {"g": bowtie}
        )


def test_park_names_are_unique(session: Session) -> None:
    with pytest.raises(IntegrityError, match="parks_name_zh_key"):
        session.execute(text("UPDATE parks SET name_zh = '天安数码城' WHERE code = 'tairan'"))


def test_unit_must_belong_to_a_park(session: Session) -> None:
    with pytest.raises(IntegrityError, match="foreign key"):
        session.execute(
            text("UPDATE space_units SET park_id = -1 WHERE id = :i"), {"i": _first_unit(session)}
        )


def test_geometries_have_spatial_indexes(session: Session) -> None:
    indexed = set(
        session.scalars(
            text("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist (geom)%'")
        )
    )
    assert {"districts", "zones", "areas", "parks", "space_units", "stations"} <= indexed


def test_migrations_match_the_models(database_url: str) -> None:
    """A model change without a migration would be silently missing from every database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from geoalchemy2 import alembic_helpers
    from sqlalchemy import create_engine

    from spacemap.models import Base

    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": alembic_helpers.include_object}
        )
        drift = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert drift == [], f"models and migrations differ: {drift}"


def test_unit_context_follows_writes(session: Session) -> None:
    """Distances and park totals are kept by triggers: a write anywhere keeps them true."""
    unit = session.execute(text("SELECT id, park_id FROM space_units ORDER BY id LIMIT 1")).one()

    def context() -> tuple:
        return session.execute(
            text("SELECT metro_m, border_m FROM space_units WHERE id = :u"), {"u": unit.id}
        ).one()

    def totals_agree() -> bool:
        return session.execute(
            text(
                "SELECT bool_and(abs(p.units_available_m2 - t.a) < 0.01 AND "
                "abs(p.units_capacity_m2 - t.c) < 0.01) FROM parks p JOIN (SELECT park_id, "
                "sum(available_m2) a, sum(capacity_m2) c FROM space_units GROUP BY park_id) t "
                "ON t.park_id = p.id"
            )
        ).scalar_one()

    assert totals_agree()
    before = context()
    nearest = session.execute(
        text(
            "SELECT s.id FROM stations s, space_units u WHERE u.id = :u "
            "ORDER BY s.geom <-> u.geom LIMIT 1"
        ),
        {"u": unit.id},
    ).scalar_one()
    session.execute(
        text("UPDATE stations SET geom = ST_Translate(geom, 0.05, 0.05) WHERE id = :s"),
        {"s": nearest},
    )
    assert context()[0] > before[0]  # its nearest station moved away
    session.execute(text("UPDATE space_units SET available_m2 = 0 WHERE id = :u"), {"u": unit.id})
    assert totals_agree()
    session.execute(text("DELETE FROM tenants WHERE unit_id = :u"), {"u": unit.id})
    session.execute(text("DELETE FROM space_units WHERE id = :u"), {"u": unit.id})
    assert totals_agree()
    session.execute(
        text(
            "INSERT INTO space_units (code, park_id, capacity_m2, available_m2, "
            "rent_cny_m2_month, is_low_cost, features, available_from, geom, source, "
            "is_estimate, is_synthetic) SELECT 'test-unit', park_id, 100, 60, 80, false, '{}', "
            "'2027-01-01', geom, 'test', true, true FROM space_units LIMIT 1"
        )
    )
    assert totals_agree()
    fresh = session.execute(
        text("SELECT metro_m, x_m FROM space_units WHERE code = 'test-unit'")
    ).one()
    assert fresh.metro_m is not None and 490_000 < fresh.x_m < 520_000


def test_the_border_crossings_in_the_trigger_are_the_policy_s(session: Session) -> None:
    from matching.policy import BORDER_CROSSINGS

    body = session.execute(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'spacemap_unit_context'")
    ).scalar_one()
    assert all(f"'{name}'" in body for name in BORDER_CROSSINGS)
    assert body.count("口岸") == len(BORDER_CROSSINGS)
