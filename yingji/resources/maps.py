"""GeoJSON layers of the registry for Leaflet (stations, facilities).

Built on querysets the caller has already scoped; the station layer carries
each station's staffing verdict so the map can colour stations that fall short.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from yingji.resources import rules
from yingji.resources.models import Facility, Station


def _point(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def station_features(stations: QuerySet[Station]) -> dict[str, Any]:
    verdicts = {check.station.pk: check for check in rules.staffing_checks(stations)}
    features = []
    for s in stations.only("id", "code", "name", "kind", "lon", "lat", "is_active", "jurisdiction__name"):
        check = verdicts.get(s.pk)
        features.append(_point(s.lon, s.lat, {
            "id": s.pk, "code": s.code, "name": s.name, "kind": s.kind, "kind_label": s.get_kind_display(),
            "jurisdiction": s.jurisdiction.name, "active": s.is_active,
            "compliant": check.ok if check is not None else None,
            "problems": check.problems if check is not None else [],
            "url": reverse("resources:station_detail", args=[s.pk]),
        }))
    return {"type": "FeatureCollection", "features": features}


def facility_features(facilities: QuerySet[Facility]) -> dict[str, Any]:
    features = []
    for f in facilities.only("id", "code", "name", "kind", "status", "lon", "lat", "capacity", "jurisdiction__name"):
        features.append(_point(f.lon, f.lat, {
            "id": f.pk, "code": f.code, "name": f.name, "kind": f.kind, "kind_label": f.get_kind_display(),
            "status": f.status, "status_label": f.get_status_display(), "capacity": f.capacity,
            "jurisdiction": f.jurisdiction.name, "url": reverse("resources:facility_detail", args=[f.pk]),
        }))
    return {"type": "FeatureCollection", "features": features}
