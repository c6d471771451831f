"""Upper bounds on maximal covering by Lagrangian relaxation.

The LP relaxation of a city-size MCLP (100,000 demand cells × 5,000 sites)
can take HiGHS many minutes.  Relaxing the coverage constraints
``x_i ≤ Σ_j a_ij y_j`` with multipliers ``λ_i ∈ [0, w_i]`` leaves a problem
solved by inspection — keep ``x_i`` where ``w_i > λ_i``, open the ``p`` sites
with the largest ``Σ_i a_ij λ_i`` — whose value is an upper bound for *any*
``λ``.  The relaxed problem has the integrality property, so the best such
bound equals the LP bound; subgradient steps (Held, Wolfe & Crowder, 1974;
for covering, Galvão & ReVelle, 1996) approach it from above.
"""

from __future__ import annotations

import scipy.sparse as sp
from numpy.typing import ArrayLike

from .siting import Reduced, lagrange, mclp, reduce_instance


def lagrangian_bound(
    cover: sp.spmatrix,
    weights: ArrayLike | None,
    p: int,
    fixed: ArrayLike | None = None,
    *,
    lower: float | None = None,
    iterations: int = 1_000,
    time_limit: float | None = None,
    tolerance: float = 1e-4,
) -> float:
    """Upper bound on the weight any ``p`` new sites (plus ``fixed``) can cover.

    Always valid, whenever it stops; at convergence it equals the LP bound of
    :func:`~yingji.routing.siting.lp_bound`, approached from above.

    Args:
        cover, weights, p, fixed: the instance, as for :func:`~yingji.routing.siting.mclp`.
        lower: weight covered by a known solution (steers the step sizes);
            computed by the greedy heuristic when not given.
        iterations: most subgradient steps.
        time_limit: stop after this many seconds.
        tolerance: stop once the bound is within this share of ``lower``.
    """
    r = reduce_instance(cover, weights, fixed)
    if lower is None:
        lower = mclp(cover, weights, p, fixed, local_search=False).covered_weight
    return r.base_weight + _subgradient(r, p, lower - r.base_weight, iterations, time_limit, tolerance)


def _subgradient(
    r: Reduced, p: int, lower: float, iterations: int, time_limit: float | None, tolerance: float
) -> float:
    return lagrange(r, p, lower, iterations, time_limit, tolerance)[0]
