"""The engine stays a pure-Python package: importing it never pulls in Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_importing_the_engine_does_not_import_django() -> None:
    code = (
        "import sys, yingji.routing, yingji.routing.demo, yingji.routing.osm, yingji.routing.milp, "
        "yingji.routing.__main__; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env={"PYTHONPATH": str(root)}, check=False)
    assert done.returncode == 0
