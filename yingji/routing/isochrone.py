"""Isochrones: the area a station reaches within a given time, as a polygon.

Drawn on the coverage map around each service station ("the 5-minute rescue
circle") and around an incident to show which teams can make it in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from .geo import LocalProjection
from .network import Network

#: Half-width of the band drawn around reached junctions, metres: a vehicle
#: that reaches a junction also reaches the frontages of the streets around it.
EDGE_BUFFER_M = 60.0


@dataclass(frozen=True)
class Isochrone:
    """A reachable area.

    Attributes:
        polygon: shapely geometry in lon/lat (WGS-84).
        seconds: the time limit it was drawn for.
        estimated: true when drawn from the straight-line fallback.
        reached_nodes: junction indices reached in time (empty when estimated).
    """

    polygon: BaseGeometry
    seconds: float
    estimated: bool
    reached_nodes: NDArray[np.int64]

    @property
    def geojson(self) -> dict[str, Any]:
        """GeoJSON geometry dict (``{"type": "Polygon", "coordinates": …}``)."""
        return dict(mapping(self.polygon))

    def feature(self, **properties: Any) -> dict[str, Any]:
        """A GeoJSON Feature carrying the limit, the estimate flag and extra properties."""
        props = {"seconds": self.seconds, "minutes": self.seconds / 60.0, "estimated": self.estimated}
        return {"type": "Feature", "geometry": self.geojson, "properties": {**props, **properties}}


def _to_lonlat(geom: BaseGeometry, projection: LocalProjection) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: projection.inverse(xy))


def node_isochrone(
    network: Network,
    origin: tuple[float, float],
    reached: NDArray[np.int64],
    seconds: float,
    *,
    ratio: float = 0.15,
) -> Isochrone:
    """Polygon around the origin and the reached junctions.

    A concave hull (``ratio`` as in :func:`shapely.concave_hull`; smaller hugs the
    points closer) of the reached junctions and the origin, widened by
    :data:`EDGE_BUFFER_M`, so that it contains all of them and follows the
    shape of the road network rather than a convex blob across a river.
    """
    proj = network.projection
    pts = np.vstack([proj.forward(*origin), network.xy[reached]])
    hull = shapely.concave_hull(shapely.multipoints(pts), ratio=ratio)
    poly = hull.buffer(EDGE_BUFFER_M)
    return Isochrone(_to_lonlat(poly, proj), float(seconds), False, np.asarray(reached, dtype=np.int64))


def circle_isochrone(lon: float, lat: float, radius_m: float, seconds: float) -> Isochrone:
    """The straight-line estimate: a circle of ``radius_m`` around the point."""
    proj = LocalProjection(lon, lat)
    poly = shapely.Point(0.0, 0.0).buffer(max(radius_m, 1.0), quad_segs=16)
    return Isochrone(_to_lonlat(poly, proj), float(seconds), True, np.zeros(0, dtype=np.int64))
