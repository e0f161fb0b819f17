"""Build ``geodata/built/`` from ``geodata/sources/`` (nothing outside the repository).

    python -m geodata.build        (or: make geodata)

Deterministic: the same inputs give byte-identical outputs (a test rebuilds and compares). Every
row written carries ``source``, ``is_estimate`` and ``is_synthetic``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata import built_path, sources_path
from geodata.area_polygons import METHOD, METRIC_CRS, area_polygons
from geodata.citations import cite
from geodata.synthetic import GENERATOR, assumptions_dict, generate
from spacemap.coords import gcj02_to_wgs84, geometry_to_wgs84

DISTRICTS_FILE = "geo/shenzhen_districts_gcj02.geojson"
STATIONS_FILE = "geo/shenzhen_metro_stations.csv"
FUTIAN_ADCODE = 440304
STATION_RADIUS_M = 1000.0
PRECISION_DEG = 1e-7  # ~1 cm; keeps files small and byte-stable

DISTRICT_EN = {
    440303: "Luohu",
    440304: "Futian",
    440305: "Nanshan",
    440306: "Bao'an",
    440307: "Longgang",
    440308: "Yantian",
    440309: "Longhua",
    440310: "Pingshan",
    440311: "Guangming",
}
BOUNDARY_SOURCE = (
    f"DataV 深圳市区界 (geodata/sources/{DISTRICTS_FILE}), GCJ-02 converted to WGS84 "
    "by spacemap.coords.gcj02_to_wgs84 (iterative inverse)"
)
STATION_SOURCE = (
    f"geodata/sources/{STATIONS_FILE} (public repository); datum not stated by its "
    "author, assumed GCJ-02 like the boundary and converted to WGS84"
)
UNIT_SOURCE = f"synthetic: {GENERATOR}; sized to the park's documented space (see manifest)"


def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(sources_path(name), dtype=str, keep_default_na=False, encoding="utf-8")


def _num(value: str) -> float | None:
    return float(value) if value.strip() else None


def _as_multi(geom: shapely.Geometry) -> shapely.Geometry:
    geom = shapely.set_precision(shapely.make_valid(geom), PRECISION_DEG)
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return shapely.MultiPolygon(polys)


def _write_geojson(out: Path, name: str, rows: list[dict], geoms: list[shapely.Geometry]) -> None:
    features = []
    for props, geom in zip(rows, geoms, strict=True):
        geom = shapely.set_precision(geom, PRECISION_DEG)
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False)
    (out / name).write_text(text + "\n", encoding="utf-8")


def _write_csv(out: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(out / name, index=False, encoding="utf-8", lineterminator="\n")


def build_districts() -> gpd.GeoDataFrame:
    raw = gpd.read_file(sources_path(DISTRICTS_FILE))
    raw["geometry"] = [_as_multi(geometry_to_wgs84(g, "gcj02")) for g in raw.geometry]
    raw["adcode"] = raw["adcode"].astype(int)
    out = gpd.GeoDataFrame(
        {
            "adcode": raw["adcode"],
            "name_zh": raw["name"],
            "name_en": raw["adcode"].map(DISTRICT_EN),
            "is_futian": raw["adcode"] == FUTIAN_ADCODE,
            "source": BOUNDARY_SOURCE,
            "is_estimate": False,
            "is_synthetic": False,
        },
        geometry=raw.geometry,
        crs="EPSG:4326",
    ).sort_values("adcode")
    return out


def build_stations(futian: shapely.Geometry) -> gpd.GeoDataFrame:
    raw = pd.read_csv(sources_path(STATIONS_FILE), encoding="utf-8")
    lng, lat = gcj02_to_wgs84(raw["lng"].to_numpy(), raw["lat"].to_numpy())
    pts = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(lng, lat), crs="EPSG:4326")
    metric = pts.to_crs(METRIC_CRS)
    boundary_m = gpd.GeoSeries([futian], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    distance = metric.geometry.distance(boundary_m)
    keep = pts[distance <= STATION_RADIUS_M].copy()
    keep["in_futian"] = keep.geometry.within(futian)
    keep["lines"] = keep["lines"].str.replace(" ", "", regex=False)
    keep["source"] = STATION_SOURCE
    keep["is_estimate"] = False
    keep["is_synthetic"] = False
    cols = ["name_zh", "name_en", "lines", "in_futian", "source", "is_estimate", "is_synthetic"]
    return keep[[*cols, "geometry"]].sort_values("name_zh").reset_index(drop=True)


def build_parks() -> gpd.GeoDataFrame:
    src = _read_csv("parks.csv")
    lng, lat = gcj02_to_wgs84(src["lng_gcj02"].astype(float), src["lat_gcj02"].astype(float))
    parks = pd.DataFrame(
        {
            "code": src["code"],
            "name_zh": src["name_zh"],
            "name_en": src["name_en"],
            "area_code": src["area_code"],
            "area_is_estimate": src["area_is_estimate"] == "true",
            "park_type": src["park_type"],
            "operator": src["operator"],
            "address": src["address"],
            "land_area_m2": src["land_area_m2"].map(_num),
            "floor_area_m2": src["floor_area_m2"].map(_num),
            "low_cost_area_m2": src["low_cost_area_m2"].map(_num),
            "space_is_estimate": src["space_is_estimate"] == "true",
            "documented_firms": src["documented_firms"].map(lambda v: int(v) if v else None),
            "figures_zh": src["figures_zh"],
            "figures_en": src["figures_en"],
            "location_error_m": src["location_error_m"].astype(float),
            "industries": src["industries"],
            "source": [
                f"{cite(s)}; 位置为估算（据地址与最近地铁站，±{e} m）/ "
                f"location estimated from address and nearest metro station, ±{e} m"
                for s, e in zip(src["source"], src["location_error_m"], strict=True)
            ],
            "is_estimate": True,
            "is_synthetic": False,
        }
    )
    return gpd.GeoDataFrame(parks, geometry=gpd.points_from_xy(lng, lat), crs="EPSG:4326")


def build_areas(
    parks: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, futian: shapely.Geometry
) -> gpd.GeoDataFrame:
    src = _read_csv("areas.csv")
    by_name = stations.set_index("name_zh").geometry
    anchors = [(p.area_code, p.geometry) for p in parks.itertuples()]
    for row in src.itertuples():
        for name in row.anchor_stations.split(";"):
            if name not in by_name.index:
                raise ValueError(f"area {row.code}: anchor station {name!r} not in station list")
            anchors.append((row.code, by_name[name]))
    seen: set[tuple[float, float]] = set()
    unique = []
    for code, geom in anchors:  # Voronoi needs distinct points; first anchor wins
        if (geom.x, geom.y) not in seen:
            seen.add((geom.x, geom.y))
            unique.append((code, geom))
    frame = gpd.GeoDataFrame(
        {"area_code": [c for c, _ in unique]}, geometry=[g for _, g in unique], crs="EPSG:4326"
    )
    polygons = area_polygons(frame, futian)
    out = src.drop(columns=["anchor_stations"]).copy()
    out["geom_method"] = METHOD
    out["source"] = [
        f"{cite(s)}（定位与主导产业 / positioning and lead industries）; "
        "边界为估算 / boundary is an estimate (see geom_method)"
        for s in src["source"]
    ]
    out["is_estimate"] = True
    out["is_synthetic"] = False
    geoms = [_as_multi(polygons[c]) for c in out["code"]]
    return gpd.GeoDataFrame(out, geometry=geoms, crs="EPSG:4326")


def build_zones(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    src = _read_csv("zones.csv")
    geoms = [_as_multi(shapely.union_all(areas[areas.zone_code == c].geometry)) for c in src.code]
    out = src.copy()
    out["source"] = [
        f"{cite(s)}; 边界为所辖片区估算边界之并 / boundary is the union of its areas' estimated "
        "boundaries"
        for s in src["source"]
    ]
    out["is_estimate"] = True
    out["is_synthetic"] = False
    return gpd.GeoDataFrame(out, geometry=geoms, crs="EPSG:4326")


def build_taxonomy() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    industries = _read_csv("industries.csv")
    industries["is_group"] = industries["is_group"] == "true"
    industries["source"] = industries["source"].map(cite)
    industries["is_estimate"] = False
    industries["is_synthetic"] = False
    relations = _read_csv("industry_relations.csv")
    pairs = sorted(tuple(sorted(p)) for p in zip(relations.code_a, relations.code_b, strict=True))
    relations = pd.DataFrame(pairs, columns=["code_a", "code_b"])
    relations["source"] = (
        "spacemap taxonomy: editorial judgement from sectors co-listed in " + cite("002 §六(二)")
    )
    relations["is_estimate"] = True
    relations["is_synthetic"] = False
    whitelist = _read_csv("area_whitelist.csv")
    whitelist["is_lead"] = whitelist["is_lead"] == "true"
    whitelist["source"] = whitelist["source"].map(cite)
    whitelist["is_estimate"] = False
    whitelist["is_synthetic"] = False
    return industries, relations, whitelist


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source_files() -> list[Path]:
    """Every file under ``sources/`` (documents, reference geodata, curated CSVs), sorted."""
    root = sources_path()
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def build(out: Path | None = None) -> dict[str, object]:
    """Write every built file into ``out`` (default: the package's ``built/``)."""
    out = out or built_path()
    out.mkdir(parents=True, exist_ok=True)
    districts = build_districts()
    futian = districts[districts.is_futian].geometry.iloc[0]
    stations = build_stations(futian)
    parks = build_parks()
    areas = build_areas(parks, stations, futian)
    zones = build_zones(areas)
    industries, relations, whitelist = build_taxonomy()

    gen_parks = pd.DataFrame(parks.drop(columns="geometry"))
    gen_parks["industries"] = gen_parks["industries"].str.split(";")
    gen_parks["lng"] = parks.geometry.x.round(7)
    gen_parks["lat"] = parks.geometry.y.round(7)
    generated = generate(gen_parks, industries, relations)
    units = generated.units.assign(source=UNIT_SOURCE, is_estimate=True, is_synthetic=True)
    tenants = generated.tenants.assign(
        source=[
            f"{GENERATOR}; {b}" if s else f"{cite('003 一(三)')}; {b}"
            for s, b in zip(generated.tenants.is_synthetic, generated.tenants.basis, strict=True)
        ],
        is_estimate=True,
    ).drop(columns="basis")

    def props(frame: pd.DataFrame) -> list[dict]:
        clean = frame.drop(columns="geometry").replace({np.nan: None})
        return clean.to_dict(orient="records")

    for name, frame in [
        ("districts.geojson", districts),
        ("zones.geojson", zones),
        ("areas.geojson", areas),
        ("parks.geojson", parks),
        ("stations.geojson", stations),
    ]:
        _write_geojson(out, name, props(frame), list(frame.geometry))
    for name, frame in [
        ("industries.csv", industries),
        ("industry_relations.csv", relations),
        ("area_whitelist.csv", whitelist),
        ("space_units.csv", units),
        ("tenants.csv", tenants),
    ]:
        _write_csv(out, name, frame)

    files = sorted(p.name for p in out.iterdir() if p.name != "manifest.json")
    manifest = {
        "generator": GENERATOR,
        "assumptions": assumptions_dict(),
        "listed_space_by_park": generated.listed_space,
        "counts": {
            "districts": len(districts),
            "zones": len(zones),
            "areas": len(areas),
            "parks": len(parks),
            "stations": len(stations),
            "industries": len(industries),
            "industry_relations": len(relations),
            "area_whitelist": len(whitelist),
            "space_units": len(units),
            "tenants": len(tenants),
        },
        "inputs_sha256": {
            f"sources/{p.relative_to(sources_path()).as_posix()}": _sha256(p)
            for p in _source_files()
        },
        "outputs_sha256": {name: _sha256(out / name) for name in files},
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description="Build geodata/built from geodata/sources.")
    parser.add_argument("--out", type=Path, default=None, help="default: geodata/built")
    manifest = build(parser.parse_args().out)
    print(json.dumps(manifest["counts"], indent=1))


if __name__ == "__main__":
    main()
