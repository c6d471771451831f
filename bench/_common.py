"""Shared helpers of the routing and siting benchmarks (run from the repository root).

Every bench prints human-readable lines with our figure beside the baseline's,
and as its last line exactly one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the yingji package importable
    sys.path.insert(0, str(ROOT))

from yingji.routing.coverage import hex_cells  # noqa: E402
from yingji.routing.network import Network  # noqa: E402


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for smoke runs")
    return parser.parse_args()


def start_django(env: dict[str, str]) -> None:
    """Yingji configured by these environment variables (DEBUG off, quiet logs), set up and migrated."""
    os.environ.update({"DJANGO_SETTINGS_MODULE": "yingji.settings", "DEBUG": "false", "LOG_LEVEL": "ERROR", **env})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def database_url(dsn: str, name: str) -> str:
    """The DSN (BENCH_PG_DSN) with its database name replaced (a DSN with a host or a socket, with or without a query)."""
    parts = urllib.parse.urlsplit(dsn)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def say(line: str) -> None:
    print(line, flush=True)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {_dt.date.today()}"


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: …`` then ``t[0]`` is the elapsed wall seconds and
    ``t[1]`` the CPU seconds of this thread.

    The CPU time is reported beside the wall time because the benches often
    share a 2-core machine with test runs: wall time then measures the
    neighbours as much as the code, CPU time much less so.
    """
    out: list[float] = []
    start, cpu = time.perf_counter(), time.thread_time()
    try:
        yield out
    finally:
        out.extend([time.perf_counter() - start, time.thread_time() - cpu])


def load_average() -> float:
    """The 1-minute load average (how busy the machine was), or -1 where unknown."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def pct(samples_s: list[float], q: float) -> float:
    """Percentile ``q`` of samples given in seconds, in milliseconds."""
    return float(np.percentile(np.asarray(samples_s) * 1000.0, q))


def demand_cells(net: Network, n: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` H3 cells inside the network's box with a population each.

    The finest resolution (from 7 up) that yields at least ``n`` cells is used
    and ``n`` of its cells picked at random; population is log-normal, denser
    towards the centre, like a Chinese city's resident counts per ~0.1 km².
    """
    for res in range(7, 12):
        _, centres = hex_cells(net.bbox, res)
        if len(centres) >= n:
            break
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(centres), size=n, replace=False))
    lonlat = centres[pick]
    xy = net.projection.forward(lonlat[:, 0], lonlat[:, 1])
    radius = float(np.max(np.abs(net.xy))) or 1.0
    density = 0.25 + np.exp(-((np.hypot(xy[:, 0], xy[:, 1]) / (0.6 * radius)) ** 2))
    population = np.round(rng.lognormal(5.0, 0.8, n) * density)
    return lonlat, population


def emit(result: dict[str, Any]) -> None:
    """Print the one JSON object that must be the bench's last line."""
    print(json.dumps(result, ensure_ascii=False, sort_keys=False), flush=True)
