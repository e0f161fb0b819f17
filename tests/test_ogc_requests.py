"""OGC API – Features to the letter: parameter errors, datetime, ring winding, caching, paging.

Each test is a rule of the standard (or of RFC 7946) a strict client relies on, checked over real
HTTP against the running service and, where it counts, against the database itself.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import httpx
import pytest
import shapely
from pyogrio import read_dataframe
from sqlalchemy import text
from sqlalchemy.engine import Engine

OGC_ROUTES = [
    "/?f=json",
    "/conformance",
    "/collections",
    "/collections/parks",
    "/collections/parks/items",
    "/collections/parks/items/fintech_city",
    "/collections/parks/download",
]


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=-1", "limit"), ("limit=abc", "limit"), ("limit=1.5", "limit"),
     ("offset=-1", "offset"), ("offset=x", "offset"), ("f=xml", "f"), ("datetime=yesterday",
     "datetime"), ("datetime=2027-13-01", "datetime"), ("datetime=2027-03-01T09:00:00",
     "datetime"), ("datetime=2027-06-30/2027-01-01", "datetime"), ("datetime=../..//", "datetime"),
     ("low_cost=maybe", "low_cost"), ("max_rent=-5", "max_rent")],
)  # fmt: skip
def test_invalid_values_are_400_problems_naming_the_parameter(
    server: str, query: str, field: str
) -> None:
    reply = httpx.get(f"{server}/collections/space-units/items?{query}")
    assert reply.status_code == 400, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["field"] == field


def test_problems_speak_the_readers_language(server: str) -> None:
    url = f"{server}/collections/space-units/items?limit=0"
    zh = httpx.get(url, headers={"Accept-Language": "zh-CN"}).json()["detail"]
    en = httpx.get(url, headers={"Accept-Language": "en"}).json()["detail"]
    assert "整数" in zh and "whole number" in en


@pytest.mark.parametrize("path", OGC_ROUTES)
def test_every_ogc_route_refuses_an_unknown_parameter(server: str, path: str) -> None:
    joiner = "&" if "?" in path else "?"
    reply = httpx.get(f"{server}{path}{joiner}colour=red")
    assert reply.status_code == 400 and reply.json()["field"] == "colour"
    assert httpx.get(f"{server}{path}{joiner}lang=en").status_code == 200


def test_filters_belong_to_items_and_downloads_only(server: str) -> None:
    assert httpx.get(f"{server}/collections/parks/items?area=hetao").status_code == 200
    refused = httpx.get(f"{server}/collections/parks?area=hetao")
    assert refused.status_code == 400 and refused.json()["field"] == "area"


def test_an_over_long_feature_id_is_not_found(server: str) -> None:
    reply = httpx.get(f"{server}/collections/parks/items/{'x' * 65}")
    assert reply.status_code == 404 and reply.json()["field"] == "featureId"


def _count(engine: Engine, where: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM space_units WHERE {where}")).scalar_one()


def _matched(server: str, collection: str = "space-units", **params: str) -> int:
    reply = httpx.get(f"{server}/collections/{collection}/items", params={"limit": 1, **params})
    assert reply.status_code == 200, reply.text
    return reply.json()["numberMatched"]


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("2027-03-01", "available_from = '2027-03-01'"),
        # 20:00 UTC on 28 February is 04:00 on 1 March in Futian
        ("2027-02-28T20:00:00Z", "available_from = '2027-03-01'"),
        ("2027-03-01T00:00:00+08:00", "available_from = '2027-03-01'"),
        ("2027-01-01/2027-06-30", "available_from BETWEEN '2027-01-01' AND '2027-06-30'"),
        ("../2027-01-01", "available_from <= '2027-01-01'"),
        ("2027-06-30/..", "available_from >= '2027-06-30'"),
        ("2027-06-30/", "available_from >= '2027-06-30'"),
        ("../..", "true"),
    ],
)
def test_datetime_selects_units_by_the_day_they_become_available(
    server: str, engine: Engine, value: str, where: str
) -> None:
    expected = _count(engine, where)
    assert expected > 0
    assert _matched(server, datetime=value) == expected


def test_datetime_reaches_the_features_and_the_downloads(server: str) -> None:
    window = {"datetime": "2027-01-01/2027-03-31"}
    url = f"{server}/collections/space-units"
    page = httpx.get(f"{url}/items", params={**window, "limit": 10_000}).json()
    days = {f["properties"]["available_from"] for f in page["features"]}
    assert days and all("2027-01-01" <= d <= "2027-03-31" for d in days)
    download = httpx.get(f"{url}/download", params={**window, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == page["numberMatched"] and {r["available_from"] for r in rows} == days


def test_collections_without_a_time_property_match_every_datetime(server: str) -> None:
    assert _matched(server, "parks", datetime="1999-01-01") == _matched(server, "parks")


def test_the_temporal_extent_is_declared_where_there_is_time(server: str, engine: Engine) -> None:
    units = httpx.get(f"{server}/collections/space-units").json()
    interval = units["extent"]["temporal"]["interval"][0]
    with engine.connect() as conn:
        first, last = conn.execute(
            text("SELECT min(available_from), max(available_from) FROM space_units")
        ).one()
    assert interval == [f"{first}T00:00:00+08:00", f"{last}T23:59:59+08:00"]
    assert units["extent"]["temporal"]["trs"].endswith("ISO-8601/0/Gregorian")
    assert "temporal" not in httpx.get(f"{server}/collections/parks").json()["extent"]


def _exteriors_ccw(geometry: shapely.Geometry) -> list[bool]:
    polygons = getattr(geometry, "geoms", [geometry])
    out = []
    for polygon in polygons:
        out.append(polygon.exterior.is_ccw)
        out += [not ring.is_ccw for ring in polygon.interiors]
    return out


@pytest.mark.parametrize("collection", ["districts", "zones", "areas"])
def test_polygons_follow_the_right_hand_rule_everywhere(server: str, collection: str) -> None:
    """RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise — in pages, single
    features, and the GeoJSON and GeoPackage downloads."""
    page = httpx.get(f"{server}/collections/{collection}/items?limit=100").json()
    one = httpx.get(f"{server}/collections/{collection}/items/{page['features'][0]['id']}").json()
    geojson = httpx.get(f"{server}/collections/{collection}/download?format=geojson").json()
    sources = [page["features"], [one], geojson["features"]]
    rings = [ok for features in sources for f in features
             for ok in _exteriors_ccw(shapely.geometry.shape(f["geometry"]))]  # fmt: skip
    gpkg = httpx.get(f"{server}/collections/{collection}/download?format=gpkg").content
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "download.gpkg"
        path.write_bytes(gpkg)
        for geometry in read_dataframe(path).geometry:
            rings += _exteriors_ccw(geometry)
    assert len(rings) >= 3 * len(page["features"]) and all(rings)


def test_parameter_order_does_not_change_the_etag_or_the_links(server: str) -> None:
    a = httpx.get(f"{server}/collections/stations/items?limit=5&offset=5&lang=zh")
    b = httpx.get(f"{server}/collections/stations/items?lang=zh&offset=5&limit=5")
    assert a.headers["etag"] == b.headers["etag"]
    assert a.json()["links"] == b.json()["links"]
    again = httpx.get(
        f"{server}/collections/stations/items?offset=5&lang=zh&limit=5",
        headers={"If-None-Match": a.headers["etag"]},
    )
    assert again.status_code == 304


def test_prev_past_the_end_leads_back_to_features(server: str) -> None:
    matched = _matched(server, "zones")
    page = httpx.get(f"{server}/collections/zones/items?limit=2&offset=41").json()
    assert page["numberReturned"] == 0
    links = {link["rel"]: link["href"] for link in page["links"]}
    assert "next" not in links
    back = httpx.get(links["prev"]).json()
    assert back["numberReturned"] > 0
    assert back["features"][-1]["id"] == _last_id(server, "zones", matched)


def _last_id(server: str, collection: str, matched: int) -> str:
    page = httpx.get(f"{server}/collections/{collection}/items?limit={matched}").json()
    return page["features"][-1]["id"]
