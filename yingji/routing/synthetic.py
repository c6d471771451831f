"""A deterministic synthetic city for demos, tests and benchmarks.

Real extracts are small (one district) and their licence travels with them; the
city-scale benchmarks need 200,000 junctions that look like a Chinese city: a
grid of local streets, faster arterials every few blocks, a few expressways,
one-way pairs downtown, and a river that can only be crossed on a handful of
bridges (the reason straight-line distance misleads dispatchers).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .geo import LocalProjection
from .network import Network
from .speeds import HIGHWAY_CODE

# Speeds in km/h of the three road classes (emergency-vehicle pace).
LOCAL_KMH = 25.0
ARTERIAL_KMH = 45.0
EXPRESSWAY_KMH = 70.0


def synthetic_city(
    n_nodes: int,
    seed: int = 0,
    *,
    center: tuple[float, float] = (114.05, 22.54),
    bbox: tuple[float, float, float, float] | None = None,
    block_m: float = 120.0,
    arterial_every: int = 8,
    expressway_every: int = 40,
    bridge_every: int = 4,
    removed_share: float = 0.04,
    jitter_m: float = 15.0,
) -> Network:
    """Generate a grid-like street network of about ``n_nodes`` junctions.

    Args:
        n_nodes: wanted junction count (the result has slightly fewer: a few are
            cut off by removed streets and dropped with the rest of the smaller
            components).
        seed: the same seed always gives the identical network.
        center: lon/lat of the city centre when ``bbox`` is not given.
        bbox: ``(min_lon, min_lat, max_lon, max_lat)`` to stretch the grid over.
        block_m: block edge length in metres (ignored when ``bbox`` is given).
        arterial_every: an arterial road every this many blocks.
        expressway_every: an expressway every this many blocks.
        bridge_every: one arterial in this many crosses the river on a bridge.
        removed_share: share of local street segments removed at random.
        jitter_m: standard deviation of the junction position noise.
    """
    if n_nodes < 4:
        raise ValueError("a synthetic city needs at least 4 junctions")
    rng = np.random.default_rng(seed)
    rows = max(2, round(math.sqrt(n_nodes)))
    cols = max(2, math.ceil(n_nodes / rows))
    r, c = np.divmod(np.arange(rows * cols, dtype=np.int64), cols)

    if bbox is not None:
        proj = LocalProjection((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
        lo = proj.forward(bbox[0], bbox[1])[0]
        hi = proj.forward(bbox[2], bbox[3])[0]
        dx, dy = (hi[0] - lo[0]) / max(cols - 1, 1), (hi[1] - lo[1]) / max(rows - 1, 1)
    else:
        proj = LocalProjection(*center)
        dx = dy = block_m
    x = (c - (cols - 1) / 2) * dx + rng.normal(0.0, jitter_m, len(c))
    y = (r - (rows - 1) / 2) * dy + rng.normal(0.0, jitter_m, len(r))
    lonlat = proj.inverse(np.column_stack([x, y]))

    node = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
    # Horizontal segments (along a row) and vertical ones (along a column).
    hu, hv = node[:, :-1].ravel(), node[:, 1:].ravel()
    vu, vv = node[:-1, :].ravel(), node[1:, :].ravel()
    u = np.concatenate([hu, vu])
    v = np.concatenate([hv, vv])
    horizontal = np.concatenate([np.ones(len(hu), bool), np.zeros(len(vu), bool)])
    # The line index a segment runs along: its row if horizontal, column if vertical.
    line = np.where(horizontal, r[u], c[u])

    road = np.full(len(u), HIGHWAY_CODE["residential"], dtype=np.uint8)
    road[line % arterial_every == 0] = HIGHWAY_CODE["primary"]
    road[line % expressway_every == expressway_every // 2] = HIGHWAY_CODE["trunk"]
    speed = np.select(
        [road == HIGHWAY_CODE["trunk"], road == HIGHWAY_CODE["primary"]],
        [EXPRESSWAY_KMH, ARTERIAL_KMH],
        LOCAL_KMH,
    )
    local = road == HIGHWAY_CODE["residential"]

    # The river: a meander between two rows; a junction's bank is which side of it
    # it lies on, and a segment joining the two banks survives only as a bridge.
    keep = np.ones(len(u), dtype=bool)
    river_row = np.full(cols, -1.0)
    if rows >= 4:
        phase = rng.uniform(0, 2 * math.pi)
        river_row = np.floor(rows / 2 + 0.15 * rows * np.sin(phase + 3.0 * np.pi * np.arange(cols) / cols))
        north = r > river_row[c]
        crosses = north[u] != north[v]
        bridge = ~horizontal & (line % arterial_every == 0) & ((line // arterial_every) % bridge_every == 0)
        if not np.any(crosses & bridge):  # a small city still gets one bridge, mid-town
            bridge |= ~horizontal & (line == cols // 2)
        keep &= ~crosses | bridge

    # Random closures of local streets (construction, gated compounds).
    keep &= ~(local & (rng.random(len(u)) < removed_share))

    # Downtown one-way pairs: in the central half, alternate local lines run one
    # way, in opposite directions.
    mid_r, mid_c = (rows - 1) / 2, (cols - 1) / 2
    downtown = (np.abs(r[u] - mid_r) < rows / 4) & (np.abs(c[u] - mid_c) < cols / 4)
    oneway = local & downtown & (line % 2 == 1)
    flip = oneway & (line % 4 == 3)  # these run against the numbering

    u, v, speed, road, oneway, flip = u[keep], v[keep], speed[keep], road[keep], oneway[keep], flip[keep]
    u, v = np.where(flip, v, u), np.where(flip, u, v)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    both = ~oneway
    src = np.concatenate([u, v[both]])
    dst = np.concatenate([v, u[both]])
    pick = np.concatenate([np.arange(len(u)), np.flatnonzero(both)])
    seconds = length[pick] / (speed[pick] / 3.6)
    return Network.from_edges(
        lonlat[:, 0],
        lonlat[:, 1],
        src,
        dst,
        seconds,
        edge_attrs={
            "length_m": length[pick].astype(np.float32),
            "highway": road[pick],
            "maxspeed_kmh": np.full(len(pick), np.nan, dtype=np.float32),
        },
        # Node ids are grid positions (row * cols + col); with ``river_rows`` they
        # let tests and demos tell which bank a junction is on.
        node_ids=np.arange(rows * cols, dtype=np.int64),
        meta={
            "name": f"synthetic-{n_nodes}-{seed}",
            "source": "synthetic",
            "seed": seed,
            "rows": rows,
            "cols": cols,
            "river_rows": river_row.astype(int).tolist(),
        },
        largest_component=True,
    ).spatially_sorted()


def random_points_in(network: Network, n: int, seed: int = 0) -> NDArray[np.float64]:
    """``n`` deterministic random lon/lat points inside the network's bounding box."""
    rng = np.random.default_rng(seed)
    lo_lon, lo_lat, hi_lon, hi_lat = network.bbox
    return np.column_stack([rng.uniform(lo_lon, hi_lon, n), rng.uniform(lo_lat, hi_lat, n)])
