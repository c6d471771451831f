"""Demand cells: the population of each community spread over the H3 hexagons inside it.

Coverage is measured on people, not on area, so every community's resident
population is spread over the H3 cells whose centres fall inside its boundary.
When a road network is known the spread is dasymetric: a cell gets a share in
proportion to the road junctions inside it, so the water of Shenzhen Bay or the
middle of Lianhuashan park holds nobody. Each cell hangs on the grid containing
its centre (or on the community when grids have no boundary), so grid workers
and community staff see their own cells under the one scope rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import h3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.prepared import prep

from yingji.core.scope import ensure_in
from yingji.coverage.models import DemandCell
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.routing import Network

#: Resolution 9 hexagons are about 0.1 km² (a city block or two): fine enough
#: for a district map, coarse enough for a city (about 20,000 cells in Shenzhen).
DEFAULT_RESOLUTION = 9
#: A junction-less cell still gets this weight, so a community whose cells have
#: no road inside (an extract that stops short) keeps its people.
BASE_WEIGHT = 0.05


def _cells_of(boundary: dict[str, Any], resolution: int, centroid: tuple[float | None, float | None]) -> list[str]:
    cells = sorted(h3.geo_to_cells(boundary, resolution))
    if not cells:
        # A polygon smaller than one cell still has people: give them the cell under its centre.
        lon, lat = centroid
        if lon is None or lat is None:
            point = shape(boundary).representative_point()
            lon, lat = point.x, point.y
        cells = [h3.latlng_to_cell(lat, lon, resolution)]
    return cells


def junction_counts(network: Network | None, resolution: int) -> Counter[str]:
    """Road junctions per H3 cell: the weight of the dasymetric spread."""
    if network is None:
        return Counter()
    return Counter(h3.latlng_to_cell(float(lat), float(lon), resolution)
                   for lon, lat in zip(network.lon, network.lat, strict=True))


def _spread(population: int, cells: list[str], junctions: Counter[str]) -> list[float]:
    weights = [junctions.get(c, 0) + BASE_WEIGHT for c in cells] if junctions else [1.0] * len(cells)
    total = sum(weights)
    return [population * w / total for w in weights]


def _leaves(area: Jurisdiction) -> list[Jurisdiction]:
    """The jurisdictions whose populations are spread: communities, or streets without communities."""
    subtree = Jurisdiction.objects.filter(path__startswith=area.path, boundary__isnull=False)
    communities = list(subtree.filter(level=Level.COMMUNITY).order_by("path"))
    if area.level in (Level.COMMUNITY, Level.GRID):
        return [area] if area.boundary else []
    covered = {c.path.rsplit("/", 2)[0] + "/" for c in communities}
    streets = [s for s in subtree.filter(level=Level.STREET).order_by("path") if s.path not in covered]
    return communities + streets


@transaction.atomic
def generate_demand_cells(area: Jurisdiction, *, actor: Any, resolution: int = DEFAULT_RESOLUTION,
                          network: Network | None = None) -> int:
    """Replace the demand cells under `area` with fresh ones; returns how many.

    `actor=None` is the system (the demo generator, a management command).
    Derived rows: written with bulk_create, no audit record.
    """
    if actor is not None:
        ensure_in(actor, "coverage.add_demandcell", area.path)
    if not 5 <= resolution <= 11:
        raise ValidationError({"resolution": _("Choose an H3 resolution between 5 and 11.")})
    DemandCell.objects.filter(jurisdiction__path__startswith=area.path).delete()
    junctions = junction_counts(network, resolution)
    grids = list(Jurisdiction.objects.filter(path__startswith=area.path, level=Level.GRID, boundary__isnull=False)
                 .only("pk", "path", "boundary"))
    grids_by_parent: dict[str, list[tuple[Any, Jurisdiction]]] = {}
    for grid in grids:
        grids_by_parent.setdefault(grid.path.rsplit("/", 2)[0] + "/", []).append((prep(shape(grid.boundary)), grid))
    taken = set(DemandCell.objects.values_list("h3", flat=True))
    rows: list[DemandCell] = []
    for leaf in _leaves(area):
        cells = [c for c in _cells_of(leaf.boundary, resolution, (leaf.centroid_lon, leaf.centroid_lat))
                 if c not in taken]
        if not cells:
            continue
        taken.update(cells)
        children = grids_by_parent.get(leaf.path, [])
        for cell, people in zip(cells, _spread(leaf.population, cells, junctions), strict=True):
            lat, lon = h3.cell_to_latlng(cell)
            owner = next((grid for polygon, grid in children if polygon.contains(Point(lon, lat))), leaf)
            rows.append(DemandCell(jurisdiction=owner, h3=cell, resolution=resolution, lon=round(lon, 6),
                                   lat=round(lat, 6), population=round(people, 2)))
    DemandCell.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def cell_rings(cells: Iterable[str]) -> dict[str, list[list[float]]]:
    """Closed GeoJSON rings (lon/lat, 6 decimals) of H3 cells, for the map."""
    out = {}
    for cell in cells:
        ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]
        out[cell] = ring + ring[:1]
    return out
