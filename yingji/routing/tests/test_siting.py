"""Siting: the exact models agree with spopt, the heuristic is near-optimal."""

from __future__ import annotations

import warnings

import numpy as np
import pulp
import pytest
import scipy.sparse as sp
from spopt.locate import LSCP, MCLP

from yingji.routing.siting import lp_bound, lscp, mclp, reduce_instance


def geographic_instance(seed: int, n_cand: int = 25, n_demand: int = 80) -> tuple[sp.csr_matrix, np.ndarray]:
    """Candidates and demand scattered on a square, covered within a radius.

    Looks like the real problem (overlapping discs) rather than an arbitrary
    random bipartite graph; weights are skewed like population.
    """
    rng = np.random.default_rng(seed)
    cand = rng.uniform(0, 1, (n_cand, 2))
    dem = rng.uniform(0, 1, (n_demand, 2))
    radius = rng.uniform(0.12, 0.3)
    d = np.linalg.norm(cand[:, None, :] - dem[None, :, :], axis=2)
    weights = np.round(rng.lognormal(3, 1, n_demand))
    return sp.csr_matrix(d <= radius), weights


def random_instance(seed: int) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    m, n = rng.integers(5, 30), rng.integers(10, 90)
    a = sp.random(m, n, density=rng.uniform(0.03, 0.25), random_state=seed, format="csr") > 0
    return sp.csr_matrix(a), rng.integers(1, 100, n).astype(float)


def spopt_mclp(cover: sp.csr_matrix, weights: np.ndarray, p: int, fixed: list[int] | None = None) -> float:
    cost = np.where(cover.toarray().T, 0.0, 2.0)  # demand × candidates
    predefined = None
    if fixed:
        predefined = np.zeros(cover.shape[0], dtype=int)
        predefined[fixed] = 1
    total_p = p + (len(fixed) if fixed else 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(cost, weights, 1.0, total_p, predefined_facilities_arr=predefined)
        model.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(model.problem.objective))


def spopt_lscp(cover: sp.csr_matrix) -> int:
    coverable = np.asarray(cover.sum(axis=0)).ravel() > 0
    cost = np.where(cover.toarray().T[coverable], 0.0, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSCP.from_cost_matrix(cost, 1.0)
        model.solve(pulp.PULP_CBC_CMD(msg=False))
    return round(pulp.value(model.problem.objective))


def instances(n: int, start: int = 0):
    for seed in range(start, start + n):
        yield (geographic_instance if seed % 2 == 0 else random_instance)(seed)


def test_reduction_keeps_the_covered_weight_of_every_site_set() -> None:
    rng = np.random.default_rng(0)
    for cover, w in instances(20):
        fixed = [0]
        r = reduce_instance(cover, w, fixed)
        assert r.a.shape[1] <= cover.shape[1] and r.weight.sum() + r.base_weight <= w.sum() + 1e-9
        for _ in range(5):
            sites = rng.choice(cover.shape[0], size=min(3, cover.shape[0]), replace=False)
            full = np.asarray(cover[np.r_[sites, fixed]].sum(axis=0)).ravel() > 0
            hit = np.asarray(r.a[sites].sum(axis=0)).ravel() > 0
            assert r.base_weight + r.weight[hit].sum() == pytest.approx(w[full].sum())


@pytest.mark.parametrize("with_fixed", [False, True])
def test_exact_mclp_has_the_same_optimum_as_spopt(with_fixed: bool) -> None:
    for k, (cover, w) in enumerate(instances(12, start=100 if with_fixed else 0)):
        p = 1 + k % 4
        fixed = [1, 3] if with_fixed else None
        ours = mclp(cover, w, p, fixed=fixed, method="exact")
        assert ours.optimal
        assert ours.covered_weight == pytest.approx(spopt_mclp(cover, w, p, fixed))
        assert len(ours.sites) <= p and not set(ours.sites.tolist()) & set(fixed or [])


def test_exact_lscp_has_the_same_optimum_as_spopt() -> None:
    for cover, _ in instances(12, start=200):
        ours = lscp(cover, method="exact")
        assert ours.optimal
        assert len(ours.sites) == spopt_lscp(cover)
        coverable = np.asarray(cover.sum(axis=0)).ravel() > 0
        hit = np.asarray(cover[ours.sites].sum(axis=0)).ravel() > 0
        assert np.array_equal(hit, coverable)


def test_the_mclp_heuristic_is_within_one_percent_of_the_optimum() -> None:
    worst, worst_case = 1.0, None
    for k, (cover, w) in enumerate(instances(200, start=1000)):
        p = 1 + k % 6
        fixed = [0] if k % 5 == 0 else None
        exact = mclp(cover, w, p, fixed=fixed, method="exact")
        heur = mclp(cover, w, p, fixed=fixed)
        assert heur.covered_weight <= exact.covered_weight + 1e-9
        ratio = heur.covered_weight / exact.covered_weight if exact.covered_weight else 1.0
        if ratio < worst:
            worst, worst_case = ratio, (1000 + k, p)
    print(f"\nMCLP heuristic / optimum over 200 instances: worst {worst:.4f} (seed, p = {worst_case})")
    assert worst >= 0.99


def test_the_lscp_heuristic_covers_everything_coverable_with_few_extra_sites() -> None:
    worst = 1.0
    for cover, _ in instances(150, start=3000):
        heur = lscp(cover)
        exact = lscp(cover, method="exact")
        coverable = np.asarray(cover.sum(axis=0)).ravel() > 0
        hit = np.asarray(cover[heur.sites].sum(axis=0)).ravel() > 0
        assert np.array_equal(hit, coverable)
        assert len(heur.sites) >= len(exact.sites)
        # no chosen site is redundant
        for s in heur.sites:
            rest = np.setdiff1d(heur.sites, [s])
            assert not np.array_equal(np.asarray(cover[rest].sum(axis=0)).ravel() > 0, coverable)
        worst = min(worst, len(exact.sites) / max(len(heur.sites), 1))
    print(f"\nLSCP optimum / heuristic site count over 150 instances: worst {worst:.4f}")
    assert worst >= 0.8


def test_the_lp_bound_lies_between_the_optimum_and_the_total() -> None:
    for k, (cover, w) in enumerate(instances(20, start=500)):
        p = 1 + k % 3
        exact = mclp(cover, w, p, method="exact")
        bound = lp_bound(cover, w, p)
        assert bound is not None
        assert exact.covered_weight - 1e-6 <= bound <= w.sum() + 1e-6


def test_fixed_stations_count_as_covered_and_are_not_chosen_again() -> None:
    cover = sp.csr_matrix(
        np.array(
            [
                [1, 1, 0, 0, 0],  # existing station
                [1, 1, 1, 0, 0],
                [0, 0, 0, 1, 1],
            ],
            dtype=bool,
        )
    )
    w = np.array([10.0, 10, 1, 5, 5])
    without = mclp(cover, w, 1)
    assert without.sites.tolist() == [1] and without.covered_weight == 21
    with_fixed = mclp(cover, w, 1, fixed=[0])
    assert with_fixed.sites.tolist() == [2] and with_fixed.covered_weight == 30
    assert with_fixed.covered_share == pytest.approx(1.0 - 1 / 31)
    assert lscp(cover, fixed=[0]).sites.tolist() == [1, 2]


def test_degenerate_sizes() -> None:
    cover, w = geographic_instance(1)
    assert mclp(cover, w, 0).sites.tolist() == []
    everything = mclp(cover, w, 10_000)
    assert everything.covered_weight == pytest.approx(w[np.asarray(cover.sum(axis=0)).ravel() > 0].sum())
    with pytest.raises(ValueError):
        mclp(cover, w[:-1], 2)
    with pytest.raises(ValueError):
        mclp(cover, w, 2, method="magic")  # type: ignore[arg-type]


def test_a_time_limited_exact_solve_returns_a_valid_bound() -> None:
    cover, w = geographic_instance(7, n_cand=120, n_demand=600)
    result = mclp(cover, w, 8, method="exact", time_limit=0.2)
    assert result.bound is not None and result.bound >= result.covered_weight - 1e-6
    assert result.bound_share is not None and result.bound_share <= 1.0 + 1e-9


def test_the_lagrangian_bound_is_valid_and_close_to_the_lp_bound() -> None:
    from yingji.routing.bounds import lagrangian_bound

    for k, (cover, w) in enumerate(instances(15, start=700)):
        p = 1 + k % 4
        fixed = [0] if k % 3 == 0 else None
        exact = mclp(cover, w, p, fixed=fixed, method="exact").covered_weight
        lp = lp_bound(cover, w, p, fixed)
        lag = lagrangian_bound(cover, w, p, fixed, iterations=3_000, tolerance=0.0)
        assert lp is not None
        assert lag >= lp - 1e-6 * w.sum() and lag >= exact - 1e-6
        assert lag <= lp + 0.02 * w.sum()  # subgradients converge to the LP bound


def test_the_time_limited_exact_solve_searches_kernels_and_proves_the_optimum_given_time() -> None:
    """Issue 11: with a time limit the exact method solves the integer program on a growing kernel of
    candidates ranked by their Lagrangian value; given the time it reaches every candidate and proves
    the optimum (the same as the untimed solve's), with an existing station fixed or not."""
    for k, (cover, w) in enumerate(instances(16, start=900)):
        p = 1 + k % 5
        fixed = [1] if k % 4 == 0 else None
        optimum = mclp(cover, w, p, fixed=fixed, method="exact")
        timed = mclp(cover, w, p, fixed=fixed, method="exact", time_limit=60.0)
        assert timed.optimal and optimum.optimal
        assert timed.covered_weight == pytest.approx(optimum.covered_weight)
        assert timed.bound == pytest.approx(timed.covered_weight)
        assert len(timed.sites) <= p and not set(timed.sites.tolist()) & set(fixed or [])


def test_a_kernel_stopped_by_the_limit_keeps_a_valid_bound_and_at_least_the_greedy_answer() -> None:
    cover, w = geographic_instance(11, n_cand=300, n_demand=1_500)
    greedy = mclp(cover, w, 12, local_search=False)
    timed = mclp(cover, w, 12, method="exact", time_limit=0.5)
    optimum = mclp(cover, w, 12, method="exact")
    assert timed.covered_weight >= greedy.covered_weight - 1e-9
    assert timed.bound is not None and timed.bound >= optimum.covered_weight - 1e-6
    assert timed.optimal or timed.covered_weight <= optimum.covered_weight + 1e-9
