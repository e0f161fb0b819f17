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

from geodata import built_path, sources_path, whitelists
from geodata.area_polygons import METHOD, METRIC_CRS, part_polygons
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


def _placement(placed_by: str, error: str) -> str:
    if placed_by == "address":
        return (
            f"位置为估算（据地址与最近地铁站，±{error} m）/ location estimated from the address "
            f"and nearest metro station, ±{error} m"
        )
    return (
        f"文件未给出地址，位置为估算（置于{placed_by}站附近，±{error} m）/ no address in the "
        f"documents: placed near {placed_by} station, ±{error} m"
    )


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
            "status": src["status"],
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
            "source": [
                f"{cite(s)}; {_placement(p, e)}"
                for s, p, e in zip(
                    src["source"], src["placed_by"], src["location_error_m"], strict=True
                )
            ],
            "is_estimate": True,
            "is_synthetic": False,
        }
    )
    return gpd.GeoDataFrame(parks, geometry=gpd.points_from_xy(lng, lat), crs="EPSG:4326")


INFERRED_TAG_SOURCE = (
    "spacemap 推断（理由见 reason）/ spacemap inference (see reason): "
    "geodata/sources/park_industries.csv"
)


def build_park_industries(parks: pd.DataFrame) -> pd.DataFrame:
    """Each park's fields, each documented (cited, quoted) or inferred (with the reason)."""
    src = _read_csv("park_industries.csv")
    unknown = sorted(set(src.park_code) - set(parks.code))
    if unknown:
        raise ValueError(f"park_industries.csv names unknown parks: {unknown}")
    documented = src.basis == "documented"
    out = pd.DataFrame(
        {
            "park_code": src.park_code,
            "industry_code": src.industry_code,
            "basis": src.basis,
            "quote": src.quote,
            "reason_zh": src.reason_zh,
            "reason_en": src.reason_en,
            "source": [
                cite(s) if d else INFERRED_TAG_SOURCE
                for s, d in zip(src.source, documented, strict=True)
            ],
            "is_estimate": ~documented,
            "is_synthetic": False,
        }
    )
    return out.sort_values(["park_code", "industry_code"], ignore_index=True)


def build_area_parts(
    parks: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, futian: shapely.Geometry
) -> gpd.GeoDataFrame:
    parts = _read_csv("area_parts.csv")
    anchors = _read_csv("area_anchors.csv")
    by_name = stations.set_index("name_zh").geometry
    missing = sorted(set(anchors.station) - set(by_name.index))
    if missing:
        raise ValueError(f"area_anchors.csv: stations not in the station list: {missing}")
    rows = [(a.part_code, "station", a.basis, by_name[a.station]) for a in anchors.itertuples()]
    station_parts = anchors.groupby("part_code").station.apply(list).to_dict()
    part_area = dict(zip(parts.code, parts.area_code, strict=True))
    for p in parks.itertuples():  # a carrier anchors the part of its area nearest to it
        candidates = [c for c, a in part_area.items() if a == p.area_code]
        nearest = min(
            candidates,
            key=lambda c: min(by_name[s].distance(p.geometry) for s in station_parts[c]),
        )
        rows.append((nearest, "carrier", "named", p.geometry))
    frame = gpd.GeoDataFrame(
        {
            "part_code": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "basis": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:4326",
    )
    free = stations[~stations.name_zh.isin(anchors.station)].geometry
    shapes = part_polygons(frame, free, futian)
    out = parts.drop(columns=["note"]).copy()
    out["note_zh"] = parts["note"]
    out["boundary_error_m"] = [shapes[c].boundary_error_m for c in out.code]
    out["boundary_quality"] = [shapes[c].boundary_quality for c in out.code]
    out["anchors"] = [";".join(station_parts[c]) for c in out.code]
    out["geom_method"] = METHOD
    out["source"] = [
        f"{cite(s)}（所属轴翼 / zone）; 边界为估算 / boundary is an estimate (see geom_method)"
        for s in parts["source"]
    ]
    out["is_estimate"] = True
    out["is_synthetic"] = False
    geoms = [_as_multi(shapes[c].geometry) for c in out.code]
    return gpd.GeoDataFrame(out, geometry=geoms, crs="EPSG:4326")


_QUALITY_ORDER = ("named", "partly_named", "chosen")


def build_areas(parts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    src = _read_csv("areas.csv")
    out = src.copy()
    mine = {c: parts[parts.area_code == c] for c in src.code}
    out["zones"] = [";".join(dict.fromkeys(mine[c].zone_code)) for c in src.code]
    out["boundary_error_m"] = [float(mine[c].boundary_error_m.max()) for c in src.code]
    out["boundary_quality"] = [
        max(mine[c].boundary_quality, key=_QUALITY_ORDER.index) for c in src.code
    ]
    out["geom_method"] = METHOD
    out["source"] = [
        f"{cite(s)}（定位与主导产业 / positioning and lead industries）; "
        "边界为估算 / boundary is an estimate (see geom_method)"
        for s in src["source"]
    ]
    out["is_estimate"] = True
    out["is_synthetic"] = False
    geoms = [_as_multi(shapely.union_all(mine[c].geometry)) for c in src.code]
    return gpd.GeoDataFrame(out, geometry=geoms, crs="EPSG:4326")


def build_zones(parts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    src = _read_csv("zones.csv")
    geoms = [_as_multi(shapely.union_all(parts[parts.zone_code == c].geometry)) for c in src.code]
    out = src.copy()
    out["source"] = [
        f"{cite(s)}; 边界为所辖片区估算边界之并 / boundary is the union of its area parts' "
        "estimated boundaries"
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
    entries = whitelists.whitelist()
    unknown = sorted({e.industry_code for e in entries} - set(industries.code))
    if unknown:
        raise ValueError(f"whitelist_mapping.csv maps to unknown sectors: {unknown}")
    whitelist = pd.DataFrame(
        {
            "area_code": [e.area_code for e in entries],
            "industry_code": [e.industry_code for e in entries],
            "is_lead": [e.is_lead for e in entries],
            "wording": ["；".join(e.wordings) for e in entries],
            "source": [cite("; ".join(e.sources)) for e in entries],
            "is_estimate": False,
            "is_synthetic": False,
        }
    )
    return industries, relations, whitelist


def build_indicators() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plans' targets and actuals as dated series, each value with its citation."""
    indicators = _read_csv("indicators.csv")
    indicators["source"] = indicators["source"].map(cite)
    indicators["is_estimate"] = False
    indicators["is_synthetic"] = False
    values = _read_csv("indicator_values.csv")
    unknown = sorted(set(values.indicator_code) - set(indicators.code))
    if unknown:
        raise ValueError(f"indicator_values.csv names unknown indicators: {unknown}")
    values["citation"] = values["source"]
    values["source"] = values["source"].map(cite)
    values["is_estimate"] = False
    values["is_synthetic"] = False
    return indicators, values.sort_values(["indicator_code", "year", "kind", "as_of"])


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
    park_industries = build_park_industries(parks)
    parts = build_area_parts(parks, stations, futian)
    areas = build_areas(parts)
    zones = build_zones(parts)
    industries, relations, whitelist = build_taxonomy()
    indicators, indicator_values = build_indicators()

    gen_parks = pd.DataFrame(parks.drop(columns="geometry"))
    tags = park_industries.groupby("park_code").industry_code.apply(list)
    gen_parks["industries"] = gen_parks["code"].map(tags)
    gen_parks["lng"] = parks.geometry.x.round(7)
    gen_parks["lat"] = parks.geometry.y.round(7)
    generated = generate(gen_parks, industries, relations, whitelists.admitted())
    units = generated.units.assign(source=UNIT_SOURCE, is_estimate=True, is_synthetic=True)
    tenants = generated.tenants.assign(
        source=[
            f"{GENERATOR}; {b}" if s else f"{cite('003 一(三)2')}; {b}"
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
        ("area_parts.geojson", parts),
        ("areas.geojson", areas),
        ("parks.geojson", parks),
        ("stations.geojson", stations),
    ]:
        _write_geojson(out, name, props(frame), list(frame.geometry))
    tables = [
        ("industries.csv", industries),
        ("industry_relations.csv", relations),
        ("area_whitelist.csv", whitelist),
        ("park_industries.csv", park_industries),
        ("indicators.csv", indicators),
        ("indicator_values.csv", indicator_values),
        ("space_units.csv", units),
        ("tenants.csv", tenants),
    ]
    for name, frame in tables:
        _write_csv(out, name, frame)

    files = sorted(p.name for p in out.iterdir() if p.name != "manifest.json")
    counts = {
        "districts": len(districts),
        "zones": len(zones),
        "area_parts": len(parts),
        "areas": len(areas),
        "parks": len(parks),
        "stations": len(stations),
        **{name.removesuffix(".csv"): len(frame) for name, frame in tables},
        "legacy_tenants": int(tenants.is_legacy.sum()),
    }
    manifest = {
        "generator": GENERATOR,
        "assumptions": assumptions_dict(),
        "listed_space_by_park": generated.listed_space,
        "counts": counts,
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
