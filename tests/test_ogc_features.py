"""OGC API – Features as QGIS, OWSLib and a browser use it, over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

COLLECTIONS = ["districts", "zones", "areas", "parks", "space-units", "stations"]


def test_landing_page_links_what_qgis_follows(server: str) -> None:
    links = httpx.get(f"{server}/", headers={"Accept": "application/json"}).json()["links"]
    by_rel = {link["rel"]: link for link in links}
    assert by_rel["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert by_rel["data"]["href"].endswith("/collections")
    conformance = httpx.get(by_rel["conformance"]["href"]).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in conformance


def test_collections_have_plain_ids_and_extents(server: str) -> None:
    listed = httpx.get(f"{server}/collections").json()["collections"]
    assert [c["id"] for c in listed] == COLLECTIONS
    for c in listed:
        assert isinstance(c["id"], str) and "." not in c["id"]
        minx, miny, maxx, maxy = c["extent"]["spatial"]["bbox"][0]
        assert 113.7 < minx < maxx < 114.7 and 22.3 < miny < maxy < 22.9, c["id"]
        items = [link for link in c["links"] if link["rel"] == "items"]
        assert items[0]["type"] == "application/geo+json"


def test_openapi_declares_limit_the_way_qgis_reads_it(server: str) -> None:
    doc = httpx.get(f"{server}/openapi.json").json()
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert limit["default"] == 100 and limit["maximum"] == 10_000
    units = doc["paths"]["/collections/space-units/items"]["get"]["parameters"]
    assert {"$ref": "#/components/parameters/limit"} in units
    queryables = {p["name"]: p for p in units if "name" in p}
    assert queryables["min_available_m2"]["schema"]["type"] == "number"
    assert all(p["style"] == "form" and p["explode"] is False for p in queryables.values())


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_next_links_walk_each_collection_exactly_once(server: str, collection: str) -> None:
    url = f"{server}/collections/{collection}/items?limit=7"
    seen: list[str] = []
    matched = None
    while url:
        page = httpx.get(url).json()
        assert isinstance(page["numberMatched"], int)
        matched = page["numberMatched"] if matched is None else matched
        assert page["numberReturned"] == len(page["features"])
        seen += [f["id"] for f in page["features"]]
        nxt = [link for link in page["links"] if link["rel"] == "next"]
        assert all(link["type"] == "application/geo+json" for link in nxt)
        url = nxt[0]["href"] if nxt else None
    assert len(seen) == len(set(seen)) == matched


def test_a_feature_has_a_top_level_id_and_provenance(server: str) -> None:
    park = httpx.get(f"{server}/collections/parks/items/fintech_city")
    assert park.headers["content-type"] == "application/geo+json"
    body = park.json()
    assert body["id"] == "fintech_city" and body["geometry"]["type"] == "Point"
    assert body["properties"]["name_zh"] == "国际金融科技城"
    assert {"source", "is_estimate", "is_synthetic"} <= set(body["properties"])
    assert httpx.get(f"{server}/collections/parks/items/nowhere").status_code == 404


def test_bbox_is_lon_lat_and_selects_what_lies_inside(server: str) -> None:
    box = (114.04, 22.50, 114.06, 22.52)  # 河套 (Hetao), south of the centre
    page = httpx.get(
        f"{server}/collections/parks/items", params={"bbox": ",".join(map(str, box))}
    ).json()
    assert page["numberMatched"] >= 1
    for f in page["features"]:
        lng, lat = f["geometry"]["coordinates"]
        assert box[0] <= lng <= box[2] and box[1] <= lat <= box[3]
    swapped = httpx.get(f"{server}/collections/parks/items?bbox=22.50,114.04,22.52,114.06")
    assert swapped.status_code == 400 and swapped.json()["field"] == "bbox"


@pytest.mark.parametrize(
    "bbox", ["1,2,3", "a,b,c,d", "114,22,115", "0,95,1,96", "-200,0,0,1", "0,10,1,5", "nan,1,2,3"]
)
def test_malformed_boxes_are_400_problems(server: str, bbox: str) -> None:
    reply = httpx.get(f"{server}/collections/space-units/items", params={"bbox": bbox})
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["field"] == "bbox"


def test_unknown_parameters_are_refused_by_name(server: str) -> None:
    reply = httpx.get(f"{server}/collections/zones/items?max_rent=5")
    assert reply.status_code == 400 and reply.json()["field"] == "max_rent"


def test_filters_select_units_a_sector_may_take(server: str, engine: Engine) -> None:
    params = {"industry": "biomed", "min_available_m2": 200, "max_rent": 120, "limit": 10_000}
    page = httpx.get(f"{server}/collections/space-units/items", params=params).json()
    with engine.connect() as conn:
        allowed = set(
            conn.scalars(
                text(
                    "SELECT a.code FROM areas a JOIN area_whitelist w ON w.area_id = a.id "
                    "WHERE w.industry_code = 'biomed'"
                )
            )
        )
    assert page["numberMatched"] == page["numberReturned"] > 0
    for f in page["features"]:
        p = f["properties"]
        assert p["area"] in allowed
        assert p["available_m2"] >= 200 and p["rent_cny_m2_month"] <= 120


def test_limit_above_the_maximum_is_served_as_the_maximum(server: str) -> None:
    page = httpx.get(f"{server}/collections/space-units/items?limit=50000").json()
    nxt = [link for link in page["links"] if link["rel"] == "next"]
    assert page["numberReturned"] == min(page["numberMatched"], 10_000)
    assert not nxt or "limit=10000" in nxt[0]["href"]


def test_etag_answers_if_none_match_with_304(server: str) -> None:
    url = f"{server}/collections/stations/items?limit=5"
    first = httpx.get(url)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    again = httpx.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = httpx.get(
        f"{server}/collections/stations/items?limit=6", headers={"If-None-Match": etag}
    )
    assert other.status_code == 200


def test_options_advertises_a_read_only_service(server: str) -> None:
    reply = httpx.options(f"{server}/collections/space-units/items")
    allowed = {m.strip() for m in reply.headers["allow"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}
    head = httpx.head(f"{server}/collections/space-units/items?limit=3")
    get = httpx.get(f"{server}/collections/space-units/items?limit=3")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert httpx.post(f"{server}/collections/space-units/items").status_code == 405


def _download(server: str, fmt: str, **params: object) -> httpx.Response:
    reply = httpx.get(
        f"{server}/collections/space-units/download", params={"format": fmt, **params}
    )
    assert reply.status_code == 200, reply.text
    assert "attachment" in reply.headers["content-disposition"]
    return reply


def test_downloads_hold_the_filtered_view_in_every_format(server: str) -> None:
    params = {"area": "hetao", "low_cost": "true"}
    matched = httpx.get(
        f"{server}/collections/space-units/items", params={**params, "limit": 1}
    ).json()["numberMatched"]
    rows = list(
        csv.DictReader(io.StringIO(_download(server, "csv", **params).content.decode("utf-8-sig")))
    )
    assert len(rows) == matched and all(r["area"] == "hetao" for r in rows)
    assert rows[0]["geometry_wkt"].startswith("POINT (114.")
    geo = json.loads(_download(server, "geojson", **params).content)
    assert len(geo["features"]) == matched
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "units.gpkg"
        path.write_bytes(_download(server, "gpkg", **params).content)
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM space_units").fetchone()[0] == matched
