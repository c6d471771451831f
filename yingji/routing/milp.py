"""Exact siting models solved with HiGHS (through ``highspy``, no modelling layer).

The models are built directly as sparse matrices: a city instance has hundreds
of thousands of coefficients, which a Python modelling layer (PuLP, as spopt
uses) spends minutes writing out.  Both work on the
:class:`~yingji.routing.siting.Reduced` instance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .siting import Reduced

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Solution:
    """What HiGHS returned: chosen sites, objective, bound, and whether it is optimal."""

    sites: NDArray[np.int64]
    objective: float
    bound: float
    optimal: bool


def _highs(time_limit: float | None, solver: str = "choose") -> highspy.Highs:
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("solver", solver)
    # Exact means exact: the default 1e-4 relative MIP gap could stop short.
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    return h


def _pass_model(
    h: highspy.Highs,
    matrix: sp.csr_matrix,
    cost: NDArray[np.float64],
    col_bounds: tuple[NDArray[np.float64], NDArray[np.float64]],
    row_bounds: tuple[NDArray[np.float64], NDArray[np.float64]],
    integer_cols: NDArray[np.bool_] | None,
    sense: highspy.ObjSense,
) -> None:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = cost
    lp.col_lower_, lp.col_upper_ = col_bounds
    lp.row_lower_, lp.row_upper_ = row_bounds
    lp.sense_ = sense
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    if integer_cols is not None:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer_cols
        ]
    h.passModel(lp)


def _warm_start(h: highspy.Highs, values: NDArray[np.float64]) -> None:
    sol = highspy.HighsSolution()
    sol.col_value = list(values)
    sol.value_valid = True
    h.setSolution(sol)


def _is_optimal(h: highspy.Highs) -> bool:
    return h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def solve_mclp(
    r: Reduced,
    p: int,
    *,
    integer: bool = True,
    start: NDArray[np.int64] | None = None,
    time_limit: float | None = None,
    solver: str = "choose",
) -> Solution:
    """Maximal covering on the reduced instance (objective excludes ``r.base_weight``).

    Variables: ``y_j`` open site ``j`` (binary, or in [0, 1] for the LP
    relaxation), ``x_i`` demand column ``i`` covered (continuous in [0, 1]: at
    an optimum it is 1 exactly when a covering site is open, so it needs no
    integrality).  Maximise ``Σ w_i x_i`` subject to ``x_i ≤ Σ_{j covers i} y_j``
    and ``Σ y_j ≤ p``; fixed sites are outside the model (their cover is in
    ``r.base_weight``).
    """
    m, g = r.a.shape
    at = r.at  # demand × candidates
    rows = sp.hstack([-at, sp.identity(g, format="csr")], format="csr")
    card = sp.csr_matrix(np.concatenate([r.selectable.astype(np.float64), np.zeros(g)])[None, :])
    matrix = sp.vstack([rows, card], format="csr")
    matrix.eliminate_zeros()
    inf = highspy.kHighsInf
    col_lower = np.zeros(m + g)
    col_upper = np.concatenate([r.selectable.astype(np.float64), np.ones(g)])
    row_lower = np.full(g + 1, -inf)
    row_upper = np.concatenate([np.zeros(g), [float(p)]])
    h = _highs(time_limit, solver)
    if not integer and solver == "ipm":
        # The bound needs the optimal value, not a vertex: skip the crossover.
        h.setOptionValue("run_crossover", "off")
    _pass_model(
        h,
        matrix,
        np.concatenate([np.zeros(m), r.weight]),
        (col_lower, col_upper),
        (row_lower, row_upper),
        np.concatenate([np.ones(m, bool), np.zeros(g, bool)]) if integer else None,
        highspy.ObjSense.kMaximize,
    )
    if integer and start is not None and len(start):
        y = np.zeros(m)
        y[start] = 1.0
        x = np.minimum(np.asarray(r.a[start].sum(axis=0)).ravel(), 1.0)
        _warm_start(h, np.concatenate([y, x]))
    h.run()
    optimal = _is_optimal(h)
    info = h.getInfo()
    if not integer and not optimal:
        logger.info("HiGHS LP stopped with %s", h.modelStatusToString(h.getModelStatus()))
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value) if has_solution else np.zeros(m + g)
    objective = float(info.objective_function_value) if has_solution else 0.0
    if integer:
        bound = float(info.mip_dual_bound) if not optimal else objective
        sites = np.flatnonzero(values[:m] > 0.5).astype(np.int64)
    else:
        bound = objective
        sites = np.flatnonzero(values[:m] > 1e-9).astype(np.int64)
    return Solution(sites, objective, bound, optimal)


def solve_lscp(
    r: Reduced, *, start: NDArray[np.int64] | None = None, time_limit: float | None = None
) -> Solution:
    """Set covering: minimise ``Σ y_j`` with ``Σ_{j covers i} y_j ≥ 1`` for every demand column."""
    m, g = r.a.shape
    matrix = r.at
    inf = highspy.kHighsInf
    h = _highs(time_limit)
    _pass_model(
        h,
        matrix,
        np.ones(m),
        (np.zeros(m), r.selectable.astype(np.float64)),
        (np.ones(g), np.full(g, inf)),
        np.ones(m, bool),
        highspy.ObjSense.kMinimize,
    )
    if start is not None and len(start):
        y = np.zeros(m)
        y[start] = 1.0
        _warm_start(h, y)
    h.run()
    optimal = _is_optimal(h)
    info = h.getInfo()
    values = np.asarray(h.getSolution().col_value)
    sites = np.flatnonzero(values > 0.5).astype(np.int64)
    bound = float(info.mip_dual_bound) if not optimal else float(len(sites))
    return Solution(sites, float(len(sites)), bound, optimal)
