"""Vector tiles: valid MVT a GIS reads (GDAL's MVT driver, as QGIS uses), counts that add up,
the basemap datum, and caching that follows the data."""

from __future__ import annotations

import math
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import Engine, text

from spacemap.coords import wgs84_to_gcj02
from spacemap.database import session_scope

HALF = 20037508.342789244


def tile_of(lng: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    y = 1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi
    return int((lng + 180) / 360 * n), int(y / 2 * n)


def bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = 2 * HALF / (1 << z)
    return -HALF + x * size, HALF - (y + 1) * size, -HALF + (x + 1) * size, HALF - y * size


def read_tile(folder: Path, data: bytes, layer: str, z: int, x: int, y: int):
    """Decode with GDAL's MVT driver (the file's z/x/y path georeferences it)."""
    path = folder / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    assert [name for name, _ in pyogrio.list_layers(path)] == [layer]
    return pyogrio.read_dataframe(path, layer=layer)


@pytest.fixture(scope="module")
def known(engine: Engine) -> dict:
    """A real park with units (国际金融科技城-like: the one with the most units)."""
    with session_scope(engine) as s:
        row = s.execute(text(
            "SELECT p.code, ST_X(p.geom) AS lng, ST_Y(p.geom) AS lat, count(u.id) AS n "
            "FROM parks p JOIN space_units u ON u.park_id = p.id "
            "GROUP BY p.id ORDER BY count(u.id) DESC LIMIT 1")).one()  # fmt: skip
    return dict(row._mapping)


def test_a_unit_tile_is_valid_mvt_and_counts_every_unit_in_it(
    client, engine: Engine, known: dict, tmp_path: Path
) -> None:
    z = 14
    x, y = tile_of(known["lng"], known["lat"], z)
    reply = client.get(f"/tiles/units/{z}/{x}/{y}.mvt")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    df = read_tile(tmp_path, reply.content, "units", z, x, y)
    assert df.crs.to_epsg() == 3857
    x0, y0, x1, y1 = bounds(z, x, y)
    inside = df[(df.geometry.x >= x0) & (df.geometry.x < x1)
                & (df.geometry.y > y0) & (df.geometry.y <= y1)]  # fmt: skip
    with session_scope(engine) as s:
        expected = s.execute(text(
            "SELECT count(*), round(sum(available_m2)) FROM space_units u WHERE "
            "ST_Intersects(ST_Transform(u.geom, 3857), ST_TileEnvelope(:z, :x, :y))"),
            {"z": z, "x": x, "y": y}).one()  # fmt: skip
    assert int(inside["n"].sum()) == expected[0] >= known["n"]
    assert inside["free_m2"].sum() == pytest.approx(float(expected[1]), abs=len(inside))
    assert bool(inside["synthetic"].all())  # every unit today is synthetic, and says so


def test_every_layer_serves_a_tile_and_its_tilejson(client, known: dict, tmp_path: Path) -> None:
    z = 13
    x, y = tile_of(known["lng"], known["lat"], z)
    local = {"Host": "localhost"}  # links are built only for a trusted host (test_public_links)
    listed = client.get("/tiles", headers=local).json()["layers"]
    assert [layer["id"] for layer in listed] == ["areas", "parks", "units", "low-cost"]
    for layer in listed:
        doc = client.get(f"/tiles/{layer['id']}.json", headers=local).json()
        assert doc["tilejson"] == "3.0.0"
        assert doc["tiles"][0] == f"http://localhost/tiles/{layer['id']}/{{z}}/{{x}}/{{y}}.mvt"
        reply = client.get(f"/tiles/{layer['id']}/{z}/{x}/{y}.mvt")
        df = read_tile(tmp_path / layer["id"], reply.content, layer["id"], z, x, y)
        assert len(df) >= 1, layer["id"]
        assert set(doc["vector_layers"][0]["fields"]) <= set(df.columns)


def test_areas_without_units_say_no_data_not_zero(client, engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as s:
        empty = s.execute(text(
            "SELECT a.code, ST_X(ST_PointOnSurface(a.geom)), ST_Y(ST_PointOnSurface(a.geom)) "
            "FROM areas a WHERE NOT EXISTS (SELECT 1 FROM parks p JOIN space_units u "
            "ON u.park_id = p.id WHERE p.area_id = a.id)")).all()  # fmt: skip
    assert empty, "the dataset has an area with no units (安托山)"
    code, lng, lat = empty[0]
    z = 12
    x, y = tile_of(lng, lat, z)
    df = read_tile(tmp_path, client.get(f"/tiles/areas/{z}/{x}/{y}.mvt").content, "areas", z, x, y)
    row = df[df["code"] == code].iloc[0]
    assert row["capacity_m2"] == 0 and math.isnan(row["occupancy_pct"])


def test_gcj02_tiles_move_points_by_the_datum_shift(client, known: dict, tmp_path: Path) -> None:
    z = 18  # 0.6 m per pixel: the ~600 m shift moves the park to another tile
    gx, gy = wgs84_to_gcj02(known["lng"], known["lat"])
    x, y = tile_of(float(gx), float(gy), z)
    plain = client.get(f"/tiles/parks/{z}/{x}/{y}.mvt").content
    moved = client.get(f"/tiles/parks/{z}/{x}/{y}.mvt?datum=gcj02").content
    df = read_tile(tmp_path, moved, "parks", z, x, y)
    assert known["code"] in set(df["code"])
    mx = math.radians(float(gx)) * 6378137
    my = math.log(math.tan(math.pi / 4 + math.radians(float(gy)) / 2)) * 6378137
    point = df[df["code"] == known["code"]].geometry.iloc[0]
    assert math.hypot(point.x - mx, point.y - my) < 2 * (2 * HALF / (1 << z)) / 4096 * 16
    assert known["code"].encode() not in plain


def test_bad_tile_addresses_name_the_field(client) -> None:
    for url, field in [
        ("/tiles/units/3/8/1.mvt", "x"),
        ("/tiles/units/3/1/8.mvt", "y"),
        ("/tiles/units/23/0/0.mvt", "z"),
        ("/tiles/units/3/1/1.mvt?datum=bd09", "datum"),
        ("/tiles/nothing/3/1/1.mvt", "layer"),
    ]:
        reply = client.get(url)
        assert reply.status_code in (400, 404, 422), url
        assert reply.headers["content-type"].startswith("application/problem+json")
        body = reply.json()
        assert body.get("field") == field or field in str(body), (url, body)


def test_tiles_revalidate_and_change_with_the_data(client, engine: Engine, known: dict) -> None:
    z = 15
    x, y = tile_of(known["lng"], known["lat"], z)
    url = f"/tiles/units/{z}/{x}/{y}.mvt"
    first = client.get(url)
    version = first.headers["x-data-version"]
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    pinned = client.get(f"{url}?v={version}")
    assert "immutable" in pinned.headers["cache-control"]
    assert "no-cache" in first.headers["cache-control"]
    with session_scope(engine) as s:  # a unit is let: less free space (the ledger allows it)
        unit_id, free = s.execute(text(
            "SELECT u.id, u.available_m2 FROM space_units u JOIN parks p ON p.id = u.park_id "
            "WHERE p.code = :c AND u.available_m2 > 10 ORDER BY u.id LIMIT 1"),
            {"c": known["code"]}).one()  # fmt: skip
        s.execute(text("UPDATE space_units SET available_m2 = available_m2 - 10 WHERE id = :i"),
                  {"i": unit_id})  # fmt: skip
    try:
        after = client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert after.status_code == 200 and after.headers["x-data-version"] != version
        assert after.content != first.content
        # A URL naming the old version keeps that version's tile; the map asks for the new one.
        assert client.get(f"{url}?v={version}").content == pinned.content
    finally:
        with session_scope(engine) as s:
            s.execute(text("UPDATE space_units SET available_m2 = :f WHERE id = :i"),
                      {"f": free, "i": unit_id})  # fmt: skip


def test_park_search_matches_names_codes_and_operators_in_any_case(client) -> None:
    for query, code in [
        ("金融科技", "fintech_city"),
        ("NEW GENERATION", "new_generation"),
        ("new_generation", "new_generation"),
        ("福田区政府物业", "new_generation"),
    ]:
        found = client.get("/map/search", params={"q": query, "lang": "en"}).json()
        assert code in [f["code"] for f in found], (query, found)
    english = client.get("/map/search", params={"q": "new gen", "lang": "en"}).json()[0]
    assert english["name"] == "Shenzhen New Generation Industrial Park"
    assert client.get("/map/search", params={"q": "%"}).json() == []
    assert client.get("/map/search", params={"q": "zzzz-nothing"}).json() == []
