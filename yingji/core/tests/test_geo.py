from __future__ import annotations

import pytest

from yingji.core.geo import gcj02_to_wgs84, wgs84_to_gcj02


def test_shenzhen_is_shifted_by_the_known_few_hundred_metres():
    lon, lat = wgs84_to_gcj02(114.0579, 22.5431)  # Futian, Shenzhen civic centre
    # The published transform moves Shenzhen about 500 m east and 300 m south.
    assert lon - 114.0579 == pytest.approx(0.0051, abs=3e-4)
    assert lat - 22.5431 == pytest.approx(-0.00273, abs=2e-4)


def test_points_outside_china_are_not_shifted():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_the_inverse_round_trips_within_a_metre():
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(114.02, 22.53))
    assert abs(lon - 114.02) < 1e-5 and abs(lat - 22.53) < 1e-5
