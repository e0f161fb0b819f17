"""Chinese map datums (GCJ-02, BD-09) to and from WGS84.

The reference boundary and metro file are GCJ-02, the datum AutoNavi/DataV publish in; everything
spacemap stores is WGS84. GCJ-02 has no closed-form inverse, so ``gcj02_to_wgs84`` iterates the
forward transform to a fixed point (sub-millimetre) instead of the common one-step approximation,
which is 1–2 m off. All functions are vectorised over numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

Datum = Literal["wgs84", "gcj02", "bd09"]
Array = NDArray[np.float64]


def _out_of_china(lng: Array, lat: Array) -> NDArray[np.bool_]:
    """GCJ-02 leaves coordinates outside mainland China's rough box unchanged."""
    return (lng < 72.004) | (lng > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta_lat(x: Array, y: Array) -> Array:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lng(x: Array, y: Array) -> Array:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _as_arrays(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    return np.asarray(lng, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def wgs84_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """The official (forward) obfuscation."""
    lng, lat = _as_arrays(lng, lat)
    dlat = _delta_lat(lng - 105.0, lat - 35.0)
    dlng = _delta_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = _out_of_china(lng, lat)
    return np.where(outside, lng, lng + dlng), np.where(outside, lat, lat + dlat)


def gcj02_to_wgs84(
    lng: ArrayLike, lat: ArrayLike, tol_deg: float = 1e-10, max_iter: int = 30
) -> tuple[Array, Array]:
    """Exact inverse by fixed-point iteration: converges to ~1e-10° (~0.01 mm) in a few steps."""
    glng, glat = _as_arrays(lng, lat)
    wlng, wlat = glng.copy(), glat.copy()
    for _ in range(max_iter):
        flng, flat = wgs84_to_gcj02(wlng, wlat)
        elng, elat = flng - glng, flat - glat
        wlng, wlat = wlng - elng, wlat - elat
        if np.all(np.abs(elng) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return wlng, wlat


def bd09_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    lng, lat = _as_arrays(lng, lat)
    x, y = lng - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    lng, lat = _as_arrays(lng, lat)
    z = np.sqrt(lng * lng + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lng) + 0.000003 * np.cos(lng * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))


def wgs84_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


_TO_WGS84: dict[str, Callable[[ArrayLike, ArrayLike], tuple[Array, Array]]] = {
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}
_FROM_WGS84: dict[str, Callable[[ArrayLike, ArrayLike], tuple[Array, Array]]] = {
    "gcj02": wgs84_to_gcj02,
    "bd09": wgs84_to_bd09,
}


def to_wgs84(lng: ArrayLike, lat: ArrayLike, datum: Datum) -> tuple[Array, Array]:
    if datum == "wgs84":
        return _as_arrays(lng, lat)
    return _TO_WGS84[datum](lng, lat)


def from_wgs84(lng: ArrayLike, lat: ArrayLike, datum: Datum) -> tuple[Array, Array]:
    if datum == "wgs84":
        return _as_arrays(lng, lat)
    return _FROM_WGS84[datum](lng, lat)


def geometry_to_wgs84(geom: shapely.Geometry, datum: Datum) -> shapely.Geometry:
    """Convert every vertex of a shapely geometry (or array of them) from ``datum`` to WGS84."""

    def _convert(coords: Array) -> Array:
        lng, lat = to_wgs84(coords[:, 0], coords[:, 1], datum)
        return np.column_stack([lng, lat])

    return shapely.transform(geom, _convert)


def geometry_from_wgs84(geom: shapely.Geometry, datum: Datum) -> shapely.Geometry:
    """The display-side inverse: WGS84 geometry to a Chinese datum (for GCJ-02 basemaps)."""

    def _convert(coords: Array) -> Array:
        lng, lat = from_wgs84(coords[:, 0], coords[:, 1], datum)
        return np.column_stack([lng, lat])

    return shapely.transform(geom, _convert)
