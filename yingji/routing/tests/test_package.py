"""The engine stays a pure-Python package: importing it never pulls in Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from yingji.routing import TravelTimeEngine, synthetic_city
from yingji.routing.coverage import coverage


def test_importing_the_engine_does_not_import_django() -> None:
    code = (
        "import sys, yingji.routing, yingji.routing.demo, yingji.routing.osm, yingji.routing.milp, "
        "yingji.routing.__main__; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env={"PYTHONPATH": str(root)}, check=False)
    assert done.returncode == 0


def test_the_engine_method_and_the_function_agree() -> None:
    engine = TravelTimeEngine(synthetic_city(2_000, seed=1))
    stations = np.array([[114.05, 22.54]])
    demand = np.array([[114.051, 22.541], [114.06, 22.55]])
    a = engine.coverage(stations, demand, None, 300)
    b = coverage(engine, stations, demand, None, 300)
    assert np.array_equal(a.seconds, b.seconds)
