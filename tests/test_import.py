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
from spacemap.ingest.readers import Limits
from spacemap.store.audit import Actor
from tests.conftest import loaded_database, run_cli

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


def english(issues: list) -> list[tuple[int | None, str, str]]:
    return [(i.row, i.field, i.message.render("en")) for i in issues]


def test_missing_column(session: Session, tmp_path: Path) -> None:
    issues = rejected(session, tmp_path, "parks", "p.csv", "name_zh,lng,lat\n测试,114.02,22.54\n")
    assert [(i.row, i.field) for i in issues] == [(None, "park_type")]
    assert "missing" in issues[0].message.render("en")


def test_unknown_industry_suggests_the_near_miss(session: Session, tmp_path: Path) -> None:
    issues = rejected(
        session, tmp_path, "parks", "p.csv", PARK_HEADER + park_row("甲", industries="fintec")
    )
    [(row, field, message)] = english(issues)
    assert (row, field) == (1, "industries")
    assert "'fintec'" in message and "'fintech'" in message
    assert "“fintech”" in issues[0].message.render("zh"), "the same issue reads in Chinese"


def test_point_outside_futian(session: Session, tmp_path: Path) -> None:
    content = PARK_HEADER + park_row("甲") + park_row("乙", *NANSHAN)
    issues = rejected(session, tmp_path, "parks", "p.csv", content)
    assert [(i.row, i.field) for i in issues] == [(2, "lng/lat")]
    assert "outside Futian" in issues[0].message.render("en")


@pytest.mark.parametrize(
    ("value", "expected"), [("-50", "more than 0"), ("abc", "must be a number")]
)
def test_negative_or_non_numeric_area(
    session: Session, tmp_path: Path, value: str, expected: str
) -> None:
    issues = rejected(
        session, tmp_path, "parks", "p.csv", PARK_HEADER + park_row("甲", floor_area_m2=value)
    )
    assert [(i.row, i.field) for i in issues] == [(1, "floor_area_m2")]
    assert expected in issues[0].message.render("en")


def test_available_more_than_capacity(session: Session, tmp_path: Path) -> None:
    content = UNIT_HEADER + "X-1,天安数码城,100,150,90,false,,2027-01-01\n"
    issues = rejected(session, tmp_path, "units", "u.csv", content)
    assert [(i.row, i.field) for i in issues] == [(1, "available_m2")]
    assert "150" in issues[0].message.render("en") and "100" in issues[0].message.render("en")


def test_a_duplicate_name_is_reported_as_the_user_wrote_it(
    session: Session, tmp_path: Path
) -> None:
    content = PARK_HEADER + park_row("甲") + park_row("乙") + park_row("甲")
    issues = rejected(session, tmp_path, "parks", "p.csv", content)
    assert english(issues) == [(3, "name_zh", "'甲' is already in row 1")]
    coded = "code,name_zh,park_type,lng,lat\ntest-a,丙,incubator,114.0185,22.5385\n"
    coded += "test-a,丁,incubator,114.0185,22.5385\n"
    assert english(rejected(session, tmp_path, "parks", "c.csv", coded)) == [
        (2, "code", "'test-a' is already in row 1")
    ]


def test_every_problem_of_every_row_is_listed(session: Session, tmp_path: Path) -> None:
    """A bad area does not hide a bad industry, nor a negative rent an unknown park."""
    parks = PARK_HEADER + park_row("甲", floor_area_m2="-100", industries="fintec")
    assert {(i.row, i.field) for i in rejected(session, tmp_path, "parks", "p.csv", parks)} == {
        (1, "floor_area_m2"), (1, "industries"),
    }  # fmt: skip
    units = UNIT_HEADER + "X-1,无此园区,100,50,-5,perhaps,sauna,2027-13-45\n"
    assert {(i.row, i.field) for i in rejected(session, tmp_path, "units", "u.csv", units)} == {
        (1, "park"), (1, "rent_cny_m2_month"), (1, "is_low_cost"), (1, "features"),
        (1, "available_from"),
    }  # fmt: skip


def test_swapped_coordinates_are_called_swapped(session: Session, tmp_path: Path) -> None:
    content = PARK_HEADER + park_row("甲", lng=CGM[1], lat=CGM[0])
    [(row, field, message)] = english(rejected(session, tmp_path, "parks", "p.csv", content))
    assert (row, field) == (1, "lng/lat") and "look swapped" in message


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e309", "Infinity"])
@pytest.mark.parametrize("column", ["capacity_m2", "available_m2", "rent_cny_m2_month"])
def test_non_finite_numbers_are_refused_by_row(
    session: Session, tmp_path: Path, value: str, column: str
) -> None:
    cells = {"capacity_m2": "300", "available_m2": "100", "rent_cny_m2_month": "90"}
    cells[column] = value
    line = f"X-1,天安数码城,{cells['capacity_m2']},{cells['available_m2']},"
    line += f"{cells['rent_cny_m2_month']},false,,2027-01-01\n"
    issues = english(rejected(session, tmp_path, "units", "u.csv", UNIT_HEADER + line))
    assert [(row, field) for row, field, _m in issues] == [(1, column)]
    assert "finite" in issues[0][2] or "more than 0" in issues[0][2]


def test_control_characters_in_names_are_refused(session: Session, tmp_path: Path) -> None:
    issues = rejected(session, tmp_path, "parks", "p.csv", PARK_HEADER + park_row("响铃\x07园"))
    [(row, field, message)] = english(issues)
    assert (row, field) == (1, "name_zh") and "control characters" in message


def test_broken_geometry(session: Session, tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name_zh": "甲", "park_type": "incubator"},
         "geometry": {"type": "Point", "coordinates": list(CGM)}},
        {"type": "Feature", "properties": {"name_zh": "乙", "park_type": "incubator"},
         "geometry": {"type": "LineString", "coordinates": [list(CGM), [114.03, 22.54]]}},
        {"type": "Feature", "properties": {"name_zh": "丙", "park_type": "incubator"},
         "geometry": None},
        {"type": "Feature", "properties": {"name_zh": "丁", "park_type": "incubator"},
         "geometry": {"type": "Point", "coordinates": [*CGM, 35.0]}},
    ]}  # fmt: skip
    issues = rejected(session, tmp_path, "parks", "p.geojson", json.dumps(doc, ensure_ascii=False))
    assert [(i.row, i.field) for i in issues] == [(2, "geometry"), (3, "geometry"), (4, "geometry")]
    assert "LineString" in str(issues[0].message.render("en"))
    assert "3-D" in issues[2].message.render("en")


def test_a_3d_geopackage_point_is_refused(session: Session, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name_zh": ["测试园高"], "park_type": ["incubator"]},
                             geometry=[shapely.Point(*CGM, 20.0)], crs="EPSG:4326")  # fmt: skip
    frame.to_file(tmp_path / "z.gpkg", driver="GPKG")
    with pytest.raises(ImportRejected) as info:
        import_file(session, "parks", tmp_path / "z.gpkg")
    assert english(info.value.issues) == [(1, "geometry", "the point has a height (3-D); give "
                                           "2-D points")]  # fmt: skip


def test_an_unknown_crs_is_refused_not_read_as_wgs84(session: Session, tmp_path: Path) -> None:
    feature = {"type": "Feature", "properties": {"name_zh": "甲", "park_type": "incubator"},
               "geometry": {"type": "Point", "coordinates": list(CGM)}}  # fmt: skip
    unknown = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    doc = {"type": "FeatureCollection", "features": [feature], "crs": unknown}
    issues = rejected(session, tmp_path, "parks", "p.geojson", json.dumps(doc, ensure_ascii=False))
    [(row, field, message)] = english(issues)
    assert (row, field) == (None, "crs") and "EPSG::999999" in message and "not known" in message


def test_broken_geojson_is_located_without_gdal_advice(session: Session, tmp_path: Path) -> None:
    text_ = '{"type": "FeatureCollection",\n "features": [ {"type": "Feature",, } ]}'
    [(row, field, message)] = english(rejected(session, tmp_path, "parks", "p.geojson", text_))
    assert (row, field) == (None, "(file)") and "line 2" in message
    assert "driver" not in message.lower() and "GDAL" not in message
    issues = english(rejected(session, tmp_path, "parks", "q.gpkg", b"not a geopackage"))
    assert issues == [(None, "(file)", "the file could not be read as a GeoPackage")]


def test_wrong_encoding_names_the_likely_one(session: Session, tmp_path: Path) -> None:
    content = (PARK_HEADER + park_row("深圳湾测试创新园区", source="区科技创新局登记表")).encode(
        "gb18030"
    )
    issues = rejected(session, tmp_path, "parks", "p.csv", content)
    assert [(i.row, i.field) for i in issues] == [(None, "encoding")]
    assert "not utf-8 text" in issues[0].message.render("en")
    assert issues[0].hint and issues[0].hint.lower().startswith("gb")


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


def test_a_row_with_the_wrong_number_of_cells(session: Session, tmp_path: Path) -> None:
    content = PARK_HEADER + park_row("甲") + "乙,only,three\n"
    [(row, field, message)] = english(rejected(session, tmp_path, "parks", "p.csv", content))
    assert (row, field) == (2, "(row)") and "3 cells" in message and "8" in message


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


def test_caps_on_size_rows_and_listed_problems(session: Session, tmp_path: Path) -> None:
    rows = "".join(park_row(f"甲{i}", park_type="castle") for i in range(300))
    path = write(tmp_path, "p.csv", PARK_HEADER + rows)
    with pytest.raises(ImportRejected) as info:
        import_file(session, "parks", path)
    assert info.value.total == 300 and len(info.value.issues) == ImportRejected.MAX_LISTED
    assert info.value.unlisted().render("en") == "and 100 more problems not listed"
    for limits, words in [(Limits(max_rows=100), "300 rows"), (Limits(max_bytes=1000), "MB")]:
        with pytest.raises(ImportRejected) as info:
            import_file(session, "parks", path, limits=limits)
        [(row, _field, message)] = english(info.value.issues)
        assert row is None and words in message and "split the file" in message
    assert info.value.summary().render("en") == "1 problem, nothing was written"


def test_an_import_is_audited_with_who_and_what(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "register-2026.csv", PARK_HEADER + park_row("审计测试园"))
    actor = Actor(id=None, username="cli:tester", role="admin")
    import_file(session, "parks", path, actor=actor)
    entry = session.execute(
        text("SELECT actor, entity, entity_id, action, reason, after FROM audit_log "
             "ORDER BY id DESC LIMIT 1")
    ).one()  # fmt: skip
    assert entry[:5] == ("cli:tester", "dataset", "import:parks", "import", "register-2026.csv")
    assert entry.after["rows"] == 1 and entry.after["created"] == 1 and entry.after["sha256"]


def test_cli_refuses_a_bad_file_and_writes_nothing(
    cli_env: dict, session: Session, tmp_path: Path
) -> None:
    before = count(session, "parks")
    path = write(
        tmp_path,
        "p.csv",
        PARK_HEADER + park_row("甲", floor_area_m2="-1") + park_row("乙", *NANSHAN),
    )
    proc = run_cli(cli_env, "import", "parks", str(path), "--crs", "wgs84", lang="en")
    assert proc.returncode == 1
    assert "floor_area_m2" in proc.stderr and "outside Futian" in proc.stderr
    assert "nothing was written" in proc.stderr and "2 problems" in proc.stderr
    zh = run_cli(cli_env, "import", "parks", str(path), lang="zh")
    assert "未写入任何数据" in zh.stderr and "nothing was written" not in zh.stderr
    assert count(session, "parks") == before


def test_cli_says_which_encoding_to_try(cli_env: dict, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", (PARK_HEADER + park_row("编码园")).encode("gb18030"))
    proc = run_cli(cli_env, "import", "parks", str(path), lang="en")
    assert proc.returncode == 1 and "--encoding gb" in proc.stderr.lower()


def test_cli_reports_success_in_the_users_language(cli_env: dict, tmp_path: Path) -> None:
    rows = park_row("语言测试园（合成）") + park_row("语言测试园二（合成）")
    path = write(tmp_path, "p.csv", PARK_HEADER + rows)
    with loaded_database() as url:  # this import commits: not into the shared database
        env = {**cli_env, "SPACEMAP_DATABASE_URL": url}
        en = run_cli(env, "import", "parks", str(path), lang="en")
        assert en.returncode == 0, en.stderr
        assert "Imported 2 parks: 2 new, 0 updated." in en.stdout
        zh = run_cli(env, "import", "parks", str(path), lang="zh")
        assert "已导入 2 个园区：新增 0，更新 2。" in zh.stdout


def test_cli_rejects_an_unknown_crs(cli_env: dict, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", PARK_HEADER + park_row("甲"))
    proc = run_cli(cli_env, "import", "parks", str(path), "--crs", "mars", lang="en")
    assert proc.returncode == 2 and "crs must be" in proc.stderr
    proc = run_cli(cli_env, "import", "parks", str(path), "--crs", "EPSG:999999", lang="en")
    assert proc.returncode == 2 and "EPSG:999999 is not a known" in proc.stderr
