"""Recommended sites for new stations: maximal covering (MCLP) and the set-cover count (LSCP).

A siting study answers two planning questions for an area: "where do the next
K stations go to reach the most residents within T?" (MCLP, the engine's
lazy-greedy + swap heuristic) and "how many new stations would reach everyone
reachable?" (LSCP). Candidates are the places of one type (malls, hospitals…,
see CandidateSite) or, by default, the demand cells themselves. Existing
stations count as already open.

Building the candidates × demand matrix takes a bounded search per candidate
(about 2 s on the Futian demo district, far more for a city), so a study is a
task (tasks.run_siting) that stores a CoverageRun; the page shows the newest. Studies are
requested and listed in services/studies.py.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import h3
import numpy as np
import scipy.sparse as sp
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import travel
from yingji.coverage.models import CandidateSite, CoverageRun, DemandCell, RunStatus
from yingji.coverage.services.report import AreaRow, row_labels
from yingji.hazards.models import RiskPoint
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Station
from yingji.routing import TravelTimeEngine
from yingji.routing.coverage import cover_matrix
from yingji.routing.siting import lscp, mclp

log = logging.getLogger(__name__)

MAX_NEW_SITES = 100
#: Above this many demand cells, candidates are the cells one resolution coarser
#: (seven times fewer searches; a site chosen to within ~350 m is precise enough
#: for a plan that then looks for a building).
MAX_CELL_CANDIDATES = 1500


def _candidates(area: Jurisdiction, kind: str, cells: list[tuple[Any, ...]],
                names: dict[str, str]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Candidate coordinates and their descriptions."""
    if kind:
        places = list(CandidateSite.objects.in_subtree(area.path).filter(kind=kind)
                      .select_related("jurisdiction").order_by("pk"))
        xy = np.array([(p.lon, p.lat) for p in places], dtype=np.float64).reshape(-1, 2)
        return xy, [{"name": p.name, "kind": p.kind, "candidate": p.pk, "path": p.jurisdiction.path}
                    for p in places]
    if len(cells) <= MAX_CELL_CANDIDATES:
        xy = np.array([(c[1], c[2]) for c in cells], dtype=np.float64).reshape(-1, 2)
        return xy, [{"name": names.get(c[4], ""), "kind": "", "h3": c[0], "path": c[4]} for c in cells]
    parents: dict[str, tuple[Any, ...]] = {}
    for c in cells:
        parents.setdefault(h3.cell_to_parent(c[0], h3.get_resolution(c[0]) - 1), c)
    keys = sorted(parents)
    xy = np.array([h3.cell_to_latlng(k)[::-1] for k in keys], dtype=np.float64).reshape(-1, 2)
    return xy, [{"name": names.get(parents[k][4], ""), "kind": "", "h3": k, "path": parents[k][4]} for k in keys]


def _covered(cover: sp.csr_matrix, rows: np.ndarray, n: int) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(n, dtype=bool)
    return np.asarray(cover[rows].sum(axis=0)).ravel() > 0


def compute_siting(run: CoverageRun, engine: TravelTimeEngine | None = None) -> CoverageRun:
    """Compute a queued study and store its figures (marks it failed on any error)."""
    start = time.perf_counter()
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status"])
    try:
        _compute(run, engine or travel.engine())
    except Exception as exc:  # the run row must say it failed, whatever broke
        log.exception("siting run %s failed", run.pk)
        run.status, run.error = RunStatus.FAILED, str(exc)[:2000]
    else:
        run.status = RunStatus.DONE
    run.seconds = round(time.perf_counter() - start, 3)
    run.finished_at = timezone.now()
    run.save()
    return run


def _compute(run: CoverageRun, eng: TravelTimeEngine) -> None:
    area = run.jurisdiction
    limit_s = run.limit_minutes * 60.0
    areas = list(Jurisdiction.objects.filter(path__startswith=area.path, level__in=[Level.STREET, Level.COMMUNITY])
                 .order_by("path"))
    names = {j.path: j.name for j in Jurisdiction.objects.filter(path__startswith=area.path).only("path", "name")}
    cells = list(DemandCell.objects.in_subtree(area.path)
                 .values_list("h3", "lon", "lat", "population", "jurisdiction__path"))
    risk = list(RiskPoint.objects.in_subtree(area.path).filter(is_active=True)
                .values_list("lon", "lat", "jurisdiction__path"))
    stations = Station.objects.filter(is_active=True)
    if run.station_kinds:
        stations = stations.filter(kind__in=run.station_kinds)
    station_xy = np.array(list(stations.values_list("lon", "lat")), dtype=np.float64).reshape(-1, 2)
    cand_xy, cand_info = _candidates(area, run.candidate_kind, cells, _community_names(names))
    demand_xy = np.array([(c[1], c[2]) for c in cells] + [(r[0], r[1]) for r in risk],
                         dtype=np.float64).reshape(-1, 2)
    n_cells, n_st = len(cells), len(station_xy)
    weights = np.array([c[3] for c in cells] + [0.0] * len(risk), dtype=np.float64)
    if len(demand_xy) == 0:
        raise ValueError(_("The area has no demand cells; generate them first."))
    cover = cover_matrix(eng, np.vstack([station_xy, cand_xy]), demand_xy, limit_s)
    fixed = np.arange(n_st)
    k = min(run.new_sites, len(cand_xy))
    chosen = mclp(cover, weights, k, fixed=fixed).sites if k else np.zeros(0, dtype=np.int64)
    set_cover = lscp(cover, fixed=fixed)
    before = _covered(cover, fixed, len(demand_xy))
    after = before.copy()
    sites = []
    # Report the chosen sites in the order a planner would build them, biggest gain first,
    # leaving out those that would add nothing (MCLP fills K even when fewer suffice).
    remaining = [int(j) for j in chosen]
    while remaining:
        gains = [float(weights[_covered(cover, np.array([j]), len(demand_xy)) & ~after].sum()) for j in remaining]
        best = int(np.argmax(gains))
        j = remaining.pop(best)
        newly = _covered(cover, np.array([j]), len(demand_xy)) & ~after
        if not newly.any():
            break  # the rest add nobody: everything they reach is covered already
        after |= newly
        info = cand_info[j - n_st]
        lon, lat = cand_xy[j - n_st]
        sites.append({"lon": round(float(lon), 6), "lat": round(float(lat), 6), "name": info["name"],
                      "kind": info["kind"], "gain": round(gains[best]),
                      "risk_points": int(newly[n_cells:].sum()), "street": _street_name(info["path"], names)})
    coverable = _covered(cover, np.arange(cover.shape[0]), len(demand_xy))
    cell_w = weights[:n_cells]
    total = float(cell_w.sum())
    run.network = (eng.network.meta.get("name", "") if eng.network is not None else "")[:120]
    run.estimated = eng.network is None
    run.totals = {
        "population": round(total), "cells": n_cells, "stations": n_st, "candidates": len(cand_xy),
        "covered_before": round(float(cell_w[before[:n_cells]].sum())),
        "covered_after": round(float(cell_w[after[:n_cells]].sum())),
        "share_before": round(float(cell_w[before[:n_cells]].sum()) / total, 4) if total else 0.0,
        "share_after": round(float(cell_w[after[:n_cells]].sum()) / total, 4) if total else 0.0,
        "coverable_share": round(float(cell_w[coverable[:n_cells]].sum()) / total, 4) if total else 0.0,
        "lscp_sites": len(set_cover.sites),
        "risk_points": len(risk), "risk_before": int(before[n_cells:].sum()), "risk_after": int(after[n_cells:].sum()),
    }
    run.areas = _area_rows(areas, cells, risk, before, after)
    run.sites = sites


def _community_names(names: dict[str, str]) -> dict[str, str]:
    """Path of a cell's jurisdiction -> the name of its community (a grid's parent), for site labels."""
    out = {}
    for path in names:
        codes = path.strip("/").split("/")
        community = "/" + "/".join(codes[:4]) + "/"
        out[path] = names.get(community, names[path])
    return out


def _street_name(path: str, names: dict[str, str]) -> str:
    codes = path.strip("/").split("/")
    return names.get("/" + "/".join(codes[:3]) + "/", "") if len(codes) >= 3 else ""


def _area_rows(areas: list[Jurisdiction], cells: list[tuple[Any, ...]], risk: list[tuple[Any, ...]],
               before: np.ndarray, after: np.ndarray) -> list[dict[str, Any]]:
    n_cells = len(cells)
    weights = np.array([c[3] for c in cells], dtype=np.float64)
    out = []
    for level in (Level.STREET, Level.COMMUNITY):
        rows = [j for j in areas if j.level == level]
        if not rows:
            continue
        shells = [AreaRow(j.code, j.name, j.level, j.path) for j in rows]
        labels = row_labels([c[4] for c in cells], shells)
        risk_labels = row_labels([r[2] for r in risk], shells)
        n = len(rows)
        ok, rok = labels >= 0, risk_labels >= 0
        pop = np.bincount(labels[ok], weights=weights[ok], minlength=n)
        cov_b = np.bincount(labels[ok], weights=(weights * before[:n_cells])[ok], minlength=n)
        cov_a = np.bincount(labels[ok], weights=(weights * after[:n_cells])[ok], minlength=n)
        rk = np.bincount(risk_labels[rok], minlength=n)
        rk_b = np.bincount(risk_labels[rok], weights=before[n_cells:][rok], minlength=n)
        rk_a = np.bincount(risk_labels[rok], weights=after[n_cells:][rok], minlength=n)
        for i, j in enumerate(rows):
            out.append({"code": j.code, "name": j.name, "level": j.level, "population": round(float(pop[i])),
                        "covered_before": round(float(cov_b[i])), "covered_after": round(float(cov_a[i])),
                        "share_before": round(float(cov_b[i] / pop[i]), 4) if pop[i] else 0.0,
                        "share_after": round(float(cov_a[i] / pop[i]), 4) if pop[i] else 0.0,
                        "risk_points": int(rk[i]), "risk_before": int(rk_b[i]), "risk_after": int(rk_a[i])})
    return out
