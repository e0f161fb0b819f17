"""Read a user's CSV, GeoJSON or GeoPackage into plain records with WGS84 ``lng``/``lat``.

Every reader returns the same shape — a list of string-valued dicts plus file-level issues — so
validation is written once. Coordinates are converted here, at the edge: ``--crs`` names the
datum of the file's coordinates (wgs84, gcj02, bd09 or any EPSG code).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import geopandas as gpd
import pandas as pd
from pyproj import CRS, Transformer

from spacemap.coords import to_wgs84
from spacemap.ingest.issues import Issue

_EPSG = re.compile(r"^EPSG:(\d{4,6})$", re.IGNORECASE)
CHINESE_DATUMS = ("wgs84", "gcj02", "bd09")


@dataclass
class RawTable:
    records: list[dict[str, Any]]
    columns: list[str]
    issues: list[Issue] = field(default_factory=list)


def parse_crs(value: str) -> str:
    """Normalise a --crs value or raise ValueError naming what is accepted."""
    v = value.strip().lower().replace("-", "")
    if v in CHINESE_DATUMS:
        return v
    if v == "epsg:4326":
        return "wgs84"
    match = _EPSG.match(value.strip())
    if match:
        try:
            CRS.from_epsg(int(match.group(1)))
        except Exception as exc:  # pyproj raises CRSError with a long message
            raise ValueError(f"unknown EPSG code {match.group(1)}") from exc
        return f"EPSG:{match.group(1)}"
    raise ValueError(f"--crs must be wgs84, gcj02, bd09 or EPSG:<code>, not {value!r}")


def _convert(lng: list[float], lat: list[float], crs: str) -> tuple[list[float], list[float]]:
    if crs in CHINESE_DATUMS:
        x, y = to_wgs84(lng, lat, crs)  # type: ignore[arg-type]
        return list(map(float, x)), list(map(float, y))
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x, y = transformer.transform(lng, lat)
    return list(map(float, x)), list(map(float, y))


def _decode(path: Path, encoding: str) -> tuple[str | None, Issue | None]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding), None
    except (UnicodeDecodeError, LookupError):
        guess = charset_normalizer.from_bytes(data).best()
        hint = f" (looks like {guess.encoding})" if guess and guess.encoding else ""
        option = f"--encoding {guess.encoding}" if guess else "--encoding"
        message = (
            f"文件编码不是 {encoding} / file is not valid {encoding}{hint}; "
            f"save it as UTF-8 or pass {option}"
        )
        return None, Issue(None, "(file)", message)


def _read_csv(path: Path, encoding: str) -> RawTable:
    text, issue = _decode(path, encoding)
    if issue:
        return RawTable([], [], [issue])
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return RawTable([], [], [Issue(None, "(file)", f"not a readable CSV: {exc}")])
    frame.columns = [c.strip() for c in frame.columns]
    records = [{k: v.strip() for k, v in r.items()} for r in frame.to_dict(orient="records")]
    return RawTable(records, list(frame.columns))


def _read_vector(path: Path) -> RawTable:
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio/GDAL errors have many classes
        return RawTable(
            [], [], [Issue(None, "(file)", f"not a readable {path.suffix} file: {exc}")]
        )
    columns = [c for c in frame.columns if c != "geometry"]
    records: list[dict[str, Any]] = []
    issues: list[Issue] = []
    for i, (row, geom) in enumerate(
        zip(frame[columns].to_dict("records"), frame.geometry, strict=True), 1
    ):
        rec = {k: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
               for k, v in row.items()}  # fmt: skip
        if geom is None or geom.is_empty:
            issues.append(Issue(i, "geometry", "几何为空 / geometry is missing or empty"))
        elif geom.geom_type != "Point":
            issues.append(Issue(i, "geometry", f"expected a Point, got {geom.geom_type}"))
        elif not (math.isfinite(geom.x) and math.isfinite(geom.y)):
            issues.append(
                Issue(i, "geometry", "几何坐标无效 / broken geometry: non-finite coordinates")
            )
        else:
            rec["lng"], rec["lat"] = repr(geom.x), repr(geom.y)
        records.append(rec)
    file_crs = frame.crs.to_string() if frame.crs is not None else None
    table = RawTable(records, [*columns, "lng", "lat"], issues)
    table.file_crs = file_crs  # type: ignore[attr-defined]
    return table


def read_records(path: Path, crs: str | None, encoding: str = "utf-8") -> RawTable:
    """Records with ``lng``/``lat`` in WGS84 where the input had valid coordinates."""
    suffix = path.suffix.lower()
    if not path.exists():
        return RawTable([], [], [Issue(None, "(file)", f"no such file: {path}")])
    if suffix == ".csv":
        table = _read_csv(path, encoding)
        datum = crs or "wgs84"
    elif suffix in (".geojson", ".json", ".gpkg"):
        table = _read_vector(path)
        file_crs = getattr(table, "file_crs", None)
        datum = crs or ("wgs84" if file_crs in (None, "EPSG:4326", "OGC:CRS84") else file_crs)
    else:
        return RawTable([], [], [Issue(None, "(file)", f"unsupported file type {suffix!r}: "
                                       "use .csv, .geojson or .gpkg")])  # fmt: skip
    _coordinates_to_wgs84(table, parse_crs(datum) if datum not in CHINESE_DATUMS else datum)
    return table


def _coordinates_to_wgs84(table: RawTable, crs: str) -> None:
    """Convert parseable lng/lat in place; unparseable ones are left for validation to report."""
    idx, xs, ys = [], [], []
    for i, rec in enumerate(table.records):
        try:
            x, y = float(rec.get("lng", "")), float(rec.get("lat", ""))
        except ValueError:
            continue
        if math.isfinite(x) and math.isfinite(y):
            idx.append(i)
            xs.append(x)
            ys.append(y)
    if not idx:
        return
    wx, wy = _convert(xs, ys, crs)
    for i, x, y in zip(idx, wx, wy, strict=True):
        table.records[i]["lng"], table.records[i]["lat"] = repr(x), repr(y)
