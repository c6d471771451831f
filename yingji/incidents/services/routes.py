"""The way to the scene: the road path a called team drives, drawn on the responder's phone.

Read-only: nothing here writes. The path starts where the team stands by (its
own position, else its home station: the point dispatch timed the call from),
or at the responder's own position when the phone shares it, and ends at the
incident. It comes from the shared travel-time engine (`core.travel.engine()`);
without a road network, or for a point off it, the answer is the engine's
straight-line estimate and says so (`estimated: true`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yingji.core import travel
from yingji.incidents.models import Dispatch


def dispatch_route(dispatch: Dispatch, position: tuple[float, float] | None = None) -> dict[str, Any]:
    """A GeoJSON Feature (LineString, lon/lat WGS-84) from the team or `position` to the incident.

    Properties: `seconds`, `minutes`, `metres`, `estimated`, `origin` ("team"
    or "position"), `dispatch`, `incident`.
    """
    origin = "position" if position is not None else "team"
    start = position if position is not None else dispatch.team.location
    if start is None:
        raise ValidationError({"lon": _("The team has no position or station; share your position to get a route.")})
    incident = dispatch.incident
    route = travel.engine().route((float(start[0]), float(start[1])), (incident.lon, incident.lat))
    return {
        "type": "Feature",
        "geometry": {"type": "LineString",
                     "coordinates": [[round(lon, 6), round(lat, 6)] for lon, lat in route.lonlat]},
        "properties": {
            "dispatch": dispatch.pk, "incident": incident.pk, "origin": origin,
            "seconds": round(route.seconds, 1), "minutes": round(route.minutes, 1),
            "metres": round(route.metres), "estimated": route.estimated,
            "time_text": travel.travel_text(route.seconds, route.estimated),
        },
    }
