"""Siting new service stations: maximal covering (MCLP) and set covering (LSCP).

Given which candidate sites reach which demand within the target time (a
boolean ``candidates × demand`` matrix from :func:`~yingji.routing.coverage.cover_matrix`):

* :func:`mclp` chooses ``p`` new sites covering the most population (or risk
  weight), counting what existing stations (``fixed``) already cover — the
  "where do the next 20 stations go" question of a district plan;
* :func:`lscp` finds the fewest new sites that cover every coverable demand
  point — the "how many stations to reach 100 % in 5 minutes" question.

Both have a fast heuristic (lazy greedy, then local search) and an exact
mixed-integer program solved by HiGHS (:mod:`yingji.routing.milp`);
:func:`lp_bound` gives the LP-relaxation upper bound used to judge a heuristic
answer on instances too big to solve exactly.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from .milp import solve_lscp, solve_mclp

Method = Literal["heuristic", "exact"]


@dataclass(frozen=True)
class SitingResult:
    """A chosen set of new sites and what it achieves.

    Attributes:
        sites: indices (rows of the cover matrix) of the new sites, sorted.
        fixed: indices of the existing stations counted as open.
        covered_weight: demand weight covered by ``sites`` and ``fixed``.
        total_weight: weight of all demand.
        method: ``"heuristic"`` or ``"exact"``.
        optimal: true when proven optimal (exact method finished).
        bound: an upper bound on the covered weight (MCLP) or lower bound on
            the number of sites (LSCP) when known.
        seconds: wall time spent.
    """

    sites: NDArray[np.int64]
    fixed: NDArray[np.int64]
    covered_weight: float
    total_weight: float
    method: str
    optimal: bool = False
    bound: float | None = None
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def covered_share(self) -> float:
        """Covered share of the demand weight, 0..1."""
        return self.covered_weight / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def bound_share(self) -> float | None:
        """``bound`` as a share of the total weight (MCLP)."""
        if self.bound is None or self.total_weight <= 0:
            return None
        return self.bound / self.total_weight


@dataclass(frozen=True)
class Reduced:
    """A siting instance with the same optimum but fewer demand columns.

    Demand already covered by a fixed station, or by no candidate at all, is
    removed (its contribution is constant); demand points covered by exactly
    the same candidate set are merged into one column with the summed weight.
    A city instance of 100,000 cells typically shrinks several-fold.
    """

    a: sp.csr_matrix  # candidates × merged demand, float64 ones
    weight: NDArray[np.float64]  # summed weight per merged column
    count: NDArray[np.float64]  # demand points per merged column
    base_weight: float  # weight already covered by fixed stations
    total_weight: float
    fixed: NDArray[np.int64]
    selectable: NDArray[np.bool_]  # candidates that may be chosen (not fixed)
    at: sp.csr_matrix  # transpose of ``a``: merged demand × candidates


def reduce_instance(
    cover: sp.spmatrix, weights: ArrayLike | None = None, fixed: ArrayLike | None = None
) -> Reduced:
    """Build the :class:`Reduced` form of ``cover`` (candidates × demand)."""
    a = sp.csr_matrix(cover, dtype=bool)
    m, n = a.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(w) != n:
        raise ValueError(f"{len(w)} weights for {n} demand points")
    if np.any(w < 0):
        raise ValueError("demand weights must be non-negative")
    fx = np.unique(np.asarray([] if fixed is None else fixed, dtype=np.int64))
    if len(fx) and (fx.min() < 0 or fx.max() >= m):
        raise ValueError("fixed station index out of range")
    by_fixed = np.asarray(a[fx].sum(axis=0)).ravel() > 0 if len(fx) else np.zeros(n, dtype=bool)
    coverable = np.asarray(a.sum(axis=0)).ravel() > 0
    keep = np.flatnonzero(coverable & ~by_fixed)
    at = a[:, keep].T.tocsr()  # merged demand rows: which candidates cover each
    at.sort_indices()
    group = _identical_rows(at)
    n_groups = int(group.max()) + 1 if len(group) else 0
    first = np.full(n_groups, len(group), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(group)))
    reduced_t = at[first].astype(np.float64)
    reduced = reduced_t.T.tocsr()
    selectable = np.ones(m, dtype=bool)
    selectable[fx] = False
    return Reduced(
        reduced,
        np.bincount(group, weights=w[keep], minlength=n_groups),
        np.bincount(group, minlength=n_groups).astype(np.float64),
        float(w[by_fixed].sum()),
        float(w.sum()),
        fx,
        selectable,
        reduced_t,
    )


def _identical_rows(at: sp.csr_matrix) -> NDArray[np.int64]:
    """Group label per row such that rows with equal column sets share a label."""
    n, m = at.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(12345)
    lengths = np.diff(at.indptr)
    starts = at.indptr[:-1]
    keys = [lengths.astype(np.uint64)]
    for _ in range(2):  # two independent 64-bit sums: collisions are then negligible
        r = rng.integers(0, 2**63, size=m, dtype=np.uint64)
        vals = r[at.indices]
        # reduceat on empty rows would pick a neighbour's value; rows here are never empty.
        keys.append(np.add.reduceat(vals, starts) if len(vals) else np.zeros(n, dtype=np.uint64))
    _, label = np.unique(np.column_stack(keys), axis=0, return_inverse=True)
    label = label.ravel().astype(np.int64)
    # Verify the grouping exactly; on a (practically impossible) collision, don't merge.
    first = np.full(label.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, label, np.arange(n))
    rep = first[label]
    offs = np.arange(len(at.indices)) - np.repeat(starts, lengths)
    same = at.indices == at.indices[np.repeat(at.indptr[rep], lengths) + offs]
    return label if bool(np.all(same)) else np.arange(n, dtype=np.int64)


def _covered_weight(r: Reduced, sites: NDArray[np.int64]) -> float:
    if len(sites) == 0:
        return r.base_weight
    hit = np.asarray(r.a[sites].sum(axis=0)).ravel() > 0
    return r.base_weight + float(r.weight[hit].sum())


def _lazy_greedy(
    r: Reduced,
    value: NDArray[np.float64],
    cnt: NDArray[np.int64],
    p: int | None,
    allowed: NDArray[np.bool_] | None = None,
) -> list[int]:
    """Add sites one by one, each time the one adding the most uncovered ``value``.

    Lazy evaluation: a site's gain only shrinks as others are added, so a stale
    gain in the heap is an upper bound and most sites are never re-evaluated.
    With ``p=None`` it continues until nothing more can be gained (set cover).
    """
    a = r.a
    gain = a @ (value * (cnt == 0))
    ok = r.selectable if allowed is None else r.selectable & allowed
    heap = [(-float(gain[j]), int(j)) for j in np.flatnonzero(ok)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while heap and (p is None or len(chosen) < p):
        _, j = heapq.heappop(heap)
        idx = a.indices[a.indptr[j] : a.indptr[j + 1]]
        g = float(value[idx][cnt[idx] == 0].sum())
        if heap and g < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-g, j))
            continue
        if p is None and g <= 0:
            break
        chosen.append(j)
        cnt[idx] += 1
    return chosen


class _SwapSearch:
    """Best-improvement 1-swap (interchange) local search for MCLP, incremental.

    For every pair (candidate ``c`` not chosen, chosen slot ``k``) the change
    in covered weight of replacing site ``sel[k]`` by ``c`` is
    ``gain0[c] + extra[c, k] - loss[k]``: ``gain0`` is what ``c`` covers that
    nothing covers yet, ``loss[k]`` what only ``sel[k]`` covers, ``extra[c, k]``
    what only ``sel[k]`` covers and ``c`` covers too.  The three are kept up
    to date through per-demand cover counts: a swap only changes them for the
    demand covered by the two sites involved, so each step costs the size of
    that neighbourhood, not of the whole instance (the classic fast
    interchange of Whitaker, 1983, for covering).  Sparse and NumPy integer
    bookkeeping only — no BLAS calls, whose thread pools stall on a busy host.
    """

    def __init__(self, r: Reduced, chosen: list[int]) -> None:
        self.r = r
        self.at = r.at
        self.sel = np.asarray(chosen, dtype=np.int64)
        m, g = r.a.shape
        self.slot = np.full(m, -1, dtype=np.int64)
        self.slot[self.sel] = np.arange(len(self.sel))
        self.cnt = _counts(r, list(self.sel))
        self.gain0 = np.zeros(m)
        self.extra = np.zeros((m, len(self.sel)))
        self.loss = np.zeros(len(self.sel))
        self._account(np.arange(g), +1.0)

    def _account(self, demand: NDArray[np.int64], sign: float) -> None:
        """Add (``sign=+1``) or remove (``-1``) the contributions of ``demand``."""
        at, w, cnt = self.at, self.r.weight, self.cnt
        m, p = self.extra.shape
        # Gather the rows' candidates straight from the CSR arrays (SciPy's own
        # row indexing costs more than the whole update on small instances).
        starts = at.indptr[demand]
        lengths = at.indptr[demand + 1] - starts
        total = int(lengths.sum())
        pos = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        cand = at.indices[pos]
        row_w = np.repeat(w[demand], lengths)
        row_cnt = np.repeat(cnt[demand], lengths)
        uncovered = row_cnt == 0
        self.gain0 += sign * np.bincount(cand[uncovered], weights=row_w[uncovered], minlength=m)
        if p == 0:
            return
        single = cnt[demand] == 1
        if not single.any():
            return
        # The owner of a singly covered demand point: its one chosen site's slot.
        slots = self.slot[cand]
        owned = (slots >= 0) & (row_cnt == 1)
        owner = np.full(len(demand), -1, dtype=np.int64)
        owner[np.repeat(np.arange(len(demand)), lengths)[owned]] = slots[owned]
        self.loss += sign * np.bincount(owner[single], weights=w[demand][single], minlength=p)
        row_owner = np.repeat(owner, lengths)
        mask = row_cnt == 1
        flat = cand[mask] * p + row_owner[mask]
        self.extra += sign * np.bincount(flat, weights=row_w[mask], minlength=m * p).reshape(m, p)

    def copy(self) -> _SwapSearch:
        """An independent copy of the search state (for trying a perturbation)."""
        twin = object.__new__(_SwapSearch)
        twin.r, twin.at = self.r, self.at
        for name in ("sel", "slot", "cnt", "gain0", "extra", "loss"):
            setattr(twin, name, getattr(self, name).copy())
        return twin

    def swap(self, k: int, c: int) -> None:
        """Replace the site in slot ``k`` by candidate ``c``, updating the sums."""
        a = self.r.a
        out = int(self.sel[k])
        n_out = a.indices[a.indptr[out] : a.indptr[out + 1]]
        n_in = a.indices[a.indptr[c] : a.indptr[c + 1]]
        touched = np.union1d(n_out, n_in)
        self._account(touched, -1.0)
        self.cnt[n_out] -= 1
        self.cnt[n_in] += 1
        self.slot[out], self.slot[c] = -1, k
        self.sel[k] = c
        self._account(touched, +1.0)

    def run(self, max_iter: int = 100_000) -> list[int]:
        """Apply best swaps until none improves; return the chosen sites."""
        r = self.r
        if len(self.sel) == 0:
            return []
        tol = 1e-9 * max(float(r.weight.sum()), 1.0)
        blocked = ~r.selectable
        for _ in range(max_iter):
            delta = self.extra + (self.gain0[:, None] - self.loss[None, :])
            delta[self.sel, :] = -np.inf
            delta[blocked, :] = -np.inf
            c, k = np.unravel_index(int(np.argmax(delta)), delta.shape)
            if delta[c, k] <= tol:
                break
            self.swap(int(k), int(c))
        return [int(j) for j in self.sel]

    @property
    def value(self) -> float:
        return float(self.r.weight[self.cnt > 0].sum())


def _counts(r: Reduced, sites: list[int]) -> NDArray[np.int64]:
    cnt = np.zeros(r.a.shape[1], dtype=np.int64)
    for j in sites:
        cnt[r.a.indices[r.a.indptr[j] : r.a.indptr[j + 1]]] += 1
    return cnt


#: The iterated local search stops after this many rounds without improvement:
#: on the test instances later improvements are rare, and on a city each round
#: costs a few dozen swaps.
PATIENCE = 10


def _iterated_local_search(r: Reduced, chosen: list[int], rounds: int, seed: int,
                           deadline: float | None = None) -> list[int]:
    """Escape 1-swap local optima: perturb, search again, keep the best.

    Each round replaces a random number of the best solution's sites (from one
    up to all of them, i.e. a fresh random start) by random other candidates
    and runs the swap search from there.  On small instances a lone 1-swap
    optimum can be 5-10 % below the optimum; the rounds close nearly all of
    that.  Deterministic for a given ``seed``.
    """
    best = _SwapSearch(r, chosen)
    best.run()
    best_value = best.value
    pool = np.flatnonzero(r.selectable)
    p = len(best.sel)
    if p == 0 or len(pool) <= p:
        return [int(j) for j in best.sel]
    rng = np.random.default_rng(seed)
    tol = 1e-9 * max(float(r.weight.sum()), 1.0)
    idle = 0
    for _ in range(rounds):
        if idle >= PATIENCE or (deadline is not None and time.perf_counter() > deadline):
            break
        idle += 1
        n_drop = int(rng.integers(1, p + 1))
        slots = rng.choice(p, size=n_drop, replace=False)
        others = np.setdiff1d(pool, best.sel)
        add = rng.choice(others, size=min(n_drop, len(others)), replace=False)
        trial = best.copy()
        for k, c in zip(slots, add, strict=False):
            trial.swap(int(k), int(c))
        trial.run()
        value = trial.value
        if value > best_value + tol:
            best, best_value = trial, value
            idle = 0
    return [int(j) for j in best.sel]


def mclp(
    cover: sp.spmatrix,
    weights: ArrayLike | None,
    p: int,
    fixed: ArrayLike | None = None,
    method: Method = "heuristic",
    *,
    time_limit: float | None = None,
    local_search: bool = True,
    rounds: int = 30,
    seed: int = 0,
) -> SitingResult:
    """Maximal covering: ``p`` new sites (rows of ``cover``) covering the most weight.

    Args:
        cover: boolean ``candidates × demand`` matrix (site reaches demand in time).
        weights: demand weights (population, risk weight); ``None`` = all 1.
        p: number of new sites to open (existing ``fixed`` ones not counted).
        fixed: rows of existing stations, always open.
        method: ``"heuristic"`` (lazy greedy + swap search, seconds on a city) or
            ``"exact"`` (HiGHS branch and bound, warm-started by the heuristic).
        time_limit: seconds for the exact solver; at the limit the best found
            is returned with ``optimal=False`` and the solver's bound.
        local_search: run the swap search after the greedy (off: greedy only).
        rounds: perturbation rounds of the iterated local search.
        seed: seed of those perturbations (results are deterministic).
    """
    start = time.perf_counter()
    if p < 0:
        raise ValueError("p must be non-negative")
    if method not in ("heuristic", "exact"):
        raise ValueError(f"unknown method {method!r}")
    r = reduce_instance(cover, weights, fixed)
    cnt = np.zeros(r.a.shape[1], dtype=np.int64)
    chosen = _lazy_greedy(r, r.weight, cnt, p)
    budget = time_limit if method == "exact" and time_limit is not None else None
    if local_search:
        # With a time limit the exact method leaves most of it to the kernel search.
        deadline = start + ILS_SHARE * budget if budget is not None else None
        chosen = _iterated_local_search(r, chosen, rounds, seed, deadline)
    sites = np.sort(np.asarray(chosen, dtype=np.int64))
    if method == "heuristic":
        return _result(r, sites, "heuristic", start)
    if budget is None:
        sol = solve_mclp(r, p, integer=True, start=sites)
        best = np.sort(sol.sites) if _covered_weight(r, sol.sites) >= _covered_weight(r, sites) else sites
        return _result(r, best, "exact", start, sol.optimal, r.base_weight + sol.bound)
    return _kernel_search(r, p, sites, start, start + budget)


#: Share of an exact solve's time limit the iterated local search may use before the kernel search.
ILS_SHARE = 0.15
#: Share of an exact solve's time limit kept back from the last kernel's solve (HiGHS overshoots a little).
KERNEL_MARGIN = 0.08
#: Subgradient steps for the Lagrangian multipliers that rank the candidates (and bound the optimum).
KERNEL_LAGRANGE_STEPS = 300


def lagrange(r: Reduced, p: int, lower: float, iterations: int, time_limit: float | None = None,
             tolerance: float = 1e-4) -> tuple[float, NDArray[np.float64]]:
    """Lagrangian upper bound on the weight ``p`` new sites cover beyond ``r.base_weight``, and the
    multipliers ``λ`` (one per merged demand column) that gave it.

    The coverage constraints ``x_i ≤ Σ_j a_ij y_j`` relaxed with ``λ_i ∈ [0, w_i]``
    leave a problem solved by inspection — keep ``x_i`` where ``w_i > λ_i``, open the
    ``p`` sites with the largest ``Σ_i a_ij λ_i`` — whose value bounds the optimum for
    *any* ``λ``; subgradient steps (Held, Wolfe & Crowder, 1974) approach the LP bound
    from above, steered by ``lower`` (the weight of a known solution). Valid whenever it stops.
    """
    start = time.perf_counter()
    w, a, at = r.weight, r.a, r.at
    selectable = r.selectable
    k = int(min(p, int(selectable.sum())))
    lam = 0.5 * w
    if k == 0 or a.shape[1] == 0:
        return 0.0, lam
    best, best_lam = np.inf, lam
    mu, idle = 2.0, 0
    for _ in range(iterations):
        score = np.where(selectable, a @ lam, -np.inf)
        top = np.argpartition(-score, k - 1)[:k]
        value = float(np.maximum(w - lam, 0.0).sum() + score[top].sum())
        if not best < np.inf or value < best - 1e-12 * best:
            best, best_lam, idle = value, lam, 0
        else:
            idle += 1
            if idle >= 20:  # halve the step after a stall, as usual for subgradients
                mu, idle = mu / 2.0, 0
        if best - lower <= tolerance * max(lower, 1e-12) or mu < 1e-6:
            break
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
        y = np.zeros(a.shape[0])
        y[top] = 1.0
        step_dir = (w > lam).astype(np.float64) - at @ y
        norm = float(step_dir @ step_dir)
        if norm == 0.0:
            break  # λ is optimal: the bound is the LP bound
        lam = np.clip(lam + mu * (value - lower) / norm * step_dir, 0.0, w)
    return best, best_lam


def _kernel_search(r: Reduced, p: int, sites: NDArray[np.int64], start: float, deadline: float) -> SitingResult:
    """The exact model on a growing kernel of promising candidates, until the deadline.

    Kernel search (Angelelli, Mansini & Speranza, 2010): the candidates are ranked
    by their Lagrangian value ``Σ_i a_ij λ_i`` (what a site is worth once the
    demand others cover anyway is priced out); the integer program restricted to
    the best ``2p`` of them plus the heuristic's sites is small enough for HiGHS
    to solve to optimality in about a second (on the 10,000 × 1,000, p = 20
    bench instance that kernel holds all 20 sites of the optimum); each further
    bucket of ``p`` candidates is added and solved again, warm-started from the
    best so far, while time remains (not the whole model at once: HiGHS's
    presolve of the whole mid instance overran a 3 s limit by 3 s). Once the
    kernel holds every candidate and HiGHS finishes, the answer is proven
    optimal; otherwise the Lagrangian bound (valid, however far the search
    got) is reported with it.
    """
    best = sites
    best_value = _covered_weight(r, best) - r.base_weight
    bound, lam = lagrange(r, p, best_value, KERNEL_LAGRANGE_STEPS,
                          time_limit=max(0.0, 0.1 * (deadline - time.perf_counter())))
    selectable = np.flatnonzero(r.selectable)
    score = np.asarray(r.a[selectable] @ lam).ravel()
    ranked = selectable[np.argsort(-score, kind="stable")]
    size = min(len(ranked), 2 * max(p, 1))
    optimal = False
    # HiGHS overshoots its limit a little, and the answer must still be written up within the deadline.
    margin = max(0.1, KERNEL_MARGIN * (deadline - start))
    while True:
        remaining = deadline - margin - time.perf_counter()
        if remaining <= 0.1:
            break
        kernel = np.zeros(len(r.selectable), dtype=bool)
        kernel[ranked[:size]] = True
        kernel[best] = True
        restricted = Reduced(r.a, r.weight, r.count, r.base_weight, r.total_weight, r.fixed,
                             r.selectable & kernel, r.at)
        sol = solve_mclp(restricted, p, integer=True, start=best, time_limit=remaining)
        value = _covered_weight(r, sol.sites) - r.base_weight
        if len(sol.sites) and value > best_value:
            best, best_value = np.sort(sol.sites), value
        if size >= len(ranked) and np.isfinite(sol.bound):
            bound = min(bound, sol.bound)  # the whole model's own dual bound, where HiGHS reached one
        if not sol.optimal:
            break  # the time ran out inside this kernel
        if size >= len(ranked):
            optimal, bound = True, min(bound, best_value)
            break
        size = min(len(ranked), size + max(p, 1))
    return _result(r, best, "exact", start, optimal, r.base_weight + bound)


def lp_bound(
    cover: sp.spmatrix,
    weights: ArrayLike | None,
    p: int,
    fixed: ArrayLike | None = None,
    *,
    time_limit: float | None = None,
    solver: str = "choose",
) -> float | None:
    """Upper bound on the weight any ``p`` new sites can cover: the MCLP LP relaxation.

    Returns ``None`` when HiGHS does not reach the LP optimum within
    ``time_limit`` (an unfinished LP gives no valid bound).
    """
    r = reduce_instance(cover, weights, fixed)
    sol = solve_mclp(r, p, integer=False, time_limit=time_limit, solver=solver)
    return r.base_weight + sol.bound if sol.optimal else None


def lscp(
    cover: sp.spmatrix,
    fixed: ArrayLike | None = None,
    method: Method = "heuristic",
    *,
    time_limit: float | None = None,
    rounds: int = 30,
    seed: int = 0,
) -> SitingResult:
    """Set covering: the fewest new sites covering every demand point any site can reach.

    Demand no candidate reaches is left out (and shows as uncovered weight in
    the result).  The heuristic is lazy greedy by newly covered points
    followed by removal of redundant sites, then ``rounds`` of perturbation
    (drop a few sites, re-cover greedily without them, drop redundant ones;
    keep when no larger); ``"exact"`` solves the integer program with HiGHS.
    """
    start = time.perf_counter()
    r = reduce_instance(cover, None, fixed)
    cnt = np.zeros(r.a.shape[1], dtype=np.int64)
    chosen = _lazy_greedy(r, r.count, cnt, None)
    chosen = _drop_redundant(r, chosen, cnt)
    chosen = _improve_cover(r, chosen, rounds, seed)
    sites = np.sort(np.asarray(chosen, dtype=np.int64))
    if method == "exact":
        sol = solve_lscp(r, start=sites, time_limit=time_limit)
        if len(sol.sites) <= len(sites):
            sites = np.sort(sol.sites)
        return _result(r, sites, "exact", start, sol.optimal, sol.bound)
    if method != "heuristic":
        raise ValueError(f"unknown method {method!r}")
    return _result(r, sites, "heuristic", start)


def _result(
    r: Reduced,
    sites: NDArray[np.int64],
    method: str,
    start: float,
    optimal: bool = False,
    bound: float | None = None,
) -> SitingResult:
    return SitingResult(
        sites,
        r.fixed,
        _covered_weight(r, sites),
        r.total_weight,
        method,
        optimal=optimal,
        bound=bound,
        seconds=time.perf_counter() - start,
    )


def _improve_cover(r: Reduced, chosen: list[int], rounds: int, seed: int) -> list[int]:
    """Iterated greedy for set covering: perturb a cover, repair it, keep it if no larger.

    Equal-size covers are accepted too, so the search can drift across
    plateaus; it stops after :data:`PATIENCE` rounds without a smaller cover.
    """
    rng = np.random.default_rng(seed)
    best = list(chosen)
    idle = 0
    for _ in range(rounds):
        if idle >= PATIENCE or len(best) < 2:
            break
        idle += 1
        n_drop = int(rng.integers(1, max(2, len(best) // 3) + 1))
        drop = set(rng.choice(best, size=min(n_drop, len(best)), replace=False).tolist())
        keep = [j for j in best if j not in drop]
        cnt = _counts(r, keep)
        allowed = np.ones(r.a.shape[0], dtype=bool)
        allowed[list(drop)] = False
        trial = keep + _lazy_greedy(r, r.count, cnt, None, allowed)
        if np.any(cnt == 0):  # the dropped sites were needed for some demand
            trial += _lazy_greedy(r, r.count, cnt, None)
        trial = _drop_redundant(r, trial, cnt)
        if len(trial) < len(best):
            idle = 0
        if len(trial) <= len(best):
            best = trial
    return best


def _drop_redundant(r: Reduced, chosen: list[int], cnt: NDArray[np.int64]) -> list[int]:
    """Remove sites whose every demand point is also covered by another chosen site.

    Smallest sites go first: they are the likeliest to be redundant once the
    big ones picked later in the greedy cover their area.
    """
    a = r.a
    sizes = {j: a.indptr[j + 1] - a.indptr[j] for j in chosen}
    kept = set(chosen)
    for j in sorted(chosen, key=lambda s: (sizes[s], s)):
        idx = a.indices[a.indptr[j] : a.indptr[j + 1]]
        if np.all(cnt[idx] >= 2):
            cnt[idx] -= 1
            kept.discard(j)
    return [j for j in chosen if j in kept]
