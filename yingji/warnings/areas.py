"""Target areas: what a drawn polygon or circle, or a picked jurisdiction, covers.

A jurisdiction picked as an area is written into the CAP area as its boundary
(one polygon per outer ring, simplified to about 10 m) and its code as a
geocode, so that receivers without our tree still know where. Which streets,
communities and grids a warning reaches is the set whose boundary meets the
union of the warning's areas, inside the issuing jurisdiction's subtree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely import prepared
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.ops import unary_union

from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.warnings import cap

GEOCODE_NAME = "GB/T 2260"
# Boundaries written into CAP are simplified to about this many degrees (≈ 10 m at Shenzhen's latitude).
SIMPLIFY_DEGREES = 0.0001
MAX_RADIUS_KM = 500.0
MAX_POINTS = 2000
KM_PER_DEGREE = 111.32


def circle_polygon(lon: float, lat: float, radius_km: float, points: int = 64) -> Polygon:
    """A circle as a polygon, on the local flat approximation (good to well under 1 % at city scale)."""
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6))
    return Polygon([(lon + dlon * math.cos(2 * math.pi * i / points), lat + dlat * math.sin(2 * math.pi * i / points))
                    for i in range(points)])


def clean_ring(ring: Any, field: str = "polygon") -> list[list[float]]:
    """A drawn or typed ring as a closed list of [lon, lat]; ValidationError naming `field` when it is not one."""
    try:
        points = [[float(p[0]), float(p[1])] for p in ring]
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        raise ValidationError({field: _("A polygon is a list of [longitude, latitude] points.")}) from exc
    if points and points[0] != points[-1]:
        points.append(list(points[0]))
    if len(points) < 4:
        raise ValidationError({field: _("A polygon needs at least three points.")})
    if len(points) > MAX_POINTS:
        raise ValidationError({field: _("A polygon may have at most %(n)d points.") % {"n": MAX_POINTS}})
    if any(not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon) or math.isnan(lat) for lon, lat in points):
        raise ValidationError({field: _("Coordinates must be WGS-84 longitude and latitude.")})
    polygon = Polygon(points)
    if not polygon.is_valid or polygon.area == 0:
        raise ValidationError({field: _("The polygon crosses itself or has no area.")})
    return points


def clean_circle(lon: Any, lat: Any, radius_km: Any, field: str = "circle") -> list[float]:
    try:
        values = [float(lon), float(lat), float(radius_km)]
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: _("A circle is a centre (longitude, latitude) and a radius in km.")}) from exc
    if any(math.isnan(v) for v in values) or not (-180 <= values[0] <= 180 and -90 <= values[1] <= 90):
        raise ValidationError({field: _("Coordinates must be WGS-84 longitude and latitude.")})
    if not 0 < values[2] <= MAX_RADIUS_KM:
        raise ValidationError({field: _("The radius must be more than 0 and at most %(km)d km.")
                               % {"km": int(MAX_RADIUS_KM)}})
    return values


def _outer_rings(boundary: dict[str, Any] | None) -> list[list[list[float]]]:
    if not boundary:
        return []
    try:
        geometry = shape(boundary)
    except (ValueError, TypeError, KeyError, AttributeError):
        return []
    geometry = geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    return [[[float(x), float(y)] for x, y in polygon.exterior.coords] for polygon in polygons
            if isinstance(polygon, Polygon) and not polygon.is_empty]


def jurisdiction_area(jurisdiction: Jurisdiction) -> cap.Area:
    """The CAP area of a jurisdiction: its name, its boundary as polygons, its code as a geocode.

    A jurisdiction without a boundary becomes a 1 km circle around its centroid
    when it has one (CAP receivers need some geometry or a code they know).
    """
    polygons = _outer_rings(jurisdiction.boundary)
    circles: list[list[float]] = []
    if not polygons and jurisdiction.centroid_lon is not None and jurisdiction.centroid_lat is not None:
        circles = [[jurisdiction.centroid_lon, jurisdiction.centroid_lat, 1.0]]
    return cap.Area(area_desc=jurisdiction.name, polygons=polygons, circles=circles,
                    geocodes=[[GEOCODE_NAME, jurisdiction.code]])


def area_shape(polygons: Iterable[list[list[float]]], circles: Iterable[list[float]]) -> Any:
    """The union of an area's polygons and circles as one shapely geometry (None when it has neither)."""
    parts: list[Any] = [Polygon(ring) for ring in polygons]
    parts += [circle_polygon(lon, lat, km) for lon, lat, km in circles]
    parts = [p if p.is_valid else p.buffer(0) for p in parts]
    return unary_union(parts) if parts else None


REACHED_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)


def reached_jurisdictions(within: Jurisdiction, picked: Iterable[Jurisdiction], geometry: Any) -> list[Jurisdiction]:
    """Streets, communities and grids under `within` that a warning reaches: the subtrees of the
    picked jurisdictions, and those whose boundary (or centroid, lacking one) meets `geometry`."""
    subtree = Jurisdiction.objects.filter(path__startswith=within.path, level__in=REACHED_LEVELS)
    found: dict[int, Jurisdiction] = {}
    picked = list(picked)
    for j in picked:
        for row in subtree.filter(path__startswith=j.path):
            found[row.pk] = row
    if geometry is not None and not geometry.is_empty:
        test = prepared.prep(geometry)
        for row in subtree.only("id", "path", "level", "name", "code", "boundary", "centroid_lon", "centroid_lat",
                                "parent_id"):
            if row.pk in found:
                continue
            hit = False
            if row.boundary:
                try:
                    hit = test.intersects(shape(row.boundary))
                except (ValueError, TypeError, KeyError, AttributeError):
                    hit = False
            elif row.centroid_lon is not None and row.centroid_lat is not None:
                hit = test.intersects(Point(row.centroid_lon, row.centroid_lat))
            if hit:
                found[row.pk] = row
    return sorted(found.values(), key=lambda j: j.path)
