"""Importing the bureau's registers: good files land whole, bad files are refused whole."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from spacemap.coords import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from spacemap.ingest.importer import import_file
from spacemap.ingest.issues import ImportRejected
from tests.conftest import run_cli

# A point in 车公庙 (inside the 大金沙-车公庙 area), WGS84; and one in Nanshan.
CGM = (114.0185, 22.5385)
NANSHAN = (113.93, 22.53)
PARK_HEADER = "name_zh,name_en,park_type,industries,floor_area_m2,lng,lat,source\n"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def park_row(name: str, lng: float = CGM[0], lat: float = CGM[1], **kw: str) -> str:
    fields = {
        "name_en": "Test park", "park_type": "incubator", "industries": "software;ai",
        "floor_area_m2": "5000", "source": "区科技创新局登记 2026",
    }  # fmt: skip
    fields.update(kw)
    return (
        f"{name},{fields['name_en']},{fields['park_type']},{fields['industries']},"
        f"{fields['floor_area_m2']},{lng!r},{lat!r},{fields['source']}\n"
    )


def count(session: Session, table: str) -> int:
    return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def park_point(session: Session, name: str) -> tuple[float, float]:
    row = session.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM parks WHERE name_zh = :n"), {"n": name}
    ).one()
    return row[0], row[1]


def rejected(session: Session, tmp_path: Path, kind: str, name: str, content, **kw) -> list:
    before = count(session, kind if kind == "parks" else "space_units")
    with pytest.raises(ImportRejected) as info:
        import_file(session, kind, write(tmp_path, name, content), **kw)  # type: ignore[arg-type]
    assert count(session, kind if kind == "parks" else "space_units") == before, "nothing written"
    return info.value.issues


# -- good files ---------------------------------------------------------------------------------


def test_csv_in_wgs84_lands_with_area_found_spatially(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "parks.csv", PARK_HEADER + park_row("测试园甲"))
    result = import_file(session, "parks", path)
    assert (result.rows, result.created, result.updated) == (1, 1, 0)
    area, is_est, source = session.execute(
        text(
            "SELECT a.code, p.area_is_estimate, p.source FROM parks p "
            "JOIN areas a ON a.id = p.area_id "
            "WHERE p.name_zh = '测试园甲'"
        )
    ).one()
    assert area == "chegongmiao" and is_est is True and source == "区科技创新局登记 2026"
    assert park_point(session, "测试园甲") == pytest.approx(CGM, abs=1e-9)


@pytest.mark.parametrize(
    ("datum", "forward", "inverse"),
    [("gcj02", wgs84_to_gcj02, gcj02_to_wgs84), ("bd09", wgs84_to_bd09, bd09_to_wgs84)],
)
def test_chinese_datums_are_converted_on_import(
    session: Session, tmp_path: Path, datum: str, forward, inverse
) -> None:
    lng, lat = (float(v[0]) for v in forward([CGM[0]], [CGM[1]]))
    path = write(tmp_path, "parks.csv", PARK_HEADER + park_row("测试园乙", lng, lat))
    import_file(session, "parks", path, crs=datum)
    expected = tuple(float(v[0]) for v in inverse([lng], [lat]))
    assert park_point(session, "测试园乙") == pytest.approx(expected, abs=1e-9)
    assert park_point(session, "测试园乙") == pytest.approx(CGM, abs=2e-6)  # ~0.2 m


def test_geojson_and_geopackage_in_a_projected_crs(session: Session, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"name_zh": ["测试园丙"], "park_type": ["maker_space"], "industries": ["iot"]},
        geometry=[shapely.Point(*CGM)], crs="EPSG:4326",
    )  # fmt: skip
    frame.to_file(tmp_path / "p.geojson", driver="GeoJSON")
    frame.assign(name_zh="测试园丁").to_crs("EPSG:4547").to_file(tmp_path / "p.gpkg", driver="GPKG")
    import_file(session, "parks", tmp_path / "p.geojson")
    import_file(session, "parks", tmp_path / "p.gpkg")
    assert park_point(session, "测试园丙") == pytest.approx(CGM, abs=1e-9)
    assert park_point(session, "测试园丁") == pytest.approx(CGM, abs=1e-7)


def test_reimport_updates_instead_of_duplicating(session: Session, tmp_path: Path) -> None:
    import_file(session, "parks", write(tmp_path, "a.csv", PARK_HEADER + park_row("测试园戊")))
    before = count(session, "parks")
    result = import_file(
        session,
        "parks",
        write(tmp_path, "b.csv", PARK_HEADER + park_row("测试园戊", floor_area_m2="8000")),
    )
    assert (result.created, result.updated) == (0, 1)
    assert count(session, "parks") == before
    floor = session.execute(
        text("SELECT floor_area_m2 FROM parks WHERE name_zh='测试园戊'")
    ).scalar_one()
    assert floor == 8000


UNIT_HEADER = (
    "code,park,capacity_m2,available_m2,rent_cny_m2_month,is_low_cost,features,available_from\n"
)


def test_units_import_and_inherit_the_parks_location(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path, "units.csv",
        UNIT_HEADER + "REG-001,天安数码城,300,120,95,true,wet_lab;showroom,2027-01-01\n"
        "REG-002,tianan_cyberpark,80,80,120,否,,2027-03-01\n",
    )  # fmt: skip
    result = import_file(session, "units", path)
    assert (result.rows, result.created) == (2, 2)
    rows = session.execute(
        text(
            "SELECT u.code, u.is_low_cost, u.features, u.is_synthetic, u.is_estimate, "
            "ST_Equals(u.geom, p.geom) FROM space_units u JOIN parks p ON p.id = u.park_id "
            "WHERE u.code LIKE 'REG-%' ORDER BY u.code"
        )
    ).all()
    assert rows == [
        ("REG-001", True, ["showroom", "wet_lab"], False, True, True),
        ("REG-002", False, [], False, True, True),
    ]


# -- bad files: each is refused whole, with the row and field named -----------------------------


def test_missing_column(session: Session, tmp_path: Path) -> None:
    issues = rejected(session, tmp_path, "parks", "p.csv", "name_zh,lng,lat\n测试,114.02,22.54\n")
    assert [(i.row, i.field) for i in issues] == [(None, "park_type")]
    assert "missing column" in issues[0].message


def test_unknown_industry_suggests_the_near_miss(session: Session, tmp_path: Path) -> None:
    issues = rejected(
        session, tmp_path, "parks", "p.csv", PARK_HEADER + park_row("甲", industries="fintec")
    )
    assert [(i.row, i.field) for i in issues] == [(1, "industries")]
    assert "'fintec'" in issues[0].message and "'fintech'" in issues[0].message


def test_point_outside_futian(session: Session, tmp_path: Path) -> None:
    content = PARK_HEADER + park_row("甲") + park_row("乙", *NANSHAN)
    issues = rejected(session, tmp_path, "parks", "p.csv", content)
    assert [(i.row, i.field) for i in issues] == [(2, "lng/lat")]
    assert "outside Futian" in issues[0].message


@pytest.mark.parametrize(
    ("value", "expected"), [("-50", "greater than 0"), ("abc", "valid number")]
)
def test_negative_or_non_numeric_area(
    session: Session, tmp_path: Path, value: str, expected: str
) -> None:
    issues = rejected(
        session, tmp_path, "parks", "p.csv", PARK_HEADER + park_row("甲", floor_area_m2=value)
    )
    assert [(i.row, i.field) for i in issues] == [(1, "floor_area_m2")]
    assert expected in issues[0].message


def test_available_more_than_capacity(session: Session, tmp_path: Path) -> None:
    content = UNIT_HEADER + "X-1,天安数码城,100,150,90,false,,2027-01-01\n"
    issues = rejected(session, tmp_path, "units", "u.csv", content)
    assert [(i.row, i.field) for i in issues] == [(1, "available_m2")]
    assert "150" in issues[0].message and "100" in issues[0].message


def test_duplicate_name(session: Session, tmp_path: Path) -> None:
    content = PARK_HEADER + park_row("甲") + park_row("乙") + park_row("甲")
    issues = rejected(session, tmp_path, "parks", "p.csv", content)
    assert [(i.row, i.field) for i in issues] == [(3, "code"), (3, "name_zh")]
    assert "first at row 1" in issues[1].message


def test_broken_geometry(session: Session, tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name_zh": "甲", "park_type": "incubator"},
         "geometry": {"type": "Point", "coordinates": list(CGM)}},
        {"type": "Feature", "properties": {"name_zh": "乙", "park_type": "incubator"},
         "geometry": {"type": "LineString", "coordinates": [list(CGM), [114.03, 22.54]]}},
        {"type": "Feature", "properties": {"name_zh": "丙", "park_type": "incubator"},
         "geometry": None},
    ]}  # fmt: skip
    issues = rejected(session, tmp_path, "parks", "p.geojson", json.dumps(doc, ensure_ascii=False))
    assert [(i.row, i.field) for i in issues] == [(2, "geometry"), (3, "geometry")]
    assert "LineString" in issues[0].message


def test_wrong_encoding_names_the_likely_one(session: Session, tmp_path: Path) -> None:
    content = (PARK_HEADER + park_row("深圳湾测试创新园区", source="区科技创新局登记表")).encode(
        "gb18030"
    )
    issues = rejected(session, tmp_path, "parks", "p.csv", content)
    assert [(i.row, i.field) for i in issues] == [(None, "(file)")]
    assert "not valid utf-8" in issues[0].message and "--encoding" in issues[0].message


def test_the_right_encoding_option_makes_it_land(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", (PARK_HEADER + park_row("编码测试园")).encode("gb18030"))
    assert import_file(session, "parks", path, encoding="gb18030").created == 1


def test_every_problem_is_listed_at_once(session: Session, tmp_path: Path) -> None:
    content = (
        PARK_HEADER
        + park_row("甲", park_type="spaceport")
        + park_row("乙", floor_area_m2="-1")
        + park_row("丙", *NANSHAN, industries="quantum;weaving")
    )
    issues = rejected(session, tmp_path, "parks", "p.csv", content)
    assert {(i.row, i.field) for i in issues} == {
        (1, "park_type"), (2, "floor_area_m2"), (3, "industries"), (3, "lng/lat"),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("X-1,无此园区,100,50,90,false,,2027-01-01", "park"),
        ("X-1,天安数码城,100,50,90,false,,2027-13-45", "available_from"),
        ("X-1,天安数码城,100,50,90,false,sauna,2027-01-01", "features"),
        ("X-1,天安数码城,100,50,90,perhaps,,2027-01-01", "is_low_cost"),
    ],
)
def test_bad_unit_rows(session: Session, tmp_path: Path, line: str, field: str) -> None:
    issues = rejected(session, tmp_path, "units", "u.csv", UNIT_HEADER + line + "\n")
    assert [(i.row, i.field) for i in issues] == [(1, field)]


def test_cli_refuses_a_bad_file_and_writes_nothing(
    cli_env: dict, session: Session, tmp_path: Path
) -> None:
    before = count(session, "parks")
    path = write(
        tmp_path,
        "p.csv",
        PARK_HEADER + park_row("甲", floor_area_m2="-1") + park_row("乙", *NANSHAN),
    )
    proc = run_cli(cli_env, "import", "parks", str(path), "--crs", "wgs84")
    assert proc.returncode == 1
    assert "floor_area_m2" in proc.stderr and "outside Futian" in proc.stderr
    assert "nothing written" in proc.stderr
    assert count(session, "parks") == before


def test_cli_rejects_an_unknown_crs(cli_env: dict, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", PARK_HEADER + park_row("甲"))
    proc = run_cli(cli_env, "import", "parks", str(path), "--crs", "mars")
    assert proc.returncode == 2 and "--crs must be" in proc.stderr
