"""The loaded Futian dataset against its cited sources (``geodata/sources/``)."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata import built_path, sources_path
from geodata.figures import figure, figures
from spacemap.coords import gcj02_to_wgs84

PARK_FIGURE_COLUMNS = ("land_area_m2", "floor_area_m2", "low_cost_area_m2", "documented_firms")


def _source_parks() -> list[dict[str, str]]:
    with sources_path("parks.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _firms(park: str, field: str) -> int:
    return int(figure(f"parks/{park}", field).value)


def scalar(session: Session, sql: str, **params: object):
    return session.execute(text(sql), params).scalar_one()


def test_three_zones_make_one_axis_two_wings(session: Session) -> None:
    rows = session.execute(text("SELECT code, name_zh FROM zones ORDER BY code")).all()
    assert rows == [("central_axis", "中轴"), ("east_wing", "东翼"), ("west_wing", "西翼")]


def test_eight_areas_each_with_whitelist_and_citation(session: Session) -> None:
    rows = session.execute(
        text(
            "SELECT a.code, a.source, count(w.industry_code) FROM areas a "
            "LEFT JOIN area_whitelist w ON w.area_id = a.id GROUP BY a.code, a.source"
        )
    ).all()
    assert len(rows) == 8
    for code, source, whitelist_size in rows:
        assert whitelist_size > 0, code
        assert "《" in source and "(documents/" in source, code
    uncited = scalar(
        session, "SELECT count(*) FROM area_whitelist WHERE source NOT LIKE '%(documents/002)%'"
    )
    assert uncited == 0


def test_area_parts_make_up_areas_and_zones_without_overlap(session: Session) -> None:
    outside = scalar(
        session,
        "SELECT count(*) FROM area_parts p JOIN zones z ON z.id = p.zone_id "
        "WHERE NOT ST_Covers(ST_Buffer(z.geom::geography, 1)::geometry, p.geom)",
    )
    area_mismatch_m2 = scalar(
        session,
        "SELECT COALESCE(sum(ST_Area(ST_SymDifference(a.geom, u.geom)::geography)), 0) "
        "FROM areas a JOIN (SELECT area_id, ST_Union(geom) AS geom FROM area_parts "
        "GROUP BY area_id) u ON u.area_id = a.id",
    )
    overlap_m2 = scalar(
        session,
        "SELECT COALESCE(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) "
        "FROM area_parts a JOIN area_parts b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)",
    )
    total_m2 = scalar(session, "SELECT sum(ST_Area(geom::geography)) FROM area_parts")
    assert outside == 0
    assert area_mismatch_m2 / total_m2 < 1e-6 and overlap_m2 / total_m2 < 1e-6


def test_meilin_caitian_is_one_area_in_two_zones_as_002_says(session: Session) -> None:
    """002 §六(一): 梅林片区 on the central axis, 彩田北片区 in the east wing; §六(二)5: one
    area."""
    parts = session.execute(
        text(
            "SELECT p.code, z.code FROM area_parts p JOIN zones z ON z.id = p.zone_id "
            "JOIN areas a ON a.id = p.area_id WHERE a.code = 'meilin' ORDER BY p.code"
        )
    ).all()
    assert parts == [("caitian_north", "east_wing"), ("meilin", "central_axis")]
    others = scalar(
        session,
        "SELECT count(*) FROM areas a WHERE a.code <> 'meilin' AND "
        "(SELECT count(*) FROM area_parts p WHERE p.area_id = a.id) <> 1",
    )
    assert others == 0


def test_every_area_part_has_its_own_estimate_radius_and_quality(session: Session) -> None:
    rows = session.execute(
        text("SELECT code, boundary_error_m, boundary_quality, is_estimate FROM area_parts")
    ).all()
    assert len(rows) == 9
    for code, radius, quality, estimate in rows:
        assert 500 <= radius <= 1000, code
        assert quality in ("named", "partly_named", "chosen") and estimate is True, code
    assert len({r[1] for r in rows}) > 3  # radii follow each part's anchors, not one constant


def test_every_park_lies_in_its_area_and_its_areas_main_zone(session: Session) -> None:
    outside = session.scalars(
        text(
            "SELECT p.code FROM parks p JOIN areas a ON a.id = p.area_id "
            "WHERE NOT ST_Covers(a.geom, p.geom) OR NOT EXISTS (SELECT 1 FROM area_parts ap "
            "WHERE ap.area_id = a.id AND ap.zone_id = a.zone_id AND ST_Covers(ap.geom, p.geom))"
        )
    ).all()
    assert outside == []


def test_futian_area_matches_the_official_figure(session: Session) -> None:
    km2 = scalar(session, "SELECT ST_Area(geom::geography) / 1e6 FROM districts WHERE is_futian")
    assert km2 == pytest.approx(78.66, rel=0.03)


def test_every_source_park_is_loaded_at_its_estimated_location(session: Session) -> None:
    sources = _source_parks()
    parks = session.execute(
        text("SELECT code, ST_X(geom), ST_Y(geom), location_error_m, is_estimate FROM parks")
    ).all()
    assert sorted(p[0] for p in parks) == sorted(r["code"] for r in sources)
    by_code = {p[0]: p for p in parks}
    for row in sources:
        wlng, wlat = gcj02_to_wgs84([float(row["lng_gcj02"])], [float(row["lat_gcj02"])])
        _code, x, y, error, estimate = by_code[row["code"]]
        assert abs(x - wlng[0]) < 1e-6 and abs(y - wlat[0]) < 1e-6, row["code"]
        assert error == float(row["location_error_m"]), row["code"]
        assert estimate is True, f"{row['code']}: an estimated location must be flagged"


PARK_FIGURES = [f for f in figures() if f.table == "parks" and f.field in PARK_FIGURE_COLUMNS]


@pytest.mark.parametrize("fig", PARK_FIGURES, ids=lambda f: f"{f.code}.{f.field}")
def test_documented_park_figures(session: Session, fig) -> None:
    stored = scalar(session, f"SELECT {fig.field} FROM parks WHERE code = :c", c=fig.code)
    assert stored == pytest.approx(fig.value), fig.quote


def test_every_park_figure_is_a_cited_source_row(session: Session) -> None:
    """No figure column holds a number the figures fixture does not cite."""
    cited = {(f.code, f.field) for f in PARK_FIGURES}
    for column in PARK_FIGURE_COLUMNS:
        codes = session.scalars(
            text(f"SELECT code FROM parks WHERE {column} IS NOT NULL ORDER BY code")
        ).all()
        uncited = [c for c in codes if (c, column) not in cited]
        assert uncited == [], f"{column} without a cited source row: {uncited}"


def test_inferred_space_is_flagged_as_estimate(session: Session) -> None:
    rows = session.execute(
        text("SELECT code, space_is_estimate FROM parks WHERE low_cost_area_m2 = 6000")
    ).all()
    assert sorted(rows) == [("ai_city_centre", True), ("iot_ai_centre", True)]


def test_every_park_lies_inside_futian(session: Session) -> None:
    outside = scalar(
        session,
        "SELECT count(*) FROM parks p, districts d "
        "WHERE d.is_futian AND NOT ST_Within(p.geom, d.geom)",
    )
    assert outside == 0


def test_units_never_exceed_a_parks_stated_space(session: Session) -> None:
    manifest = json.loads(built_path("manifest.json").read_text(encoding="utf-8"))
    rows = session.execute(
        text(
            "SELECT p.code, p.low_cost_area_m2, p.floor_area_m2, sum(u.capacity_m2) "
            "FROM parks p JOIN space_units u ON u.park_id = p.id GROUP BY p.id"
        )
    ).all()
    operating = [r["code"] for r in _source_parks() if r["status"] == "operating"]
    assert sorted(r[0] for r in rows) == sorted(operating)
    for code, low_cost, floor, total in rows:
        documented = low_cost or floor
        if documented is not None:
            assert total <= documented, code
        assert total <= manifest["listed_space_by_park"][code]["listed_m2"] + 0.5, code


def test_low_cost_operators_fill_their_documented_space(session: Session) -> None:
    for code, documented in [
        ("cec_smart_valley", 13000),
        ("blackark", 15000),
        ("fintech_city", 30000),
    ]:
        total = scalar(
            session,
            "SELECT sum(capacity_m2) FROM space_units u JOIN parks p ON p.id = u.park_id "
            "WHERE p.code = :c AND u.is_low_cost",
            c=code,
        )
        assert 0.85 * documented <= total <= documented, code


def test_low_cost_rent_is_below_market_in_every_area(session: Session) -> None:
    rows = session.execute(
        text(
            "SELECT p.area_id, avg(rent_cny_m2_month) FILTER (WHERE is_low_cost), "
            "avg(rent_cny_m2_month) FILTER (WHERE NOT is_low_cost) "
            "FROM space_units u JOIN parks p ON p.id = u.park_id GROUP BY p.area_id"
        )
    ).all()
    for _area, low, market in rows:
        if low is not None and market is not None:
            assert low < 0.75 * market


def test_tenant_counts_follow_the_documents(session: Session) -> None:
    def count(park: str, extra: str = "") -> int:
        return scalar(
            session,
            "SELECT count(*) FROM tenants t JOIN parks p ON p.id = t.park_id "
            f"WHERE p.code = :c {extra}",
            c=park,
        )

    assert count("fintech_city") == _firms("fintech_city", "documented_firms")
    own, accelerator, incubator, hosted = (
        _firms("fintech_city", f)
        for f in ("firms_own_office", "firms_accelerator", "firms_incubator", "firms_hosted")
    )
    assert count("fintech_city", "AND t.programme LIKE '自有办公%'") == own
    assert count("fintech_city", "AND t.programme LIKE '平安科技%'") == accelerator
    assert count("fintech_city", "AND t.programme LIKE '中信网安%'") == incubator
    assert count("fintech_city", "AND t.status = 'hosted'") == hosted
    for park in ("cec_smart_valley", "blackark", "sz_innovation_centre", "yitian_park",
                 "huaqiang_cloud", "bay_fashion_hq"):  # fmt: skip
        assert count(park) == _firms(park, "documented_firms"), park
    assert count("blackark", "AND t.status = 'in_unit'") == _firms("blackark", "firms_moved_in")
    loop = ["sz_hk_tech_park", "biomed_park", "quantum_academy", "hitech_bonded",
            "internet_finance_park", "yingdali", "xinmeiya"]  # fmt: skip
    assert sum(count(c) for c in loop) == figure("areas/hetao", "loop_projects").value


def test_tenants_fit_their_units(session: Session) -> None:
    bad = scalar(
        session,
        "SELECT count(*) FROM tenants t JOIN space_units u ON u.id = t.unit_id "
        "WHERE t.park_id <> u.park_id OR u.available_m2 > u.capacity_m2 - t.occupied_m2 + 1e-6",
    )
    shared = scalar(
        session, "SELECT count(*) FROM (SELECT unit_id FROM tenants WHERE unit_id IS NOT NULL "
        "GROUP BY unit_id HAVING count(*) > 1) s",
    )  # fmt: skip
    assert bad == 0 and shared == 0


def test_stations_are_in_futian_or_within_a_kilometre(session: Session) -> None:
    far = scalar(
        session,
        "SELECT count(*) FROM stations s, districts d WHERE d.is_futian AND "
        "NOT ST_DWithin(s.geom::geography, d.geom::geography, 1000.5)",
    )
    wrong_flag = scalar(
        session,
        "SELECT count(*) FROM stations s, districts d WHERE d.is_futian AND "
        "s.in_futian <> ST_Within(s.geom, d.geom)",
    )
    assert far == 0 and wrong_flag == 0


def test_no_station_near_futian_is_missing(session: Session) -> None:
    import pandas as pd

    raw = pd.read_csv(sources_path("geo/shenzhen_metro_stations.csv"))
    lng, lat = gcj02_to_wgs84(raw["lng"].to_numpy(), raw["lat"].to_numpy())
    near = session.execute(
        text(
            "SELECT count(*) FROM unnest(CAST(:x AS float8[]), CAST(:y AS float8[])) p(x, y), "
            "districts d WHERE d.is_futian AND ST_DWithin("
            "ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)::geography, d.geom::geography, 999.5)"
        ),
        {"x": lng.tolist(), "y": lat.tolist()},
    ).scalar_one()
    stored = scalar(session, "SELECT count(*) FROM stations")
    assert near <= stored <= near + 1  # allow one station sitting on the 1 km line


PROVENANCE_TABLES = [
    "districts", "zones", "areas", "area_parts", "industries", "industry_relations",
    "area_whitelist", "parks", "park_industries", "stations", "space_units", "tenants",
    "indicators", "indicator_values",
]  # fmt: skip


@pytest.mark.parametrize("table", PROVENANCE_TABLES)
def test_every_row_says_where_it_came_from(session: Session, table: str) -> None:
    assert scalar(session, f"SELECT count(*) FROM {table} WHERE coalesce(source, '') = ''") == 0


@pytest.mark.parametrize(
    ("table", "estimate", "synthetic"),
    [
        ("districts", False, False), ("stations", False, False), ("industries", False, False),
        ("zones", True, False), ("areas", True, False), ("area_parts", True, False),
        ("parks", True, False), ("space_units", True, True), ("indicators", False, False),
        ("indicator_values", False, False), ("area_whitelist", False, False),
    ],
)  # fmt: skip
def test_flags_say_what_is_estimated_or_synthetic(
    session: Session, table: str, estimate: bool, synthetic: bool
) -> None:
    row = session.execute(
        text(
            f"SELECT bool_and(is_estimate), bool_or(is_estimate), bool_and(is_synthetic), "
            f"bool_or(is_synthetic) FROM {table}"
        )
    ).one()
    assert row == (estimate, estimate, synthetic, synthetic)


def test_only_named_fashion_headquarters_are_real_tenants(session: Session) -> None:
    real = session.scalars(
        text("SELECT name FROM tenants WHERE NOT is_synthetic ORDER BY name")
    ).all()
    assert sorted(real) == sorted(
        ["赢家", "影儿", "歌力思", "汇洁", "杨子", "嘉人", "Fashion Channel"]
    )
    labelled = scalar(
        session, "SELECT count(*) FROM tenants WHERE is_synthetic AND name LIKE '%（合成）'"
    )
    assert labelled == scalar(session, "SELECT count(*) FROM tenants WHERE is_synthetic")


def test_loading_twice_changes_nothing(session: Session) -> None:
    from spacemap.ingest.dataset import TABLES, load_dataset
    from spacemap.store.common import provenance_counts

    before = provenance_counts(session, TABLES)
    load_dataset(session)
    load_dataset(session)
    assert provenance_counts(session, TABLES) == before


def test_unchanged_dataset_is_skipped_when_asked(session: Session) -> None:
    from spacemap.ingest.dataset import load_dataset

    assert load_dataset(session, force=False).skipped is True


def test_whitelist_codes_are_sectors_not_groups(session: Session) -> None:
    groups = scalar(
        session,
        "SELECT count(*) FROM area_whitelist w "
        "JOIN industries i ON i.code = w.industry_code WHERE i.is_group",
    )
    n_sectors = scalar(session, "SELECT count(*) FROM industries WHERE NOT is_group")
    assert groups == 0 and 20 <= n_sectors <= 30


def test_rebuilding_the_dataset_is_byte_identical(tmp_path) -> None:
    from geodata.build import build

    build(tmp_path)
    for produced in sorted(tmp_path.iterdir()):
        committed = built_path(produced.name).read_bytes()
        assert produced.read_bytes() == committed, (
            f"{produced.name} differs from the committed copy"
        )


def test_unit_rents_and_sizes_are_plausible(session: Session) -> None:
    sizes = np.array(session.scalars(text("SELECT capacity_m2 FROM space_units")).all())
    rents = np.array(session.scalars(text("SELECT rent_cny_m2_month FROM space_units")).all())
    assert sizes.min() >= 10 and np.median(sizes) < 500 and sizes.max() < 10_000
    assert rents.min() > 20 and rents.max() < 300


def test_area_codes_use_only_lowercase(session: Session) -> None:
    codes = session.scalars(text("SELECT code FROM areas")).all()
    assert all(re.fullmatch(r"[a-z_]+", c) for c in codes)
