"""CAP 1.2 (OASIS Common Alerting Protocol) XML: write, check against the schema, read.

The schema is the OASIS CAP 1.2 XSD shipped in `data/CAP-v1.2.xsd`; every
message we write is checked against it before it leaves, and every message we
receive is refused with the schema's own words when it does not conform.

Reading is hardened: no DTDs, no entities, no network (lxml parser options),
and a size limit. Reading and writing go through one plain structure
(`Alert`, `Info`, `Area` dataclasses), so that a round trip can be compared
field by field; services.py maps it onto the models.

Coordinates: CAP writes "lat,lon"; everything else in Yingji (and the
dataclasses here) is [lon, lat] WGS-84.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import xmlschema
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

NS = "urn:oasis:names:tc:emergency:cap:1.2"
XSD = Path(__file__).resolve().parent / "data" / "CAP-v1.2.xsd"
MAX_BYTES = 2 * 1024 * 1024
CONTENT_TYPE = "application/cap+xml; charset=utf-8"


class CapError(ValueError):
    """A CAP document that cannot be accepted; the message says why (the schema's reason when it is one)."""


@functools.cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


# ------------------------------------------------------------------ the plain structure
@dataclass
class Area:
    area_desc: str
    polygons: list[list[list[float]]] = field(default_factory=list)   # rings of [lon, lat]
    circles: list[list[float]] = field(default_factory=list)          # [lon, lat, radius_km]
    geocodes: list[list[str]] = field(default_factory=list)           # [valueName, value]
    altitude: Decimal | None = None
    ceiling: Decimal | None = None


@dataclass
class Info:
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    language: str = "en-US"
    response_types: list[str] = field(default_factory=list)
    audience: str = ""
    event_codes: list[list[str]] = field(default_factory=list)
    effective: datetime.datetime | None = None
    onset: datetime.datetime | None = None
    expires: datetime.datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    parameters: list[list[str]] = field(default_factory=list)
    resources: list[dict[str, str]] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)


@dataclass
class Alert:
    identifier: str
    sender: str
    sent: datetime.datetime
    status: str
    msg_type: str
    scope: str
    source: str = ""
    restriction: str = ""
    addresses: str = ""
    codes: list[str] = field(default_factory=list)
    note: str = ""
    references: str = ""
    incidents: str = ""
    infos: list[Info] = field(default_factory=list)


# ------------------------------------------------------------------ writing
def cap_time(value: datetime.datetime) -> str:
    """CAP's date-time: local time with its offset, whole seconds, never "Z" (the schema's pattern)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    text = local.replace(microsecond=0).isoformat()
    return text if text[-6] in "+-" else text + "+00:00"


def _number(value: float) -> str:
    """Coordinates as short decimal text: what was read comes back the same."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def polygon_text(ring: list[list[float]]) -> str:
    points = [list(p) for p in ring]
    if points and points[0] != points[-1]:
        points.append(points[0])
    return " ".join(f"{_number(lat)},{_number(lon)}" for lon, lat in points)


def circle_text(circle: list[float]) -> str:
    lon, lat, radius = circle
    return f"{_number(lat)},{_number(lon)} {_number(radius)}"


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _opt(parent: Any, tag: str, text: str) -> None:
    if text:
        _sub(parent, tag, text)


def _pairs(parent: Any, tag: str, pairs: list[list[str]]) -> None:
    for name, value in pairs:
        element = _sub(parent, tag)
        _sub(element, "valueName", str(name))
        _sub(element, "value", str(value))


def to_element(alert: Alert) -> Any:
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", cap_time(alert.sent))
    _sub(root, "status", alert.status)
    _sub(root, "msgType", alert.msg_type)
    _opt(root, "source", alert.source)
    _sub(root, "scope", alert.scope)
    _opt(root, "restriction", alert.restriction)
    _opt(root, "addresses", alert.addresses)
    for code in alert.codes:
        _sub(root, "code", code)
    _opt(root, "note", alert.note)
    _opt(root, "references", alert.references)
    _opt(root, "incidents", alert.incidents)
    for info in alert.infos:
        el = _sub(root, "info")
        _sub(el, "language", info.language)
        for category in info.categories:
            _sub(el, "category", category)
        _sub(el, "event", info.event)
        for response in info.response_types:
            _sub(el, "responseType", response)
        _sub(el, "urgency", info.urgency)
        _sub(el, "severity", info.severity)
        _sub(el, "certainty", info.certainty)
        _opt(el, "audience", info.audience)
        _pairs(el, "eventCode", info.event_codes)
        for tag, when in (("effective", info.effective), ("onset", info.onset), ("expires", info.expires)):
            if when is not None:
                _sub(el, tag, cap_time(when))
        for tag, text in (("senderName", info.sender_name), ("headline", info.headline),
                          ("description", info.description), ("instruction", info.instruction),
                          ("web", info.web), ("contact", info.contact)):
            _opt(el, tag, text)
        _pairs(el, "parameter", info.parameters)
        for resource in info.resources:
            res = _sub(el, "resource")
            for tag in ("resourceDesc", "mimeType", "size", "uri", "derefUri", "digest"):
                if resource.get(tag) or tag in ("resourceDesc", "mimeType"):
                    _sub(res, tag, str(resource.get(tag, "")))
        for area in info.areas:
            ar = _sub(el, "area")
            _sub(ar, "areaDesc", area.area_desc)
            for ring in area.polygons:
                _sub(ar, "polygon", polygon_text(ring))
            for circle in area.circles:
                _sub(ar, "circle", circle_text(circle))
            _pairs(ar, "geocode", area.geocodes)
            if area.altitude is not None:
                _sub(ar, "altitude", str(area.altitude))
                if area.ceiling is not None:
                    _sub(ar, "ceiling", str(area.ceiling))
    return root


def to_xml(alert: Alert) -> bytes:
    """The message as CAP 1.2 XML (UTF-8), checked against the schema (raises CapError if it is not valid)."""
    data = etree.tostring(to_element(alert), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(data)
    return data


# ------------------------------------------------------------------ reading
def _parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


def parse_document(data: bytes) -> Any:
    """The XML tree of untrusted bytes (no DTD, no entities, no network), or CapError."""
    if len(data) > MAX_BYTES:
        raise CapError(_("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise CapError(_("Document type declarations are not accepted in CAP messages."))
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CapError(_("Not well-formed XML: %(reason)s") % {"reason": exc}) from exc


def validate(data: bytes | Any) -> None:
    """Refuse a document that is not CAP 1.2, with the schema's own reason and where it applies."""
    root = parse_document(data) if isinstance(data, bytes) else data
    if root.tag != f"{{{NS}}}alert":
        raise CapError(_("Not a CAP 1.2 message: the root element is %(tag)s, not alert in %(ns)s.")
                       % {"tag": etree.QName(root).localname, "ns": NS})
    error = next(iter(schema().iter_errors(root)), None)
    if error is not None:
        where = error.path or ""
        raise CapError(_("CAP schema: %(reason)s (at %(path)s)") % {"reason": error.reason or error.message,
                                                                   "path": where})


def _text(element: Any, tag: str) -> str:
    child = element.find(f"{{{NS}}}{tag}")
    return (child.text or "").strip() if child is not None else ""


def _texts(element: Any, tag: str) -> list[str]:
    return [(child.text or "").strip() for child in element.findall(f"{{{NS}}}{tag}")]


def _pairs_of(element: Any, tag: str) -> list[list[str]]:
    return [[_text(child, "valueName"), _text(child, "value")] for child in element.findall(f"{{{NS}}}{tag}")]


def parse_time(text: str) -> datetime.datetime | None:
    if not text:
        return None
    value = datetime.datetime.fromisoformat(text)
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def _point(text: str) -> list[float]:
    lat, lon = (float(v) for v in text.split(","))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CapError(_("CAP area: the point %(point)s lies outside WGS-84 coordinates.") % {"point": text})
    return [lon, lat]


def parse_polygon(text: str) -> list[list[float]]:
    try:
        ring = [_point(pair) for pair in text.split()]
    except ValueError as exc:
        raise CapError(_("CAP area: the polygon %(value)s is not a list of lat,lon pairs.")
                       % {"value": text[:80]}) from exc
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise CapError(_("CAP area: a polygon needs at least four points, the first equal to the last."))
    return ring


def parse_circle(text: str) -> list[float]:
    try:
        centre, radius = text.split()
        lon, lat = _point(centre)
        km = float(radius)
    except ValueError as exc:
        raise CapError(_("CAP area: the circle %(value)s is not \"lat,lon radius\".") % {"value": text[:80]}) from exc
    if km < 0:
        raise CapError(_("CAP area: a circle's radius cannot be negative."))
    return [lon, lat, km]


def from_xml(data: bytes) -> Alert:
    """Read a CAP 1.2 message; CapError (the schema's reason) when it is not one."""
    root = parse_document(data)
    validate(root)
    alert = Alert(
        identifier=_text(root, "identifier"), sender=_text(root, "sender"),
        sent=parse_time(_text(root, "sent")),  # type: ignore[arg-type]
        status=_text(root, "status"), msg_type=_text(root, "msgType"), scope=_text(root, "scope"),
        source=_text(root, "source"), restriction=_text(root, "restriction"), addresses=_text(root, "addresses"),
        codes=_texts(root, "code"), note=_text(root, "note"), references=_text(root, "references"),
        incidents=_text(root, "incidents"))
    for el in root.findall(f"{{{NS}}}info"):
        info = Info(
            language=_text(el, "language") or "en-US", categories=_texts(el, "category"), event=_text(el, "event"),
            response_types=_texts(el, "responseType"), urgency=_text(el, "urgency"), severity=_text(el, "severity"),
            certainty=_text(el, "certainty"), audience=_text(el, "audience"), event_codes=_pairs_of(el, "eventCode"),
            effective=parse_time(_text(el, "effective")), onset=parse_time(_text(el, "onset")),
            expires=parse_time(_text(el, "expires")), sender_name=_text(el, "senderName"),
            headline=_text(el, "headline"), description=_text(el, "description"),
            instruction=_text(el, "instruction"), web=_text(el, "web"), contact=_text(el, "contact"),
            parameters=_pairs_of(el, "parameter"),
            resources=[{tag: _text(res, tag) for tag in ("resourceDesc", "mimeType", "size", "uri", "derefUri", "digest")
                        if _text(res, tag)} for res in el.findall(f"{{{NS}}}resource")])
        for ar in el.findall(f"{{{NS}}}area"):
            altitude, ceiling = _text(ar, "altitude"), _text(ar, "ceiling")
            info.areas.append(Area(
                area_desc=_text(ar, "areaDesc"), polygons=[parse_polygon(p) for p in _texts(ar, "polygon")],
                circles=[parse_circle(c) for c in _texts(ar, "circle")], geocodes=_pairs_of(ar, "geocode"),
                altitude=Decimal(altitude) if altitude else None, ceiling=Decimal(ceiling) if ceiling else None))
        alert.infos.append(info)
    return alert
