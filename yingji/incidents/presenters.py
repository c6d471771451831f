"""How incidents, dispatches and teams are shown: one rendering for the API, the pages and the console."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, F, QuerySet
from django.db.models.functions import Floor

from yingji.core.masking import phone_for
from yingji.incidents import catalogue
from yingji.incidents.models import Dispatch, Incident, Status
from yingji.incidents.services import clock
from yingji.incidents.workflows import INCIDENT
from yingji.resources.models import Team

SEVERITY_COLOURS = {"iv": "blue", "iii": "yellow", "ii": "orange", "i": "red"}


def incident_dict(incident: Incident, user: Any) -> dict[str, Any]:
    path = incident.jurisdiction.path
    return {
        "id": incident.pk, "number": incident.number, "reference": incident.reference, "type_code": incident.type_code,
        "type_label": incident.type_label, "category": incident.type.category,
        "severity": incident.severity, "severity_label": str(incident.get_severity_display()),
        "status": incident.status, "status_label": str(incident.get_status_display()),
        "channel": incident.channel, "channel_label": str(incident.get_channel_display()),
        "address": incident.address, "description": incident.description, "lon": incident.lon, "lat": incident.lat,
        "jurisdiction": incident.jurisdiction.code, "jurisdiction_name": incident.jurisdiction.name,
        "reporter_name": incident.reporter_name, "reporter_phone": phone_for(user, incident.reporter_phone, path),
        "received_at": incident.received_at.isoformat(),
        "dispatched_at": incident.dispatched_at.isoformat() if incident.dispatched_at else None,
        "arrived_at": incident.arrived_at.isoformat() if incident.arrived_at else None,
        "handled_at": incident.handled_at.isoformat() if incident.handled_at else None,
        "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
        "possible_duplicate_of": incident.possible_duplicate_of_id, "merged_into": incident.merged_into_id,
    }


def dispatch_dict(d: Dispatch, with_incident: bool = False) -> dict[str, Any]:
    out = {
        "id": d.pk, "incident": d.incident_id, "team_id": d.team_id, "team_name": d.team.name,
        "status": d.status, "status_label": str(d.get_status_display()),
        "called_at": d.called_at.isoformat(),
        "acknowledged_at": d.acknowledged_at.isoformat() if d.acknowledged_at else None,
        "departed_at": d.departed_at.isoformat() if d.departed_at else None,
        "arrived_at": d.arrived_at.isoformat() if d.arrived_at else None,
        "handled_at": d.handled_at.isoformat() if d.handled_at else None,
        "travel_minutes": round(d.travel_seconds / 60, 1) if d.travel_seconds is not None else None,
        "travel_estimated": d.travel_estimated, "people_sent": d.people_sent, "vehicles_sent": d.vehicles_sent,
        "equipment_sent": d.equipment_sent, "escalated_from": d.escalated_from_id,
    }
    if with_incident:
        i = d.incident
        out["incident_detail"] = {"number": i.number, "type_label": i.type_label, "address": i.address, "lon": i.lon, "lat": i.lat,
                                  "description": i.description, "severity": i.severity,
                                  "received_at": i.received_at.isoformat(), "status": i.status}
    return out


def incident_detail(incident: Incident, user: Any) -> dict[str, Any]:
    out = incident_dict(incident, user)
    out["dispatches"] = [dispatch_dict(d) for d in incident.dispatches.select_related("team").order_by("called_at", "id")]
    out["clock"] = [m.as_dict() for m in clock.measure(incident)]
    out.update({"outcome": incident.outcome, "deaths": incident.deaths, "injuries": incident.injuries,
                "rescued": incident.rescued, "loss_yuan": float(incident.loss_yuan),
                "materials_used": incident.materials_used, "evaluation": incident.evaluation,
                # The status steps this user may take now (incidents/workflows.py), as the page's buttons.
                "steps": [step.name for step in INCIDENT.allowed(user, incident)]})
    return out


CLUSTER_GRID = 16  # cells across the map's box, each way, when its incidents are more than the cap


def geojson_incidents(incidents: QuerySet[Incident], limit: int = 2000,
                      box: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """Points for the console map: the newest `limit` of `incidents`, read as plain rows (no model per
    incident: with 30,000 open incidents the map's box still holds thousands).

    When more matched than were sent, `truncated` is true, `total` counts them all and, for a box,
    `clusters` counts them per cell of a 16 × 16 grid over the box ({lon, lat, count}: the mean point
    of the cell's incidents), so that the map shows how many there are instead of dropping them."""
    fields = ("pk", "number", "type_code", "status", "severity", "address", "lon", "lat", "received_at")
    # Labels translated once per type and status, not per incident (4,000 gettext calls were half the time).
    statuses = {code: str(label) for code, label in Status.choices}
    kinds: dict[str, tuple[str, str]] = {}
    features = []
    rows = list(incidents.order_by("-received_at").values_list(*fields)[: limit + 1])
    for pk, number, type_code, status, severity, address, lon, lat, received_at in rows[:limit]:
        if type_code not in kinds:
            kind = catalogue.get(type_code)
            kinds[type_code] = (str(kind.label), kind.category)
        type_label, category = kinds[type_code]
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"id": pk, "number": number, "type_label": type_label, "status": status,
                                        "status_label": statuses.get(status, status), "severity": severity,
                                        "colour": SEVERITY_COLOURS.get(severity, "blue"), "address": address,
                                        "received_at": received_at.isoformat(), "category": category}})
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit}
    if len(rows) > limit:
        # One grouped query over every matched incident (an incident counted once even when the user's
        # queryset joins their teams' dispatches and is therefore distinct).
        matched = (Incident.objects.filter(pk__in=incidents.order_by().values("pk")) if incidents.query.distinct
                   else incidents)
        if box is None:
            out["total"] = matched.count()
        else:
            out["clusters"] = _grid_counts(matched, box)
            out["total"] = sum(c["count"] for c in out["clusters"])
    return out


def _grid_counts(incidents: QuerySet[Incident], box: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    min_lon, min_lat, max_lon, max_lat = box
    width = max(max_lon - min_lon, 1e-9) / CLUSTER_GRID
    height = max(max_lat - min_lat, 1e-9) / CLUSTER_GRID
    cells = (incidents.order_by()
             .annotate(cx=Floor((F("lon") - min_lon) / width), cy=Floor((F("lat") - min_lat) / height))
             .values("cx", "cy").annotate(count=Count("pk"), mean_lon=Avg("lon"), mean_lat=Avg("lat"))
             .order_by("cx", "cy"))
    return [{"lon": round(c["mean_lon"], 6), "lat": round(c["mean_lat"], 6), "count": c["count"]} for c in cells]


def geojson_teams(user: Any, limit: int = 5000) -> dict[str, Any]:
    teams = (Team.objects.visible_to(user).select_related("station")
             .only("id", "name", "status", "lon", "lat", "station__name", "station__lon", "station__lat")[:limit])
    features = []
    for t in teams:
        location = t.location
        if location is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": list(location)},
                         "properties": {"id": t.pk, "name": t.name, "status": t.status,
                                        "status_label": str(t.get_status_display()),
                                        "station": t.station.name if t.station else ""}})
    return {"type": "FeatureCollection", "features": features}
