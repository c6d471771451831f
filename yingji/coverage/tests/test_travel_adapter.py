"""The shared adapter yingji/core/travel.py: one engine per process, reloaded when the file changes."""

from __future__ import annotations

import os
import shutil

import pytest

from yingji.core import travel
from yingji.routing import TravelTimeEngine, synthetic_city
from yingji.routing.demo import FUTIAN_NPZ


@pytest.fixture(autouse=True)
def _forget():  # type: ignore[no-untyped-def]
    travel.use_engine(None)
    yield
    travel.use_engine(None)


def test_it_falls_back_to_straight_lines_without_a_file(settings, tmp_path):
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "missing.npz")
    eng = travel.engine()
    assert eng.network is None and eng.estimated
    assert eng.travel_time((114.05, 22.54), (114.06, 22.54)).estimated
    settings.YINGJI_ROAD_NETWORK = ""
    assert travel.engine().network is None


def test_it_falls_back_when_the_file_is_unreadable(settings, tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a network")
    settings.YINGJI_ROAD_NETWORK = str(broken)
    assert travel.engine().network is None


def test_it_loads_once_and_reloads_when_the_file_changes(settings, tmp_path):
    path = tmp_path / "roads.npz"
    shutil.copy(FUTIAN_NPZ, path)
    settings.YINGJI_ROAD_NETWORK = str(path)
    first = travel.engine()
    assert first.network is not None and first.network.meta["name"] == "futian-nanshan-drive"
    assert travel.engine() is first
    synthetic_city(400, seed=3).save(path)
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    second = travel.engine()
    assert second is not first and second.network is not None and second.network.n_nodes < 500


def test_an_installed_engine_is_used_until_forgotten(settings, tmp_path):
    settings.YINGJI_ROAD_NETWORK = str(tmp_path / "none.npz")
    custom = TravelTimeEngine(synthetic_city(400, seed=1))
    travel.use_engine(custom)
    assert travel.engine() is custom
    travel.use_engine(None)
    assert travel.engine() is not custom
