"""Datum conversion: the boundary and stations are GCJ-02; a wrong inverse misplaces everything."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from spacemap import coords

GEOD = Geod(ellps="WGS84")
# A 30 x 30 grid over Futian and its neighbours.
LNG, LAT = (
    a.ravel() for a in np.meshgrid(np.linspace(113.95, 114.15, 30), np.linspace(22.48, 22.62, 30))
)


def _metres(lng1, lat1, lng2, lat2) -> np.ndarray:
    return GEOD.inv(lng1, lat1, lng2, lat2)[2]


def test_gcj02_round_trip_is_under_a_tenth_of_a_millimetre() -> None:
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(LNG, LAT))
    assert _metres(LNG, LAT, *back).max() < 1e-4


def test_gcj02_inverse_recovers_wgs84_from_obfuscated_input() -> None:
    gcj = coords.wgs84_to_gcj02(LNG, LAT)
    wgs = coords.gcj02_to_wgs84(*gcj)
    assert _metres(*gcj, *coords.wgs84_to_gcj02(*wgs)).max() < 0.1


def test_iterative_inverse_beats_the_one_step_approximation() -> None:
    glng, glat = coords.wgs84_to_gcj02(LNG, LAT)
    flng, flat = coords.wgs84_to_gcj02(glng, glat)
    one_step = (2 * glng - flng, 2 * glat - flat)  # the common approximation
    assert _metres(LNG, LAT, *one_step).max() > 0.5  # it is metres off ...
    assert _metres(LNG, LAT, *coords.gcj02_to_wgs84(glng, glat)).max() < 0.1  # ... we are not


def test_gcj02_offset_in_futian_is_hundreds_of_metres() -> None:
    offset = _metres(LNG, LAT, *coords.wgs84_to_gcj02(LNG, LAT))
    assert offset.min() > 300 and offset.max() < 700


def test_bd09_round_trip_is_under_a_tenth_of_a_metre() -> None:
    back = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(LNG, LAT))
    assert _metres(LNG, LAT, *back).max() < 0.1


def test_outside_china_is_unchanged() -> None:
    lng, lat = coords.wgs84_to_gcj02([2.35], [48.85])  # Paris
    assert lng[0] == pytest.approx(2.35) and lat[0] == pytest.approx(48.85)


def test_geometry_conversion_moves_every_vertex() -> None:
    square = shapely.box(114.0, 22.5, 114.01, 22.51)
    moved = coords.geometry_to_wgs84(square, "gcj02")
    back = coords.geometry_from_wgs84(moved, "gcj02")
    assert not moved.equals(square)
    assert shapely.hausdorff_distance(back, square) < 1e-8
