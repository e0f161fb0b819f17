"""Read a user's CSV, GeoJSON or GeoPackage into plain string records and the datum of their
coordinates.

Every reader returns the same shape — string-valued records with raw ``lng``/``lat`` in the
file's coordinate system, plus file-level and row-level issues — so validation is written once.
The file is refused before any row is looked at when it is too large, has too many rows, is not
the format its name says, or declares a coordinate system nobody knows (never guessed as WGS84).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacemap.i18n import LocalizedError, Msg, _
from spacemap.ingest.issues import Issue

_EPSG = re.compile(r"^EPSG:(\d{4,6})$", re.IGNORECASE)
CHINESE_DATUMS = ("wgs84", "gcj02", "bd09")
FORMATS = {".csv": "CSV", ".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage"}
Datum = Any  # "wgs84" | "gcj02" | "bd09" | a pyproj CRS


class BadCrs(LocalizedError, ValueError):
    """A ``--crs`` value (or a file's declared CRS) that names no known coordinate system."""


@dataclass(frozen=True)
class Limits:
    """What one import may hold: a register, not a data dump."""

    max_bytes: int = 16 * 1024 * 1024
    max_rows: int = 50_000

    @classmethod
    def from_settings(cls) -> Limits:
        from spacemap.config import get_settings

        settings = get_settings()
        return cls(settings.import_max_mb * 1024 * 1024, settings.import_max_rows)


@dataclass
class RawTable:
    records: list[dict[str, str]]
    columns: list[str]
    issues: list[Issue] = field(default_factory=list)
    datum: Datum = "wgs84"
    bad_rows: set[int] = field(default_factory=set)  # rows whose shape is broken: skip them


def parse_crs(value: str) -> str:
    """Normalise a ``--crs`` value: wgs84, gcj02, bd09 or EPSG:<code> (a code pyproj knows)."""
    v = value.strip().lower().replace("-", "")
    if v in CHINESE_DATUMS:
        return v
    if v in ("epsg:4326", "crs84"):
        return "wgs84"
    match = _EPSG.match(value.strip())
    if match:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_epsg(int(match.group(1)))
        except CRSError as exc:
            raise BadCrs(
                _("EPSG:%(code)s is not a known coordinate system", code=match.group(1))
            ) from exc
        return f"EPSG:{match.group(1)}"
    raise BadCrs(_("crs must be wgs84, gcj02, bd09 or EPSG:<code>, not '%(value)s'", value=value))


def datum_of(value: str) -> Datum:
    """A parsed ``--crs`` value as something ``to_wgs84`` converts from."""
    if value in CHINESE_DATUMS:
        return value
    from pyproj import CRS

    return CRS.from_user_input(value)


def is_geographic(datum: Datum) -> bool:
    return datum in CHINESE_DATUMS or bool(getattr(datum, "is_geographic", False))


def to_wgs84(xs: list[float], ys: list[float], datum: Datum) -> tuple[list[float], list[float]]:
    if datum in CHINESE_DATUMS:
        from spacemap.coords import to_wgs84 as chinese_to_wgs84

        x, y = chinese_to_wgs84(xs, ys, datum)
        return list(map(float, x)), list(map(float, y))
    from pyproj import Transformer

    transformer = Transformer.from_crs(datum, "EPSG:4326", always_xy=True)
    x, y = transformer.transform(xs, ys)
    return list(map(float, x)), list(map(float, y))


def _file_issue(message: Msg, field_name: str = "(file)", hint: str | None = None) -> RawTable:
    return RawTable([], [], [Issue(None, field_name, message, hint)])


# -- CSV --------------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str) -> tuple[str | None, Issue | None]:
    name = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(name), None
    except LookupError:
        return None, Issue(
            None,
            "encoding",
            _("'%(encoding)s' is not an encoding spacemap knows", encoding=encoding),
        )
    except UnicodeDecodeError:
        guess = _guess_encoding(data)
        if guess:
            message = _(
                "the file is not %(encoding)s text; it looks like %(guess)s. Save it as "
                "UTF-8 or say which encoding it is in",
                encoding=encoding,
                guess=guess,
            )
        else:
            message = _(
                "the file is not %(encoding)s text. Save it as UTF-8 or say which "
                "encoding it is in",
                encoding=encoding,
            )
        return None, Issue(None, "encoding", message, guess)


_CJK = re.compile(r"[\u3400-\u9fff]")


def _guess_encoding(data: bytes) -> str | None:
    """The encoding a non-UTF-8 register is most likely in: Chinese ones first (a short GB18030
    file fools general detectors into Korean), then whatever charset_normalizer finds."""
    sample = data[:200_000]
    for candidate in ("gb18030", "big5"):
        try:
            text = sample.decode(candidate)
        except UnicodeDecodeError:
            continue
        wide = [c for c in text if ord(c) > 127]
        if wide and sum(bool(_CJK.match(c)) for c in wide) / len(wide) > 0.9:
            return candidate
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample).best()
    return best.encoding if best and best.encoding else None


def _read_csv(path: Path, encoding: str, limits: Limits) -> RawTable:
    text, issue = _decode(path.read_bytes(), encoding)
    if issue or text is None:
        return RawTable([], [], [issue] if issue else [])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            return _file_issue(_("the file is empty: it has no header row"))
        columns = [h.strip() for h in header]
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        if repeated:
            return _file_issue(
                _(
                    "the header names these columns more than once: %(columns)s",
                    columns=", ".join(repeated),
                )
            )
        table = RawTable([], columns)
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank lines are not rows
            row = len(table.records) + 1
            if row > limits.max_rows:
                total = row + sum(1 for c in reader if any(x.strip() for x in c))
                return _too_many_rows(total, limits)
            if len(cells) != len(columns):
                table.issues.append(
                    Issue(
                        row,
                        "(row)",
                        _(
                            "has %(found)d cells where the header has %(expected)d",
                            found=len(cells),
                            expected=len(columns),
                        ),
                    )
                )
                table.bad_rows.add(row)
                table.records.append({})
                continue
            table.records.append({c: v.strip() for c, v in zip(columns, cells, strict=True)})
    except csv.Error:
        return _file_issue(
            _(
                "not a readable CSV file: line %(line)s cannot be split into cells",
                line=reader.line_num,
            )
        )
    return table


def _too_many_rows(total: int, limits: Limits) -> RawTable:
    return _file_issue(
        _(
            "the file has %(total)s rows; import at most %(max)s at a time (split the file)",
            total=f"{total:,}",
            max=f"{limits.max_rows:,}",
        )
    )


# -- GeoJSON and GeoPackage -------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A property as the text a CSV cell would hold."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _crs_named(name: str) -> Datum | None:
    """A GeoJSON ``crs`` member's name as a CRS, or None if nobody knows it."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(name)
    except CRSError:
        return None
    return "wgs84" if crs.to_epsg() == 4326 or "CRS84" in name.upper() else crs


def _point(row: int, coordinates: Any, kind: str, issues: list[Issue]) -> tuple[str, str] | None:
    if kind != "Point":
        issues.append(Issue(row, "geometry", _("expected a Point, got %(kind)s", kind=kind)))
        return None
    if not coordinates:
        issues.append(Issue(row, "geometry", _("the point is empty: it has no coordinates")))
        return None
    if len(coordinates) > 2:
        issues.append(Issue(row, "geometry", _("the point has a height (3-D); give 2-D points")))
        return None
    if len(coordinates) != 2 or not all(
        isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates
    ):
        issues.append(Issue(row, "geometry", _("the point's coordinates are not two numbers")))
        return None
    return repr(float(coordinates[0])), repr(float(coordinates[1]))


def _read_geojson(path: Path, limits: Limits, crs_given: bool) -> RawTable:
    try:
        doc = json.loads(path.read_bytes())
    except UnicodeDecodeError:
        return _file_issue(_("a GeoJSON file must be UTF-8 text, and this one is not"))
    except json.JSONDecodeError as exc:
        return _file_issue(
            _(
                "not valid JSON: it breaks at line %(line)s, column %(column)s",
                line=exc.lineno,
                column=exc.colno,
            )
        )
    features = doc.get("features") if isinstance(doc, dict) else None
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(features, list)
    ):
        return _file_issue(_("valid JSON, but not a GeoJSON FeatureCollection"))
    if len(features) > limits.max_rows:
        return _too_many_rows(len(features), limits)
    datum: Datum = "wgs84"  # RFC 7946: GeoJSON is WGS84 unless an older file says otherwise
    declared = doc.get("crs")
    if declared is not None and not crs_given:
        name = declared.get("properties", {}).get("name") if isinstance(declared, dict) else None
        datum = _crs_named(name) if isinstance(name, str) else None
        if datum is None:
            return _file_issue(
                _(
                    "the file declares the coordinate system '%(crs)s', which is "
                    "not known; say which one it is (crs: wgs84, gcj02, bd09 or "
                    "EPSG:<code>)",
                    crs=name if isinstance(name, str) else json.dumps(declared),
                ),
                "crs",
            )
    table = RawTable([], [], datum=datum)
    columns: dict[str, None] = {}
    for row, feature in enumerate(features, 1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        record = {k: _cell(v) for k, v in props.items()} if isinstance(props, dict) else {}
        columns.update(dict.fromkeys(record))
        if not isinstance(geometry, dict):
            table.issues.append(Issue(row, "geometry", _("the feature has no geometry")))
            table.bad_rows.add(row)
        else:
            xy = _point(row, geometry.get("coordinates"), str(geometry.get("type")), table.issues)
            if xy is None:
                table.bad_rows.add(row)
            else:
                record["lng"], record["lat"] = xy
        table.records.append(record)
    table.columns = [*columns, "lng", "lat"]
    return table


def _read_geopackage(path: Path, limits: Limits, crs_given: bool) -> RawTable:
    import pyogrio
    import shapely
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        info = pyogrio.read_info(path)
        if info["features"] > limits.max_rows:
            return _too_many_rows(int(info["features"]), limits)
        meta, _fids, geometries, values = pyogrio.raw.read(path)
    except Exception:  # GDAL reports a broken file through many exception classes
        return _file_issue(_("the file could not be read as a GeoPackage"))
    if meta.get("crs") is None or crs_given:
        datum: Datum = None
    else:
        try:
            crs = CRS.from_user_input(meta["crs"])
            datum = "wgs84" if crs.to_epsg() == 4326 else crs
        except CRSError:
            return _file_issue(
                _(
                    "the file's coordinate system is not one spacemap knows; say "
                    "which one it is (crs: wgs84, gcj02, bd09 or EPSG:<code>)"
                ),
                "crs",
            )
    columns = [str(c) for c in meta["fields"]]
    table = RawTable([], [*columns, "lng", "lat"], datum=datum)
    shapes = shapely.from_wkb(geometries) if geometries is not None else [None] * info["features"]
    for row, geom in enumerate(shapes, 1):
        record = {c: _cell(v[row - 1]) for c, v in zip(columns, values, strict=True)}
        if geom is None or geom.is_empty:
            table.issues.append(Issue(row, "geometry", _("the feature has no geometry")))
            table.bad_rows.add(row)
        else:
            coordinates = list(shapely.get_coordinates(geom, include_z=geom.has_z)[0])
            xy = _point(row, coordinates, geom.geom_type, table.issues)
            if xy is None:
                table.bad_rows.add(row)
            else:
                record["lng"], record["lat"] = xy
        table.records.append(record)
    return table


def read_records(
    path: Path, crs: str | None = None, encoding: str = "utf-8", limits: Limits | None = None
) -> RawTable:
    """The file's records with raw coordinates and their datum: ``crs`` (a parsed ``--crs``)
    if given, else the file's own (CSV: WGS84)."""
    limits = limits or Limits()
    suffix = path.suffix.lower()
    if not path.is_file():
        return _file_issue(_("no such file: %(path)s", path=str(path)))
    if suffix not in FORMATS:
        return _file_issue(
            _("unsupported file type '%(suffix)s': use .csv, .geojson or .gpkg", suffix=suffix)
        )
    size = path.stat().st_size
    if size > limits.max_bytes:
        return _file_issue(
            _(
                "the file is %(size)s MB; import at most %(max)s MB at a time (split the file)",
                size=f"{size / 2**20:.1f}",
                max=f"{limits.max_bytes / 2**20:.0f}",
            )
        )
    if suffix == ".csv":
        table = _read_csv(path, encoding, limits)
    elif FORMATS[suffix] == "GeoJSON":
        table = _read_geojson(path, limits, crs is not None)
    else:
        table = _read_geopackage(path, limits, crs is not None)
    if crs is not None:
        table.datum = datum_of(crs)
    elif table.datum is None and not any(i.row is None for i in table.issues):
        table.issues.append(
            Issue(
                None,
                "crs",
                _(
                    "the file does not say which coordinate "
                    "system it uses; say which one it is (crs: "
                    "wgs84, gcj02, bd09 or EPSG:<code>)"
                ),
            )
        )
    return table
