"""Shortest-path searches on the CSR travel-time graph.

Thin, well-tested wrappers around :func:`scipy.sparse.csgraph.dijkstra` that add
what the engine needs: a start offset per source (the time to reach the road
from a station that is not exactly on it), bounded searches, and batched
one-to-many searches that only keep the targets of interest.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra

INF = np.inf


def _limit(limit: float | None) -> float:
    return INF if limit is None else max(float(limit), 0.0)


def single_source(graph: sp.csr_matrix, source: int, limit: float | None = None) -> NDArray[np.float64]:
    """Seconds from ``source`` to every node, ``inf`` beyond ``limit``."""
    return dijkstra(graph, directed=True, indices=int(source), limit=_limit(limit))


def route(
    graph: sp.csr_matrix, source_node: int, target_node: int, limit: float | None = None
) -> tuple[list[int], float]:
    """The fastest path ``source_node → target_node``: ``(junctions in order, seconds)``.

    ``([], inf)`` when the target cannot be reached (within ``limit``).  The
    responder's map draws this path; one bounded Dijkstra records the
    predecessor of every junction it settles and the path is read backwards
    from the target.
    """
    source, target = int(source_node), int(target_node)
    if source == target:
        return [source], 0.0
    dist, pred = dijkstra(graph, directed=True, indices=source, limit=_limit(limit), return_predecessors=True)
    seconds = float(dist[target])
    if not np.isfinite(seconds):
        return [], INF
    nodes = [target]
    node = target
    while node != source:
        node = int(pred[node])
        nodes.append(node)
    nodes.reverse()
    return nodes, seconds


def multi_source(
    graph: sp.csr_matrix,
    sources: ArrayLike,
    offsets: ArrayLike | None = None,
    limit: float | None = None,
) -> NDArray[np.float64]:
    """For every node, the least ``offsets[s] + time(s → node)`` over the sources.

    With equal offsets this is one ``min_only`` Dijkstra.  With differing
    offsets a virtual super-source is attached by an edge of length ``offset``
    to each source, which keeps the answer exact in a single search.  Values
    above ``limit`` come back as ``inf``.
    """
    sources = np.asarray(sources, dtype=np.int64).ravel()
    n = graph.shape[0]
    if len(sources) == 0:
        return np.full(n, INF)
    off = np.zeros(len(sources)) if offsets is None else np.asarray(offsets, dtype=np.float64).ravel()
    lim = _limit(limit)
    base = float(off.min())
    if np.all(off == base):
        if base > lim:
            return np.full(n, INF)
        d = dijkstra(graph, directed=True, indices=np.unique(sources), min_only=True, limit=lim - base)
        return d + base if base else d
    # Super-source row appended to the CSR arrays: edges to each source node,
    # the smallest offset where a node appears twice.
    order = np.lexsort((off, sources))
    s, o = sources[order], off[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    s, o = s[first], o[first]  # csgraph keeps explicit zeros of a CSR matrix as edges
    indptr = np.concatenate([graph.indptr, [graph.indptr[-1] + len(s)]]).astype(np.int64)
    indices = np.concatenate([graph.indices, s]).astype(np.int32)
    data = np.concatenate([graph.data, o])
    big = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    return dijkstra(big, directed=True, indices=n, limit=lim)[:n]


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def within_limit_pairs(
    graph: sp.csr_matrix,
    sources: ArrayLike,
    source_offsets: ArrayLike,
    targets: ArrayLike,
    target_offsets: ArrayLike,
    limit: float,
    batch_nodes: int = 8_000_000,
) -> sp.csr_matrix:
    """Boolean ``len(sources) × len(targets)`` matrix of pairs within ``limit``.

    Pair ``(i, j)`` is true when ``source_offsets[i] + time(sources[i] →
    targets[j]) + target_offsets[j] <= limit``.  One bounded Dijkstra runs per
    distinct source node, in batches so that the dense scratch rows SciPy
    returns stay under ``batch_nodes`` values.  Only the junctions a search
    reached are looked at, through an index of the targets by junction, so the
    cost follows the number of pairs found rather than sources × targets.
    """
    sources = np.asarray(sources, dtype=np.int64).ravel()
    src_off = np.asarray(source_offsets, dtype=np.float64).ravel()
    targets = np.asarray(targets, dtype=np.int64).ravel()
    tgt_off = np.asarray(target_offsets, dtype=np.float64).ravel()
    n = graph.shape[0]
    shape = (len(sources), len(targets))
    if len(sources) == 0 or len(targets) == 0:
        return sp.csr_matrix(shape, dtype=bool)
    # Targets grouped by junction: tgt_order[tgt_start[v]:tgt_start[v + 1]] sit at v.
    tgt_order = np.argsort(targets, kind="stable")
    tgt_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n), out=tgt_start[1:])
    min_tgt = float(tgt_off.min())
    # Sources sharing a junction are searched once, with the smallest offset.
    uniq, inverse = np.unique(sources, return_inverse=True)
    best_off = np.full(len(uniq), INF)
    np.minimum.at(best_off, inverse, src_off)
    per_batch = max(1, batch_nodes // max(n, 1))
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    times: list[NDArray[np.float64]] = []
    # The search bound is only a bound: a hair wider than `limit` minus the offsets, so rounding in
    # that subtraction never loses a pair; every pair is then checked exactly as the docstring says.
    slack = 1e-9 * max(1.0, abs(float(limit)))
    for b in _batches(len(uniq), per_batch):
        budget = limit - float(best_off[b].min()) - min_tgt + slack
        if budget < 0:
            continue
        d = np.atleast_2d(dijkstra(graph, directed=True, indices=uniq[b], limit=budget))
        r, v = np.nonzero(d <= budget)
        counts = tgt_start[v + 1] - tgt_start[v]
        has = counts > 0
        r, v, counts = r[has], v[has], counts[has]
        total = int(counts.sum())
        first = np.repeat(tgt_start[v] - np.cumsum(counts) + counts, counts) + np.arange(total)
        tgt = tgt_order[first]
        src_u = np.repeat(r, counts) + b.start  # index into uniq
        node_time = np.repeat(d[r, v], counts)
        # With the junction's smallest offset: no source on it can do better (rounding is monotone).
        ok = best_off[src_u] + node_time + tgt_off[tgt] <= limit
        rows.append(src_u[ok])
        cols.append(tgt[ok])
        times.append(node_time[ok])
    u_idx = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    t_idx = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    t_val = np.concatenate(times) if times else np.zeros(0)
    # Spread the pairs found per junction to every source on it and check each with its own
    # offset. The matrix holds each pair's position + 1 (exact in floats, never a zero that
    # would read as "no entry"); its time is looked up, not carried through the matrix.
    position = np.arange(1, len(t_val) + 1, dtype=np.float64)
    reach = sp.csr_matrix((position, (u_idx, t_idx)), shape=(len(uniq), len(targets)))
    per_source = reach[inverse]
    row = np.repeat(np.arange(len(sources)), np.diff(per_source.indptr))
    col = per_source.indices
    keep = src_off[row] + t_val[per_source.data.astype(np.int64) - 1] + tgt_off[col] <= limit
    out = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=bool), (row[keep], col[keep])), shape=shape
    )
    out.sort_indices()
    return out
